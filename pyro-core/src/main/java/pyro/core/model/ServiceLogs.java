package pyro.core.model;

import java.util.Map;

/** {@code service logs}: {@code service_name, stdout, stderr, stdout_offset, stderr_offset, truncated}. */
public final class ServiceLogs extends GuestRecord {
    public ServiceLogs(String workspaceId, Map<String, Object> fields) {
        super(workspaceId, fields);
    }

    public String stdout() {
        return string("stdout");
    }

    public String stderr() {
        return string("stderr");
    }

    public long stdoutOffset() {
        return number("stdout_offset", 0);
    }

    public long stderrOffset() {
        return number("stderr_offset", 0);
    }

    /** The cursor to pass as {@code --after} to read only what is new. */
    public String after() {
        return stdoutOffset() + ":" + stderrOffset();
    }
}
