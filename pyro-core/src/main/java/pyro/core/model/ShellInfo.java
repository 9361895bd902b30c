package pyro.core.model;

import java.util.Map;

/** An interactive PTY shell: {@code shell_id, state, cwd, cols, rows, pid, started_at}. */
public final class ShellInfo extends GuestRecord {
    public ShellInfo(String workspaceId, Map<String, Object> fields) {
        super(workspaceId, fields);
    }

    public String shellId() {
        return string("shell_id");
    }

    public String state() {
        return string("state");
    }
}
