package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import pyro.core.PyroException;
import pyro.core.model.ExecResult;

/**
 * envd's {@code process.Process} service on a workspace: {@code Start} runs the command as a
 * streamed exec ({@code /bin/bash -l -c CMD} as the SDK sends it; {@code envs} and the sandbox's
 * {@code envVars} through {@code env}), in {@code cwd} mapped by {@link GuestPaths} (default: the
 * home folder, which is /workspace), for at most {@code Connect-Timeout-Ms}; its output goes out as
 * the guest prints it. {@code List} names the commands this server is running. The guest runs them
 * as root (E2B: user {@code user}); stdin is never open; PTYs, input, signals and reconnecting
 * are not served (501 unimplemented).
 */
final class EnvdProcess {
    static final long MAX_SECONDS = 24 * 3600;

    private record Running(String sandboxId, Map<String, Object> info) {}

    private final Sandboxes sandboxes;
    private final AtomicInteger pids = new AtomicInteger(1000);
    private final Map<Integer, Running> running = new ConcurrentHashMap<>();

    EnvdProcess(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    int start(HttpExchange ex, String sid) throws IOException {
        Map<String, Object> req;
        try (InputStream in = ex.getRequestBody()) {
            Envelope env = Envelope.read(in);
            if (env == null) {
                throw E2bError.invalid("Start needs one request message");
            }
            if ((env.flags() & Envelope.COMPRESSED) != 0) {
                throw E2bError.unimplemented("compressed messages are not served: send them uncompressed");
            }
            req = Wire.object(env.payload());
        }
        if (req.get("pty") != null) {
            throw E2bError.unimplemented("PTY sessions are not served by pyro serve yet (docs/e2b.md)");
        }
        Map<String, Object> process = map(req.get("process"), "process");
        List<String> argv = argv(process);
        String cwd = GuestPaths.toGuest(process.get("cwd") instanceof String s ? s : null);
        long seconds = seconds(ex.getRequestHeaders().getFirst("Connect-Timeout-Ms"));
        String ws = sandboxes.running(sid);
        argv = withEnv(argv, sandboxes.envVars(sid), strings(process.get("envs")));

        int pid = pids.incrementAndGet();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("config", process);
        info.put("pid", pid);
        running.put(pid, new Running(sid, info));
        ProcessEvents events = new ProcessEvents(ex);
        Thread keepalive = null;
        try {
            events.open();
            events.start(pid);
            keepalive = keepalive(events, ex.getRequestHeaders().getFirst("Keepalive-Ping-Interval"));
            try {
                ExecResult r = sandboxes.pyro().execWorkspace(ws, argv, cwd, seconds, List.of(), events::data);
                if (r.timedOut()) {
                    events.finish(new E2bError(504, "deadline_exceeded", "the command ran past its "
                            + seconds + " s (Connect-Timeout-Ms) and was stopped"));
                } else {
                    events.end(r.exitCode(), true, "exit status " + r.exitCode());
                    events.finish(null);
                }
            } catch (PyroException e) {
                events.finish(E2bError.of(e));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause(); // the client went away: the command runs to its own end, as for a CLI killed mid-exec
        } finally {
            if (keepalive != null) {
                keepalive.interrupt();
            }
            running.remove(pid);
            ex.getResponseBody().close();
        }
        return 200;
    }

    /** {@code List}: the commands this server runs in the sandbox now. */
    Map<String, Object> list(String sid) {
        List<Map<String, Object>> out = new ArrayList<>();
        new TreeMap<>(running).forEach((pid, r) -> {
            if (r.sandboxId().equals(sid)) {
                out.add(r.info());
            }
        });
        return Map.of("processes", out);
    }

    static List<String> argv(Map<String, Object> process) {
        if (!(process.get("cmd") instanceof String cmd) || cmd.isEmpty()) {
            throw E2bError.invalid("process.cmd is required");
        }
        List<String> argv = new ArrayList<>();
        argv.add(cmd);
        argv.addAll(strings(process.get("args"), "process.args"));
        return argv;
    }

    /** {@code env K=V ... ARGV} when there are variables: the sandbox's, then the call's (which win). */
    static List<String> withEnv(List<String> argv, Map<String, String> sandboxEnv, Map<String, String> callEnv) {
        Map<String, String> all = new LinkedHashMap<>(sandboxEnv);
        all.putAll(callEnv);
        if (all.isEmpty()) {
            return argv;
        }
        List<String> out = new ArrayList<>();
        out.add("env");
        out.add("--");
        all.forEach((k, v) -> {
            if (k.isEmpty() || k.contains("=") || k.indexOf('\0') >= 0) {
                throw E2bError.invalid("environment variable name '" + k + "' is not valid");
            }
            out.add(k + "=" + v);
        });
        out.addAll(argv);
        return out;
    }

    /** The exec's timeout from {@code Connect-Timeout-Ms}: whole seconds, rounded up, 1 s .. 24 h; none: 24 h. */
    static long seconds(String timeoutMs) {
        if (timeoutMs == null || timeoutMs.isBlank()) {
            return MAX_SECONDS;
        }
        try {
            long ms = Long.parseLong(timeoutMs.strip());
            return Math.max(1, Math.min(MAX_SECONDS, (ms + 999) / 1000));
        } catch (NumberFormatException e) {
            throw E2bError.invalid("Connect-Timeout-Ms '" + timeoutMs + "' is not a whole number");
        }
    }

    private static Thread keepalive(ProcessEvents events, String intervalSeconds) {
        long s;
        try {
            s = intervalSeconds == null ? 50 : Math.max(1, Long.parseLong(intervalSeconds.strip()));
        } catch (NumberFormatException e) {
            s = 50;
        }
        long every = s;
        return Thread.ofVirtual().name("e2b-keepalive").start(() -> {
            try {
                while (!events.closed()) {
                    Thread.sleep(every * 1000);
                    events.keepalive();
                }
            } catch (InterruptedException | UncheckedIOException stop) {
                // the command ended or the client went away
            }
        });
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        if (!(o instanceof Map<?, ?> m)) {
            throw E2bError.invalid(what + " is required and must be an object");
        }
        return (Map<String, Object>) m;
    }

    static List<String> strings(Object o, String what) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw E2bError.invalid(what + " must be a list of strings");
        }
        return l.stream().map(String::valueOf).toList();
    }

    static Map<String, String> strings(Object o) {
        return Sandboxes.strings(o, "process.envs");
    }
}
