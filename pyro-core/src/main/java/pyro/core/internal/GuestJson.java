package pyro.core.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.protocol.Reply;

/**
 * The public JSON shape of what the agent and the supervisor report (a service, a shell, a file entry,
 * a write, a forward), made from the protocol's typed records: the one place that decides which fields a
 * record shows, in which order, and which it leaves out while they are null ({@code note}, a shell's
 * {@code exit_code}, a symlink's {@code target}). Numbers that fit an int are ints, as JSON read back
 * gives them, so the SDK records' maps hold the same values whichever way a record came.
 */
final class GuestJson {
    private GuestJson() {}

    /**
     * {@code service_name, command, cwd, state, pid, started_at, ready_at, ended_at, exit_code, signal,
     * stop_reason, readiness, restart, max_restarts, after, restart_count, last_exit, next_restart_at,
     * time_to_ready_ms}, then {@code last_stdout, last_stderr} once it failed and {@code note} when there is one.
     */
    static Map<String, Object> service(Reply.ServiceRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service_name", r.serviceName());
        m.put("command", r.command());
        m.put("cwd", r.cwd());
        m.put("state", r.state() == null ? null : r.state().wire());
        m.put("pid", num(r.pid()));
        m.put("started_at", r.startedAt());
        m.put("ready_at", r.readyAt());
        m.put("ended_at", r.endedAt());
        m.put("exit_code", r.exitCode());
        m.put("signal", r.signal());
        m.put("stop_reason", r.stopReason());
        m.put("readiness", readiness(r.readiness()));
        m.put("restart", r.restart() == null ? null : r.restart().wire());
        m.put("max_restarts", r.maxRestarts());
        m.put("after", r.after());
        m.put("restart_count", r.restartCount());
        m.put("last_exit", exit(r.lastExit()));
        m.put("next_restart_at", r.nextRestartAt());
        m.put("time_to_ready_ms", num(r.timeToReadyMs()));
        putIfSet(m, "last_stdout", r.lastStdout());
        putIfSet(m, "last_stderr", r.lastStderr());
        putIfSet(m, "note", r.note());
        return m;
    }

    /**
     * {@code type}, the probe's own fields, {@code timeout_seconds} and {@code interval_ms} (not for none),
     * {@code attempts, last_error}.
     */
    private static Map<String, Object> readiness(Reply.ServiceReadiness r) {
        if (r == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", r.type() == null ? null : r.type().wire());
        putIfSet(m, "path", r.path());
        putIfSet(m, "host", r.host());
        putIfSet(m, "port", r.port());
        putIfSet(m, "url", r.url());
        putIfSet(m, "command", r.command());
        if (r.timeoutMs() != null) {
            long t = r.timeoutMs();
            m.put("timeout_seconds", t % 1000 == 0 ? num(t / 1000) : (Object) (t / 1000.0));
        }
        putIfSet(m, "interval_ms", num(r.intervalMs()));
        m.put("attempts", num(r.attempts()));
        m.put("last_error", r.lastError());
        return m;
    }

    private static Map<String, Object> exit(Reply.ServiceExit e) {
        if (e == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exit_code", e.exitCode());
        m.put("signal", e.signal());
        m.put("stop_reason", e.stopReason());
        m.put("ended_at", e.endedAt());
        return m;
    }

    /** {@code shell_id, state, cwd, cols, rows, pid, started_at}, and {@code exit_code} once it exited. */
    static Map<String, Object> shell(Reply.ShellRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shell_id", r.shellId());
        m.put("state", r.state());
        m.put("cwd", r.cwd());
        m.put("cols", num(r.cols()));
        m.put("rows", num(r.rows()));
        m.put("pid", num(r.pid()));
        m.put("started_at", r.startedAt());
        putIfSet(m, "exit_code", r.exitCode());
        return m;
    }

    /** {@code path, type, size, mode}, and a symlink's {@code target}. */
    static Map<String, Object> fileEntry(Reply.FileEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", e.path());
        m.put("type", e.type());
        m.put("size", num(e.size()));
        m.put("mode", num(e.mode()));
        putIfSet(m, "target", e.target());
        return m;
    }

    static List<Map<String, Object>> fileEntries(List<Reply.FileEntry> entries) {
        List<Map<String, Object>> out = new ArrayList<>(entries == null ? 0 : entries.size());
        if (entries != null) {
            entries.forEach(e -> out.add(fileEntry(e)));
        }
        return out;
    }

    /** {@code path, action, bytes}, and the {@code sha256} of what was written (not for a delete). */
    static Map<String, Object> written(Reply.FileWritten w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", w.path());
        m.put("action", w.action());
        m.put("bytes", num(w.bytes()));
        putIfSet(m, "sha256", w.sha256());
        return m;
    }

    /** A service's forward as its record lists it: {@code guest_port, host_port, host_address}. */
    static Map<String, Object> publishedPort(Reply.Forward f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("guest_port", f.guestPort());
        m.put("host_port", f.hostPort());
        m.put("host_address", f.hostAddress());
        return m;
    }

    static List<Map<String, Object>> publishedPorts(List<Reply.Forward> forwards) {
        return forwards.stream().map(GuestJson::publishedPort).toList();
    }

    private static void putIfSet(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** A long as JSON read back holds it: an int when it fits. */
    private static Object num(Long v) {
        if (v == null) {
            return null;
        }
        return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Object) v.intValue() : v;
    }
}
