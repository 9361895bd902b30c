package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Base64;
import pyro.core.PyroException;
import pyro.core.model.ExecResult;

/**
 * envd's {@code process.Process} service on a workspace. {@code Start} runs the command (as the SDK
 * sends it: {@code /bin/bash -l -c CMD}; {@code envs} and the sandbox's {@code envVars} through
 * {@code env}) as a {@link GuestProcess} in {@code cwd} mapped by {@link GuestPaths} (default: the
 * home folder, which is /workspace), for at most {@code Connect-Timeout-Ms}; the process belongs to
 * {@link Processes}, not to the call, so it outlives a client that leaves. Its output goes to every
 * watching stream as the guest prints it. {@code Connect} watches a running process, {@code List}
 * names them, {@code SendInput}, {@code CloseStdin} and {@code SendSignal} act on one. The guest runs
 * them as root (E2B: user {@code user}); PTYs are not served (501 unimplemented).
 */
final class EnvdProcess {
    static final long MAX_SECONDS = 24 * 3600;
    /** How often a watcher of a detached process (paused while it ran) looks whether it still runs. */
    static final long DETACHED_POLL_MS = 1000;

    private final Sandboxes sandboxes;
    private final Processes processes;

    EnvdProcess(Sandboxes sandboxes, Processes processes) {
        this.sandboxes = sandboxes;
        this.processes = processes;
    }

    int start(HttpExchange ex, String sid) throws IOException {
        Map<String, Object> req = streamRequest(ex, "Start");
        if (req.get("pty") != null) {
            throw E2bError.unimplemented("PTY sessions are not served by pyro serve yet (docs/e2b.md)");
        }
        Map<String, Object> process = map(req.get("process"), "process");
        List<String> argv = argv(process);
        String cwd = GuestPaths.toGuest(process.get("cwd") instanceof String s ? s : null);
        long seconds = seconds(ex.getRequestHeaders().getFirst("Connect-Timeout-Ms"));
        boolean stdin = !Boolean.FALSE.equals(req.get("stdin")); // envd: unset means true
        String tag = req.get("tag") instanceof String t ? t : null;
        String ws = sandboxes.running(sid);
        argv = withEnv(argv, sandboxes.envVars(sid), strings(process.get("envs")));

        Processes.Proc proc = new Processes.Proc(sid, process, tag, stdin);
        ProcessEvents events = new ProcessEvents(ex);
        events.open();
        GuestProcess.HeaderReader header = new GuestProcess.HeaderReader();
        // pyro's exec takes a directory in /workspace (and maps it on the host-process backend); elsewhere the wrapper cds
        boolean inWorkspace = GuestPaths.inWorkspace(cwd);
        List<String> guestArgv = GuestProcess.argv(inWorkspace ? "." : cwd, stdin, argv);
        String execCwd = inWorkspace ? cwd : GuestPaths.WORKSPACE;
        Thread.ofVirtual().name("e2b-process-" + sid).start(() -> run(proc, ws, guestArgv, execCwd, seconds, header, events, cwd));
        Thread keepalive = keepalive(proc, events, ex.getRequestHeaders().getFirst("Keepalive-Ping-Interval"));
        try {
            events.awaitClosed(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            keepalive.interrupt();
            ex.getResponseBody().close();
        }
        return 200;
    }

    /** The exec behind one process, on its own thread: the header makes it known, its end ends it. */
    private void run(Processes.Proc proc, String ws, List<String> argv, String execCwd, long seconds,
            GuestProcess.HeaderReader header, ProcessEvents first, String cwd) {
        try {
            ExecResult r = sandboxes.pyro().execWorkspace(ws, argv, execCwd, seconds, List.of(), (stderr, chunk) -> {
                if (proc.pid == 0) {
                    if (!stderr) {
                        return; // the wrapper prints nothing on stdout before the header
                    }
                    int[] pids = header.feed(chunk);
                    if (pids == null) {
                        return;
                    }
                    proc.pid = pids[0];
                    proc.wrapperPid = pids[1];
                    processes.add(proc);
                    proc.watch(first);
                    chunk = header.rest();
                    if (chunk.length == 0) {
                        return;
                    }
                }
                proc.data(stderr, chunk);
            });
            if (proc.pid == 0) {
                first.finish(header.noCwd()
                        ? E2bError.invalid("cwd '" + GuestPaths.toClient(cwd, true) + "' does not exist or is not a directory")
                        : new E2bError(500, "internal", "the process did not start: " + r.stderr().strip()));
                return;
            }
            processes.remove(proc);
            if (r.timedOut()) {
                proc.fail(new E2bError(504, "deadline_exceeded", "the command ran past its " + seconds
                        + " s (Connect-Timeout-Ms) and was stopped"), true);
            } else if (proc.signalled != null && r.exitCode() == 128 + signalNumber(proc.signalled)) {
                proc.end(-1, false, "signal: " + (proc.signalled.equals("KILL") ? "killed" : "terminated"));
            } else {
                proc.end(r.exitCode(), true, "exit status " + r.exitCode());
            }
        } catch (RuntimeException e) {
            E2bError err = e instanceof PyroException pe ? E2bError.of(pe) : e instanceof E2bError ee ? ee
                    : new E2bError(500, "internal", String.valueOf(e.getMessage()));
            if (proc.pid == 0) {
                first.finish(err);
            } else if (!proc.detached) {
                processes.remove(proc);
                proc.fail(err, true);
            }
        } finally {
            if (proc.pid == 0) {
                first.close(); // whatever happened, the Start call does not wait for a process that never began
            }
        }
    }

    /** {@code Connect}: watch a running process from now on (start, then its output and end). */
    int connect(HttpExchange ex, String sid) throws IOException {
        Map<String, Object> req = streamRequest(ex, "Connect");
        Map<String, Object> selector = map(req.get("process"), "process");
        sandboxes.running(sid);
        Processes.Proc proc = processes.find(sid, selector);
        ProcessEvents events = new ProcessEvents(ex);
        events.open();
        Thread keepalive = keepalive(proc, events, ex.getRequestHeaders().getFirst("Keepalive-Ping-Interval"));
        try {
            if (!proc.watch(events)) {
                events.finish(E2bError.notFound("process with pid " + proc.pid + " has ended"));
            } else if (proc.detached) {
                watchDetached(sid, proc, events);
            }
            long ms = seconds(ex.getRequestHeaders().getFirst("Connect-Timeout-Ms")) * 1000;
            if (!events.awaitClosed(ms)) {
                events.finish(new E2bError(504, "deadline_exceeded", "this Connect stream ran past its Connect-Timeout-Ms; "
                        + "the process runs on"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            keepalive.interrupt();
            ex.getResponseBody().close();
        }
        return 200;
    }

    /** A detached process's output is gone: its watcher learns only when it ends (exit status unknown). */
    private void watchDetached(String sid, Processes.Proc proc, ProcessEvents events) throws InterruptedException {
        while (!events.awaitClosed(DETACHED_POLL_MS)) {
            if (!alive(sid, proc)) {
                processes.remove(proc);
                proc.end(-1, false, "ended while detached: the sandbox was paused while it ran, so its exit status is unknown");
            }
        }
    }

    private boolean alive(String sid, Processes.Proc proc) {
        String ws = sandboxes.running(sid);
        return sandboxes.pyro().execWorkspace(ws, GuestProcess.alive(proc.pid), GuestPaths.WORKSPACE, 30).exitCode() == 0;
    }

    /** {@code List}: the sandbox's processes (a detached one that has ended is dropped on the way). */
    Map<String, Object> list(String sid) {
        sandboxes.running(sid);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Processes.Proc p : processes.of(sid)) {
            if (p.detached && !alive(sid, p)) {
                processes.remove(p);
                p.end(-1, false, "ended while detached");
                continue;
            }
            out.add(p.info());
        }
        return Map.of("processes", out);
    }

    /** {@code SendInput}: bytes to a process's stdin ({@code input.stdin}, base64). */
    Map<String, Object> sendInput(String sid, Map<String, Object> req) {
        Processes.Proc proc = processes.find(sid, map(req.get("process"), "process"));
        Map<String, Object> input = map(req.get("input"), "input");
        if (input.get("pty") != null) {
            throw E2bError.unimplemented("PTY input is not served by pyro serve yet (docs/e2b.md)");
        }
        if (!(input.get("stdin") instanceof String b64)) {
            throw E2bError.invalid("input.stdin (base64 bytes) is required");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw E2bError.invalid("input.stdin is not base64: " + e.getMessage());
        }
        if (!proc.stdin || proc.stdinClosed) {
            throw new E2bError(400, "failed_precondition", "process " + proc.pid + (proc.stdin ? " had its stdin closed"
                    : " was started without stdin: start it with { stdin: true }"));
        }
        guest(sid, proc, GuestProcess.sendInput(proc.wrapperPid, bytes));
        return Map.of();
    }

    /** {@code CloseStdin}: the process reads end-of-file after what it was sent. */
    Map<String, Object> closeStdin(String sid, Map<String, Object> req) {
        Processes.Proc proc = processes.find(sid, map(req.get("process"), "process"));
        if (!proc.stdin) {
            throw new E2bError(400, "failed_precondition", "process " + proc.pid + " was started without stdin");
        }
        if (!proc.stdinClosed) {
            guest(sid, proc, GuestProcess.closeStdin(proc.wrapperPid));
            proc.stdinClosed = true;
        }
        return Map.of();
    }

    /** {@code SendSignal}: SIGKILL or SIGTERM to the process and everything in its session. */
    Map<String, Object> sendSignal(String sid, Map<String, Object> req) {
        Processes.Proc proc = processes.find(sid, map(req.get("process"), "process"));
        String signal = switch (String.valueOf(req.get("signal"))) {
            case "SIGNAL_SIGKILL", "9" -> "KILL";
            case "SIGNAL_SIGTERM", "15" -> "TERM";
            default -> throw E2bError.invalid("signal '" + req.get("signal") + "' is not one envd sends: "
                    + "SIGNAL_SIGKILL or SIGNAL_SIGTERM");
        };
        proc.signalled = signal;
        guest(sid, proc, GuestProcess.signal(proc.pid, signal));
        return Map.of();
    }

    /** Runs one small guest command about a process; exit 3 means the process (or its stdin) is gone. */
    private void guest(String sid, Processes.Proc proc, List<String> argv) {
        String ws = sandboxes.running(sid);
        ExecResult r = sandboxes.pyro().execWorkspace(ws, argv, GuestPaths.WORKSPACE, 30);
        if (r.exitCode() == 3) {
            throw E2bError.notFound("process with pid " + proc.pid + " not found (it has ended)");
        }
        if (r.exitCode() != 0) {
            throw new E2bError(500, "internal", "the guest command for process " + proc.pid + " failed (exit "
                    + r.exitCode() + "): " + r.stderr().strip());
        }
    }

    static int signalNumber(String name) {
        return name.equals("KILL") ? 9 : 15;
    }

    /** The one request message of a server-streaming call. */
    static Map<String, Object> streamRequest(HttpExchange ex, String rpc) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            Envelope env;
            try {
                env = Envelope.read(in);
            } catch (IOException | IllegalArgumentException e) {
                throw E2bError.invalid(rpc + "'s request is not a Connect envelope: " + e.getMessage());
            }
            if (env == null) {
                throw E2bError.invalid(rpc + " needs one request message");
            }
            if ((env.flags() & Envelope.COMPRESSED) != 0) {
                throw E2bError.unimplemented("compressed messages are not served: send them uncompressed");
            }
            return Wire.object(env.payload());
        }
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

    private static Thread keepalive(Processes.Proc proc, ProcessEvents events, String intervalSeconds) {
        long s;
        try {
            s = intervalSeconds == null ? 50 : Math.max(1, Long.parseLong(intervalSeconds.strip()));
        } catch (NumberFormatException e) {
            s = 50;
        }
        long every = s;
        return Thread.ofVirtual().name("e2b-keepalive").start(() -> {
            try {
                while (!events.awaitClosed(every * 1000)) {
                    proc.keepalive(events);
                }
            } catch (InterruptedException | UncheckedIOException stop) {
                // the stream ended or the client went away
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
