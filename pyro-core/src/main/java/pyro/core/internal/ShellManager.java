package pyro.core.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;
import pyro.core.model.ShellAck;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.Wire;

/** Interactive PTY shells: the agent owns the PTY and an append-only output buffer per shell. */
public final class ShellManager {
    public static final List<String> SIGNALS =
            java.util.Arrays.stream(Request.Signal.values()).map(Wire::wire).toList();
    private final VmManager vms;

    public ShellManager(VmManager vms) {
        this.vms = vms;
    }

    public ShellInfo open(String id, String cwd, int cols, int rows) {
        return open(id, cwd, cols, rows, java.util.List.of());
    }

    /** As above; {@code secretEnv} ({@code NAME[=ENV_VAR]}) gives workspace secrets to the shell. */
    public ShellInfo open(String id, String cwd, int cols, int rows, java.util.List<String> secretEnv) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        if (cols < 1 || cols > 1000) {
            throw PyroException.invalid("cols " + cols + " is out of range: use 1 to 1000.");
        }
        if (rows < 1 || rows > 1000) {
            throw PyroException.invalid("rows " + rows + " is out of range: use 1 to 1000.");
        }
        String guestCwd = WorkspacePaths.guestPath(cwd, "shell cwd");
        java.util.Map<String, String> secrets = WorkspaceSecrets.environment(
                vms.requireLive(id, Instance.KIND_WORKSPACE), secretEnv);
        Request.ShellOpen req = new Request.ShellOpen(guestCwd, (long) cols, (long) rows,
                secrets.isEmpty() ? null : secrets);
        return new ShellInfo(id, GuestJson.shell(call(id, req).shell()));
    }

    public ShellRead read(String id, String shellId, long cursor, int maxChars, int waitMs) {
        return read(id, shellId, cursor, maxChars, waitMs, null, false);
    }

    /**
     * {@code idleMs}: return once the output has been quiet that long (within {@code waitMs}, which
     * defaults to 60 s then); {@code plain}: the output rendered as a terminal shows it (escape
     * sequences removed, CR and backspace applied). Cursors stay byte offsets of the raw output.
     */
    public ShellRead read(String id, String shellId, long cursor, int maxChars, int waitMs, Integer idleMs,
            boolean plain) {
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
        if (idleMs != null && (idleMs < 1 || idleMs > 60_000)) {
            throw PyroException.invalid("wait for idle " + idleMs + " ms is out of range: use 1 to 60000.");
        }
        long wait = idleMs != null && waitMs == 0 ? 60_000 : waitMs;
        Map<String, Object> fields = Messages.fields(call(id, new Request.ShellRead(shellId, cursor, (long) maxChars,
                wait, idleMs == null ? null : (long) idleMs)));
        if (plain && fields.get("output") instanceof String raw) {
            fields.put("output", TerminalText.plain(raw));
            fields.put("plain", true);
        }
        return new ShellRead(id, fields);
    }

    public ShellAck write(String id, String shellId, String input, boolean newline) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        requireShellId(shellId);
        if (input == null) {
            throw PyroException.invalid("shell input is required: give the text to send.");
        }
        return new ShellAck(id, Messages.fields(call(id, new Request.ShellWrite(shellId, input, newline))));
    }

    public ShellAck signal(String id, String shellId, String signal) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        requireShellId(shellId);
        String name = signal == null ? "INT" : signal.toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
        Request.Signal s = Wire.find(Request.Signal.class, name);
        if (s == null) {
            throw PyroException.invalid("signal '" + signal + "' is invalid: use INT, TERM, HUP or KILL.");
        }
        return new ShellAck(id, Messages.fields(call(id, new Request.ShellSignal(shellId, s))));
    }

    public ShellInfo close(String id, String shellId) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        requireShellId(shellId);
        return new ShellInfo(id, GuestJson.shell(call(id, new Request.ShellClose(shellId))
                .shell()));
    }

    /** {@code shell_id, state} of each shell the agent knows, for workspace status; none when down. */
    List<Map<String, Object>> summaries(Instance inst) {
        return vms.query(inst, new Request.ShellList()).map(f -> {
            List<Map<String, Object>> out = new java.util.ArrayList<>();
            if (f.shells() != null) {
                for (Reply.ShellRecord m : f.shells()) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("shell_id", m.shellId());
                    s.put("state", m.state());
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

    private <R extends Reply> R call(String id, Request<R> req) {
        R reply = vms.call(vms.requireLive(id, Instance.KIND_WORKSPACE), req);
        vms.store().update(id, i -> i.set("last_activity_at", VmManager.now()));
        return reply;
    }
}
