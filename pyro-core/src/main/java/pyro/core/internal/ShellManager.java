package pyro.core.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;
import pyro.core.model.ShellAck;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;
import pyro.core.protocol.Frame;

/** Interactive PTY shells: the agent owns the PTY and an append-only output buffer per shell. */
public final class ShellManager {
    public static final List<String> SIGNALS = List.of("INT", "TERM", "HUP", "KILL");
    private final VmManager vms;

    public ShellManager(VmManager vms) {
        this.vms = vms;
    }

    public ShellInfo open(String id, String cwd, int cols, int rows) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        if (cols < 1 || cols > 1000) {
            throw PyroException.invalid("cols " + cols + " is out of range: use 1 to 1000.");
        }
        if (rows < 1 || rows > 1000) {
            throw PyroException.invalid("rows " + rows + " is out of range: use 1 to 1000.");
        }
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("cwd", WorkspacePaths.guestPath(cwd, "shell cwd"));
        req.put("cols", cols);
        req.put("rows", rows);
        return new ShellInfo(id, shell(call(id, "shell_open", req)));
    }

    public ShellRead read(String id, String shellId, long cursor, int maxChars, int waitMs) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        requireShellId(shellId);
        if (cursor < 0) {
            throw PyroException.invalid("cursor " + cursor + " is negative: pass 0 or a next_cursor from a previous read.");
        }
        if (maxChars < 1 || maxChars > 1 << 20) {
            throw PyroException.invalid("max chars " + maxChars + " is out of range: use 1 to 1048576.");
        }
        if (waitMs < 0 || waitMs > 60_000) {
            throw PyroException.invalid("wait " + waitMs + " ms is out of range: use 0 to 60000.");
        }
        return new ShellRead(id, call(id, "shell_read",
                Map.of("shell_id", shellId, "cursor", cursor, "max_chars", maxChars, "wait_ms", waitMs)));
    }

    public ShellAck write(String id, String shellId, String input, boolean newline) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        requireShellId(shellId);
        if (input == null) {
            throw PyroException.invalid("input is required: pass --input TEXT.");
        }
        return new ShellAck(id, call(id, "shell_write", Map.of("shell_id", shellId, "input", input, "newline", newline)));
    }

    public ShellAck signal(String id, String shellId, String signal) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        requireShellId(shellId);
        String s = signal == null ? "INT" : signal.toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
        if (!SIGNALS.contains(s)) {
            throw PyroException.invalid("signal '" + signal + "' is invalid: use INT, TERM, HUP or KILL.");
        }
        return new ShellAck(id, call(id, "shell_signal", Map.of("shell_id", shellId, "signal", s)));
    }

    public ShellInfo close(String id, String shellId) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        requireShellId(shellId);
        return new ShellInfo(id, shell(call(id, "shell_close", Map.of("shell_id", shellId))));
    }

    /** {@code shell_id, state} of each shell the agent knows, for workspace status; none when down. */
    List<Map<String, Object>> summaries(Instance inst) {
        return vms.query(inst, "shell_list").map(f -> {
            List<Map<String, Object>> out = new java.util.ArrayList<>();
            if (f.header().get("shells") instanceof List<?> l) {
                for (Object o : l) {
                    Map<?, ?> m = (Map<?, ?>) o;
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("shell_id", m.get("shell_id"));
                    s.put("state", m.get("state"));
                    out.add(s);
                }
            }
            return out;
        }).orElse(List.of());
    }

    private static void requireShellId(String shellId) {
        if (shellId == null || !shellId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw PyroException.notFound("no shell with id '" + shellId + "'.");
        }
    }

    private Map<String, Object> call(String id, String type, Map<String, Object> req) {
        Frame f = vms.call(vms.requireLive(id, Instance.KIND_WORKSPACE), type, req);
        vms.store().update(id, i -> i.set("last_activity_at", VmManager.now()));
        return f.header();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> shell(Map<String, Object> header) {
        return header.get("shell") instanceof Map<?, ?> m ? (Map<String, Object>) m : header;
    }
}
