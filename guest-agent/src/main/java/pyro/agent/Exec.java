package pyro.agent;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import pyro.agent.cgroup.Cgroup;
import pyro.agent.cgroup.Cgroups;
import pyro.protocol.Reply;

/**
 * Runs one command: its own session and process group (via {@code setsid} when present), stdin from
 * /dev/null, stdout and stderr captured up to a limit each while the rest is drained and discarded.
 *
 * <p>On timeout the whole process group and every descendant get SIGTERM, then SIGKILL one second later;
 * the result then has {@code timed_out=true} and {@code exit_code=124} (the coreutils {@code timeout}
 * convention). A missing executable gives {@code exit_code=127} and a message on stderr. A killed child
 * reports 128+signal, as a shell would (an OOM kill is a SIGKILL: 137).
 *
 * <p>With cgroups ({@link Cgroups#enabled()}) each exec runs in its own {@code user/exec-N} cgroup, entered
 * before the command starts, so the SIGKILL is {@code cgroup.kill} and reaches double-forked and
 * {@code setsid} descendants too; and when the command itself ends, whatever it left running in its
 * cgroup is killed as well (after the usual wait for the output pipes), so nothing of an exec outlives it.
 * Long-running processes belong in services.
 */
final class Exec {
    static final long DEFAULT_TIMEOUT_MS = 30_000;
    static final long DEFAULT_OUTPUT_LIMIT = 1024 * 1024;
    static final int TIMEOUT_EXIT_CODE = 124;
    static final int NOT_FOUND_EXIT_CODE = 127;
    private static final String SETSID = findSetsid();

    /** Sees each piece of a stream's output as it is read (a streamed exec). */
    @FunctionalInterface
    interface Listener {
        void accept(byte[] b, int off, int n);

        Listener NONE = (b, off, n) -> {};
    }

    /** Validated request parameters. */
    record Spec(List<String> argv, Path cwd, Map<String, String> env, long timeoutMs, long outputLimit) {}

    private Exec() {}

    private static String findSetsid() {
        for (String p : new String[] {"/usr/bin/setsid", "/bin/setsid", "/sbin/setsid", "/usr/sbin/setsid"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    static Reply.ExecResult run(Spec req) throws IOException {
        return run(req, null);
    }

    /** Runs the command; {@code stream} (null: none) sees the output as it is produced. */
    static Reply.ExecResult run(Spec req, ExecStream stream) throws IOException {
        long start = System.nanoTime();
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.putIfAbsent("HOME", "/root");
        env.putAll(req.env());
        String exe = req.argv().get(0);
        if (resolveExecutable(exe, env.get("PATH"), req.cwd()) == null) {
            String msg = "pyro-agent: " + exe + ": command not found\n";
            return result(NOT_FOUND_EXIT_CODE, new Capture(req.outputLimit()), msg, start, false, stream);
        }
        List<String> command = new ArrayList<>();
        if (SETSID != null) {
            command.add(SETSID);
        }
        command.addAll(req.argv());
        Cgroup group = Cgroups.current().newExec();
        try {
            group.create();
        } catch (IOException e) {
            throw new IOException("cannot make the exec's cgroup " + group + ": " + e.getMessage(), e);
        }
        try {
            return run(req, env, group.wrap(command), group, start, stream);
        } finally {
            Cgroups.current().retire(group);
        }
    }

    private static Reply.ExecResult run(Spec req, Map<String, String> env, List<String> command, Cgroup group,
            long start, ExecStream stream) throws IOException {
        String exe = req.argv().get(0);
        ProcessBuilder pb = new ProcessBuilder(command).directory(req.cwd().toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            String msg = "pyro-agent: cannot run " + exe + ": " + e.getMessage() + "\n";
            return result(NOT_FOUND_EXIT_CODE, new Capture(req.outputLimit()), msg, start, false, stream);
        }
        Capture out = new Capture(req.outputLimit());
        Capture err = new Capture(req.outputLimit());
        Listener outSeen = stream == null ? Listener.NONE : stream.stdout();
        Listener errSeen = stream == null ? Listener.NONE : stream.stderr();
        Thread outPump = Thread.ofVirtual().name("exec-stdout-" + p.pid()).start(() -> out.pump(p.getInputStream(), outSeen));
        Thread errPump = Thread.ofVirtual().name("exec-stderr-" + p.pid()).start(() -> err.pump(p.getErrorStream(), errSeen));
        boolean timedOut = false;
        try {
            if (!p.waitFor(req.timeoutMs(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                if (group.enabled()) {
                    // TERM to everything in the cgroup, a second to go, then cgroup.kill (no /proc scans:
                    // under a fork bomb they cost seconds)
                    group.signal("TERM");
                    group.awaitEmpty(1000);
                    group.kill(Cgroup.KILL_WAIT_MS);
                    p.waitFor(2, TimeUnit.SECONDS);
                } else {
                    killTree(p, false);
                    if (!p.waitFor(1, TimeUnit.SECONDS)) {
                        killTree(p, true);
                        p.waitFor(2, TimeUnit.SECONDS);
                    }
                }
            }
            // A background grandchild may keep the pipes open: wait a little, then stop waiting for it.
            long graceEnd = System.nanoTime() + (timedOut ? 500 : 2000) * 1_000_000L;
            outPump.join(Duration.ofNanos(Math.max(1, graceEnd - System.nanoTime())));
            errPump.join(Duration.ofNanos(Math.max(1, graceEnd - System.nanoTime())));
            if (group.enabled() && group.populated()) {
                // what the command left behind ends with it; its pipes then close, and the pumps finish
                group.kill(Cgroup.KILL_WAIT_MS);
                outPump.join(Duration.ofMillis(500));
                errPump.join(Duration.ofMillis(500));
            }
        } catch (InterruptedException e) {
            group.kill(Cgroup.KILL_WAIT_MS);
            killTree(p, true);
            Thread.currentThread().interrupt();
            throw new IOException("exec interrupted");
        }
        if (timedOut && !group.enabled()) {
            // leave nothing of the group behind
            killTree(p, true);
        }
        if (stream != null) {
            stream.finish();
        }
        int code = timedOut ? TIMEOUT_EXIT_CODE : p.isAlive() ? -1 : p.exitValue();
        return new Reply.ExecResult(code, out.text(), err.text(), out.truncated(), err.truncated(),
                (System.nanoTime() - start) / 1_000_000, timedOut);
    }

    private static Reply.ExecResult result(int code, Capture out, String stderr, long start, boolean timedOut,
            ExecStream stream) {
        if (stream != null && stderr != null) {
            byte[] b = stderr.getBytes(StandardCharsets.UTF_8);
            stream.stderr().accept(b, 0, b.length);
            stream.finish();
        }
        return new Reply.ExecResult(code, out.text(), stderr == null ? "" : stderr, out.truncated(), false,
                (System.nanoTime() - start) / 1_000_000, timedOut);
    }

    /** SIGTERM (or SIGKILL) to the child's process group and to every descendant we can still see. */
    static void killTree(Process p, boolean force) {
        List<ProcessHandle> descendants = p.descendants().toList();
        if (SETSID != null) {
            try {
                new ProcessBuilder("kill", force ? "-KILL" : "-TERM", "--", "-" + p.pid())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor(2, TimeUnit.SECONDS);
            } catch (IOException e) {
                Log.error("cannot signal process group " + p.pid(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ProcessHandle h : descendants) {
            if (force) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        }
        if (force) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
    }

    static Path resolveExecutable(String exe, String path, Path cwd) {
        if (exe.isEmpty()) {
            return null;
        }
        if (exe.contains("/")) {
            Path p = cwd.resolve(exe);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            if (dir.isEmpty()) {
                dir = ".";
            }
            Path p = cwd.resolve(dir).resolve(exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Keeps the first {@code limit} bytes of a stream and discards the rest, reading until EOF. */
    static final class Capture {
        private final long limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean truncated;

        Capture(long limit) {
            this.limit = limit;
        }

        void pump(InputStream in, Listener seen) {
            byte[] buf = new byte[64 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    seen.accept(buf, 0, n);
                    synchronized (this) {
                        long room = limit - kept.size();
                        if (room > 0) {
                            kept.write(buf, 0, (int) Math.min(room, n));
                        }
                        if (n > room) {
                            truncated = true;
                        }
                    }
                }
            } catch (IOException e) {
                // pipe closed under us: keep what we have
            }
        }

        synchronized String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }

        synchronized boolean truncated() {
            return truncated;
        }
    }
}
