package pyro.core.internal;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.model.SeedInfo;
import pyro.core.model.ServiceCounts;
import pyro.core.model.VmInfo;
import pyro.core.model.VmState;
import pyro.core.model.WorkspaceInfo;

/**
 * The persisted record of one VM or workspace ({@code record.json} in its folder). Backed by an
 * ordered map whose keys are the JSON field names, so what is on disk is what the faces print.
 */
public final class Instance {
    public static final String KIND_VM = "vm";
    public static final String KIND_WORKSPACE = "workspace";

    private final Map<String, Object> map;

    /**
     * The record of a new instance, state {@code created}, owned by this process until its create
     * completes ({@link InstanceOwners}); its expiry counts from now.
     */
    static Instance fresh(String id, String kind, String name, String environment, String backendName, String accel,
            int vcpus, int memMib, long ttlSeconds, pyro.core.NetworkPolicy network) {
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("kind", kind);
        m.put("name", name);
        m.put("environment", environment);
        m.put("state", VmState.CREATED.wire());
        m.put("state_reason", null);
        m.put("backend", backendName);
        m.put("accel", accel);
        m.put("vcpu_count", vcpus);
        m.put("mem_mib", memMib);
        m.put("ttl_seconds", ttlSeconds);
        m.put("network", network.egress());
        m.put("network_policy", network.wire());
        m.put("created_at", created.toString());
        m.put("expires_at", created.plusSeconds(ttlSeconds).toString());
        m.put("last_activity_at", created.toString());
        m.put("command_count", 0);
        m.put("last_command", null);
        ProcessHandle me = ProcessHandle.current();
        m.put(InstanceOwners.OWNER_PID, me.pid());
        m.put(InstanceOwners.OWNER_STARTED, me.info().startInstant().map(Instant::toEpochMilli).orElse(null));
        return new Instance(m);
    }

    public Instance(Map<String, Object> map) {
        this.map = new LinkedHashMap<>(map);
    }

    public Map<String, Object> map() {
        return map;
    }

    public String id() {
        return str("id");
    }

    public String kind() {
        return str("kind");
    }

    public String environment() {
        return str("environment");
    }

    public String state() {
        return str("state");
    }

    public String stateReason() {
        return str("state_reason");
    }

    public int vcpuCount() {
        return num("vcpu_count").intValue();
    }

    public int memMib() {
        return num("mem_mib").intValue();
    }

    public long ttlSeconds() {
        return num("ttl_seconds").longValue();
    }

    public boolean network() {
        return Boolean.TRUE.equals(map.get("network"));
    }

    /** The record's network policy; a record from before policies has only the boolean. */
    public pyro.core.NetworkPolicy networkPolicy() {
        Object p = map.get("network_policy");
        if (p instanceof String s) {
            try {
                return pyro.core.NetworkPolicy.parse(s);
            } catch (pyro.core.PyroException e) {
                // a damaged field: fall back to the boolean
            }
        }
        return pyro.core.NetworkPolicy.of(network());
    }

    public Instant expiresAt() {
        return Instant.parse(str("expires_at"));
    }

    public boolean expired() {
        return Boolean.TRUE.equals(map.get("expired"));
    }

    public long commandCount() {
        Number n = num("command_count");
        return n == null ? 0 : n.longValue();
    }

    /** Sets the lifecycle state and its reason (null clears the reason). */
    public Instance state(VmState state, String reason) {
        map.put("state", state.wire());
        map.put("state_reason", reason);
        return this;
    }

    /** Marks the instance expired: its TTL passed and its VM was released. */
    public Instance expire() {
        map.put("expired", true);
        return state(VmState.STOPPED, "expired: the ttl of " + ttlSeconds() + " s passed");
    }

    /**
     * Record field: the folder (relative to the instance folder) of a saved machine the next start
     * resumes instead of booting; cleared once it did.
     */
    public static final String RESTORE_FROM = "restore_from";

    /**
     * Marks the instance stopped with its whole machine saved in {@code restoreFrom} (relative to its
     * folder), for the next start to resume: what its supervisor records when a stop's save finished.
     */
    public Instance suspend(String restoreFrom, String at) {
        state(VmState.STOPPED, null);
        map.put(RESTORE_FROM, restoreFrom);
        map.put("stopped_at", at);
        return this;
    }

    public Instance set(String key, Object value) {
        map.put(key, value);
        return this;
    }

    public Instance remove(String key) {
        map.remove(key);
        return this;
    }

    public String str(String key) {
        Object v = map.get(key);
        return v == null ? null : v.toString();
    }

    public Number num(String key) {
        return (Number) map.get(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> lastCommand() {
        Object v = map.get("last_command");
        return v == null ? null : (List<String>) v;
    }

    public VmInfo toVmInfo() {
        Number boot = num("boot_ms");
        return new VmInfo(
                id(), environment(), state(), str("backend"), str("accel"), vcpuCount(), memMib(), ttlSeconds(),
                network(), str("created_at"), str("expires_at"), boot == null ? null : boot.longValue(),
                stateReason(), str("boot"), str("channel"));
    }

    @SuppressWarnings("unchecked")
    public WorkspaceInfo toWorkspaceInfo(ServiceCounts counts, List<Map<String, Object>> shells) {
        return toWorkspaceInfo(counts, shells, 0, 0);
    }

    /** With what the workspace's saved machines take: how many snapshots, and bytes on disk (a stop's save included). */
    public WorkspaceInfo toWorkspaceInfo(ServiceCounts counts, List<Map<String, Object>> shells, int snapshotCount,
            long snapshotBytes) {
        return new WorkspaceInfo(
                id(), str("name"), environment(), state(), str("backend"), str("accel"), vcpuCount(), memMib(), ttlSeconds(),
                network(), str("created_at"), str("expires_at"), str("last_activity_at"),
                SeedInfo.fromMap((Map<?, ?>) map.get("workspace_seed")), commandCount(), lastCommand(), counts,
                shells, stateReason(), str("boot"), snapshotCount, snapshotBytes, networkPolicy().wire(),
                WorkspaceSecrets.names(this), str("channel"));
    }
}
