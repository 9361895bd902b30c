package pyro.core.model;

import java.util.Map;

/** A VM of the {@code vm_*} lifecycle (createVm, startVm, execVm, stopVm, deleteVm, statusVm). */
public record VmInfo(
        String vmId,
        String environment,
        String state,
        String backend,
        String accel,
        int vcpuCount,
        int memMib,
        long ttlSeconds,
        boolean network,
        String createdAt,
        String expiresAt,
        Long bootMs,
        String stateReason,
        String boot,
        String channel)
        implements JsonRecord {

    /** Without the agent channel's name ({@code virtio-serial}, {@code vsock}). */
    public VmInfo(String vmId, String environment, String state, String backend, String accel, int vcpuCount,
            int memMib, long ttlSeconds, boolean network, String createdAt, String expiresAt, Long bootMs,
            String stateReason, String boot) {
        this(vmId, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds, network, createdAt, expiresAt,
                bootMs, stateReason, boot, null);
    }

    public VmInfo(String vmId, String environment, String state, String backend, String accel, int vcpuCount,
            int memMib, long ttlSeconds, boolean network, String createdAt, String expiresAt, Long bootMs,
            String stateReason) {
        this(vmId, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds, network, createdAt, expiresAt,
                bootMs, stateReason, null, null);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("vm_id", vmId)
                .put("environment", environment)
                .put("state", state)
                .put("backend", backend)
                .put("accel", accel)
                .put("vcpu_count", vcpuCount)
                .put("mem_mib", memMib)
                .put("ttl_seconds", ttlSeconds)
                .put("network", network)
                .put("network_policy", network ? "egress" : "off")
                .put("created_at", createdAt)
                .put("expires_at", expiresAt)
                .put("boot", boot)
                .put("boot_ms", bootMs)
                .put("channel", channel)
                .put("state_reason", stateReason)
                .map();
    }
}
