package pyro.core.model;

import java.util.Map;

/**
 * {@code pyro run}: one command in a fresh VM that is gone when this returns. {@code boot} is
 * {@code warm} when the VM restored its environment's saved guest, {@code cold} when it booted.
 */
public record RunResult(
        String environment, String backend, String accel, long bootMs, long totalMs, ExecResult exec, String boot)
        implements JsonRecord {

    public RunResult(String environment, String backend, String accel, long bootMs, long totalMs, ExecResult exec) {
        this(environment, backend, accel, bootMs, totalMs, exec, null);
    }

    public int exitCode() {
        return exec.exitCode();
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = Fields.of()
                .put("environment", environment)
                .put("backend", backend)
                .put("accel", accel)
                .put("boot", boot)
                .put("boot_ms", bootMs)
                .put("total_ms", totalMs)
                .map();
        Map<String, Object> e = exec.toMap();
        e.remove("workspace_id");
        e.remove("sequence");
        m.putAll(e);
        return m;
    }
}
