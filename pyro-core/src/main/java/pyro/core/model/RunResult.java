package pyro.core.model;

import java.util.Map;

/** {@code pyro run}: one command in a fresh VM that is gone when this returns. */
public record RunResult(
        String environment, String backend, String accel, long bootMs, long totalMs, ExecResult exec)
        implements JsonRecord {

    public int exitCode() {
        return exec.exitCode();
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = Fields.of()
                .put("environment", environment)
                .put("backend", backend)
                .put("accel", accel)
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
