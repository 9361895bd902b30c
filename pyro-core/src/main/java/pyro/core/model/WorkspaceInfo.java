package pyro.core.model;

import java.util.List;
import java.util.Map;

/** A persistent workspace. Field names are the contract's (CONTRACT.md, records: workspace). */
public record WorkspaceInfo(
        String workspaceId,
        String name,
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
        String lastActivityAt,
        SeedInfo workspaceSeed,
        long commandCount,
        List<String> lastCommand,
        ServiceCounts serviceCounts,
        List<Map<String, Object>> shells,
        String stateReason,
        String boot,
        int snapshotCount,
        long snapshotBytes,
        String networkPolicy,
        List<String> secrets,
        String channel)
        implements JsonRecord {

    /** Without the agent channel's name ({@code virtio-serial}, {@code vsock}). */
    public WorkspaceInfo(String workspaceId, String name, String environment, String state, String backend,
            String accel, int vcpuCount, int memMib, long ttlSeconds, boolean network, String createdAt,
            String expiresAt, String lastActivityAt, SeedInfo workspaceSeed, long commandCount,
            List<String> lastCommand, ServiceCounts serviceCounts, List<Map<String, Object>> shells,
            String stateReason, String boot, int snapshotCount, long snapshotBytes, String networkPolicy,
            List<String> secrets) {
        this(workspaceId, name, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds, network,
                createdAt, expiresAt, lastActivityAt, workspaceSeed, commandCount, lastCommand, serviceCounts, shells,
                stateReason, boot, snapshotCount, snapshotBytes, networkPolicy, secrets, null);
    }

    public WorkspaceInfo(String workspaceId, String name, String environment, String state, String backend,
            String accel, int vcpuCount, int memMib, long ttlSeconds, boolean network, String createdAt,
            String expiresAt, String lastActivityAt, SeedInfo workspaceSeed, long commandCount,
            List<String> lastCommand, ServiceCounts serviceCounts, List<Map<String, Object>> shells,
            String stateReason, String boot, int snapshotCount, long snapshotBytes, String networkPolicy) {
        this(workspaceId, name, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds, network,
                createdAt, expiresAt, lastActivityAt, workspaceSeed, commandCount, lastCommand, serviceCounts, shells,
                stateReason, boot, snapshotCount, snapshotBytes, networkPolicy, List.of());
    }

    public WorkspaceInfo(String workspaceId, String name, String environment, String state, String backend,
            String accel, int vcpuCount, int memMib, long ttlSeconds, boolean network, String createdAt,
            String expiresAt, String lastActivityAt, SeedInfo workspaceSeed, long commandCount,
            List<String> lastCommand, ServiceCounts serviceCounts, List<Map<String, Object>> shells,
            String stateReason, String boot, int snapshotCount, long snapshotBytes) {
        this(workspaceId, name, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds, network,
                createdAt, expiresAt, lastActivityAt, workspaceSeed, commandCount, lastCommand, serviceCounts, shells,
                stateReason, boot, snapshotCount, snapshotBytes, network ? "egress" : "off");
    }

    public WorkspaceInfo(String workspaceId, String name, String environment, String state, String backend,
            String accel, int vcpuCount, int memMib, long ttlSeconds, boolean network, String createdAt,
            String expiresAt, String lastActivityAt, SeedInfo workspaceSeed, long commandCount,
            List<String> lastCommand, ServiceCounts serviceCounts, List<Map<String, Object>> shells,
            String stateReason, String boot) {
        this(workspaceId, name, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds, network,
                createdAt, expiresAt, lastActivityAt, workspaceSeed, commandCount, lastCommand, serviceCounts, shells,
                stateReason, boot, 0, 0);
    }

    public WorkspaceInfo(String workspaceId, String name, String environment, String state, String backend,
            String accel, int vcpuCount, int memMib, long ttlSeconds, boolean network, String createdAt,
            String expiresAt, String lastActivityAt, SeedInfo workspaceSeed, long commandCount,
            List<String> lastCommand, ServiceCounts serviceCounts, List<Map<String, Object>> shells,
            String stateReason) {
        this(workspaceId, name, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds, network,
                createdAt, expiresAt, lastActivityAt, workspaceSeed, commandCount, lastCommand, serviceCounts, shells,
                stateReason, null, 0, 0);
    }

    public static final String WORKSPACE_PATH = pyro.protocol.Guest.WORKSPACE;
    /** A workspace expires {@code ttl_seconds} after its last use (exec, files, services...), not after its creation. */
    public static final String TTL_POLICY = "idle";

    public WorkspaceInfo {
        shells = shells == null ? List.of() : List.copyOf(shells);
        networkPolicy = networkPolicy == null ? (network ? "egress" : "off") : networkPolicy;
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("name", name)
                .put("environment", environment)
                .put("state", state)
                .put("backend", backend)
                .put("accel", accel)
                .put("vcpu_count", vcpuCount)
                .put("mem_mib", memMib)
                .put("ttl_seconds", ttlSeconds)
                .put("ttl_policy", TTL_POLICY)
                .put("network", network)
                .put("network_policy", networkPolicy)
                .put("created_at", createdAt)
                .put("expires_at", expiresAt)
                .put("last_activity_at", lastActivityAt)
                .put("workspace_path", WORKSPACE_PATH)
                .put("workspace_seed", workspaceSeed)
                .put("command_count", commandCount)
                .put("last_command", lastCommand)
                .put("service_count", serviceCounts.total())
                .put("running_service_count", serviceCounts.running())
                .put("service_counts", serviceCounts)
                .put("shells", shells)
                .put("state_reason", stateReason)
                .put("boot", boot)
                .put("channel", channel)
                .put("snapshot_count", snapshotCount)
                .put("snapshot_bytes", snapshotBytes)
                .put("secrets", secrets)
                .map();
    }

    /** The same record with another {@code state_reason} (a condition seen now, such as a full host disk). */
    public WorkspaceInfo withStateReason(String reason) {
        return new WorkspaceInfo(workspaceId, name, environment, state, backend, accel, vcpuCount, memMib, ttlSeconds,
                network, createdAt, expiresAt, lastActivityAt, workspaceSeed, commandCount, lastCommand, serviceCounts,
                shells, reason, boot, snapshotCount, snapshotBytes, networkPolicy, secrets, channel);
    }
}
