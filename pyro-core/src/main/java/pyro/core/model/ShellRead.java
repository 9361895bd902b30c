package pyro.core.model;

import java.util.Map;

/** {@code shell read}: {@code shell_id, output, cursor, next_cursor, truncated}. */
public final class ShellRead extends GuestRecord {
    public ShellRead(String workspaceId, Map<String, Object> fields) {
        super(workspaceId, fields);
    }

    public String output() {
        return string("output");
    }

    public long nextCursor() {
        return number("next_cursor", 0);
    }
}
