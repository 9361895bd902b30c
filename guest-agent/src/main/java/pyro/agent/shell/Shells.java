package pyro.agent.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import pyro.agent.cgroup.Cgroups;
import pyro.protocol.ErrorCode;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The agent's interactive PTY shells: {@code shell_open, shell_read, shell_write, shell_signal,
 * shell_close, shell_list}. State lives only in this process (never under the workspace). Every request
 * answers with a reply header, an {@code error} one included, so the agent's dispatcher only routes.
 */
public final class Shells {
    static final String GUEST_ROOT = pyro.protocol.Guest.WORKSPACE;
    static final int MAX_ACTIVE = 64;
    static final int MAX_CLOSED_KEPT = 256;
    static final int MAX_INPUT_BYTES = 1024 * 1024;
    static final long MAX_WAIT_MS = 60_000;
    private static final Map<Request.Signal, Integer> SIGNALS = Map.of(Request.Signal.INT, LibC.SIGINT,
            Request.Signal.TERM, LibC.SIGTERM, Request.Signal.HUP, LibC.SIGHUP, Request.Signal.KILL, LibC.SIGKILL);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final Map<String, Shell> shells = new ConcurrentHashMap<>();

    public Shells(Path workspaceRoot) {
        this.root = workspaceRoot.toAbsolutePath().normalize();
    }

    static void log(String message) {
        System.err.println(Instant.now() + " pyro-agent: " + message);
    }

    /** Answers one shell request; never throws (failures are {@link Reply.Error} replies). */
    public Reply handle(Request.ShellRequest<?> request) {
        try {
            return switch (request) {
                case Request.ShellOpen r -> open(r);
                case Request.ShellRead r -> read(r);
                case Request.ShellWrite r -> write(r);
                case Request.ShellSignal r -> signal(r);
                case Request.ShellClose r -> close(r);
                case Request.ShellList r -> list();
            };
        } catch (ShellException e) {
            return new Reply.Error(e.code, e.getMessage());
        } catch (IOException | RuntimeException | LinkageError e) {
            String type = Messages.typeName((Record) request);
            log("request " + type + " failed: " + e);
            return new Reply.Error(ErrorCode.GUEST_FAILURE, type + " failed in the guest: " + e.getMessage());
        }
    }

    private Reply open(Request.ShellOpen r) throws ShellException, IOException {
        int cols = (int) number("shell_open cols", r.cols(), 120, 1, 1000);
        int rows = (int) number("shell_open rows", r.rows(), 30, 1, 1000);
        Path cwd = cwd(r.cwd());
        long active = shells.values().stream().filter(s -> s.state() != Shell.State.CLOSED).count();
        if (active >= MAX_ACTIVE) {
            throw new ShellException(ErrorCode.CONFLICT, "there are already " + active
                    + " open shells; close one first");
        }
        String id;
        do {
            byte[] b = new byte[4];
            RANDOM.nextBytes(b);
            id = "sh-" + HexFormat.of().formatHex(b);
        } while (shells.containsKey(id));
        Map<String, String> env = environment();
        try {
            env.putAll(pyro.agent.secret.Secrets.get().environment(r.secretEnv()));
        } catch (IllegalArgumentException e) {
            throw new ShellException(ErrorCode.INVALID_INPUT, e.getMessage());
        }
        Shell s = Shell.open(id, cwd, cols, rows, setsid(), loginShell(), env,
                Cgroups.current().group("shell-" + id));
        shells.put(id, s);
        pruneClosed();
        return new Reply.ShellResult(s.record());
    }

    private Reply read(Request.ShellRead r) throws ShellException {
        Shell s = shell(r.shellId());
        long cursor = number("shell_read cursor", r.cursor(), 0, 0, Long.MAX_VALUE);
        int max = (int) number("shell_read max_chars", r.maxChars(), 65536, 1, 1 << 20);
        long waitMs = number("shell_read wait_ms", r.waitMs(), 0, 0, MAX_WAIT_MS);
        Long idleMs = r.idleMs() == null ? null : number("shell_read idle_ms", r.idleMs(), 0, 1, MAX_WAIT_MS);
        if (s.state() == Shell.State.CLOSED) {
            throw closed(s);
        }
        OutputBuffer.Chunk c;
        try {
            c = idleMs == null ? s.output.read(cursor, max, waitMs) : s.output.readWhenIdle(cursor, max, waitMs, idleMs);
        } catch (IllegalArgumentException e) {
            throw ShellException.invalid(e.getMessage() + " of shell " + s.id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShellException(ErrorCode.GUEST_FAILURE, "reading shell " + s.id + " was interrupted");
        }
        return new Reply.ShellReadResult(s.id, new String(c.bytes(), StandardCharsets.UTF_8), c.cursor(),
                c.nextCursor(), c.truncated(), s.state().wire());
    }

    private Reply write(Request.ShellWrite r) throws ShellException {
        Shell s = shell(r.shellId());
        String text = r.input();
        if (text == null) {
            throw ShellException.invalid("shell_write input must be a string, got null");
        }
        boolean newline = r.newline() == null || r.newline();
        byte[] data = (newline ? text + "\n" : text).getBytes(StandardCharsets.UTF_8);
        if (data.length > MAX_INPUT_BYTES) {
            throw ShellException.invalid("shell_write input of " + data.length + " bytes is larger than "
                    + MAX_INPUT_BYTES);
        }
        int n = s.write(data);
        return new Reply.ShellWriteResult(s.id, (long) n);
    }

    private Reply signal(Request.ShellSignal r) throws ShellException {
        Shell s = shell(r.shellId());
        Request.Signal signal = r.signal() == null ? Request.Signal.INT : r.signal();
        int pgrp = s.signal(SIGNALS.get(signal));
        return new Reply.ShellSignalResult(s.id, signal, (long) pgrp);
    }

    private Reply close(Request.ShellClose r) throws ShellException {
        Shell s = shell(r.shellId());
        s.close();
        return new Reply.ShellResult(s.record());
    }

    private Reply list() {
        List<Shell> all = new ArrayList<>(shells.values());
        all.sort((a, b) -> a.startedAt.equals(b.startedAt) ? a.id.compareTo(b.id) : a.startedAt.compareTo(b.startedAt));
        List<Reply.ShellRecord> records = new ArrayList<>();
        for (Shell s : all) {
            records.add(s.record());
        }
        return new Reply.ShellListResult(records);
    }

    private void pruneClosed() {
        List<Shell> closed = new ArrayList<>();
        for (Shell s : shells.values()) {
            if (s.state() == Shell.State.CLOSED) {
                closed.add(s);
            }
        }
        if (closed.size() > MAX_CLOSED_KEPT) {
            closed.sort((a, b) -> a.startedAt.compareTo(b.startedAt));
            for (Shell s : closed.subList(0, closed.size() - MAX_CLOSED_KEPT)) {
                shells.remove(s.id, s);
            }
        }
    }

    private Shell shell(String id) throws ShellException {
        Shell s = id == null ? null : shells.get(id);
        if (s == null) {
            throw new ShellException(ErrorCode.NOT_FOUND, "no shell with id '" + id + "'");
        }
        return s;
    }

    private static ShellException closed(Shell s) {
        return new ShellException(ErrorCode.CONFLICT, "shell " + s.id + " is closed");
    }

    private static long number(String what, Long v, long fallback, long min, long max) throws ShellException {
        if (v == null) {
            return fallback;
        }
        long x = v;
        if (x < min || x > max) {
            throw ShellException.invalid(what + " " + x + " is out of range: use " + min + " to "
                    + (max == Long.MAX_VALUE ? "any larger number" : Long.toString(max)));
        }
        return x;
    }

    /** The start directory: default the workspace root; {@code /workspace/...} maps onto the root. */
    Path cwd(String text) throws ShellException {
        if (text == null || text.isEmpty()) {
            return root;
        }
        Path p = Path.of(text);
        Path guestRoot = Path.of(GUEST_ROOT);
        if (p.isAbsolute()) {
            p = p.normalize();
            if (p.startsWith(guestRoot) && !root.equals(guestRoot)) {
                p = root.resolve(guestRoot.relativize(p).toString()).normalize();
            }
        } else {
            p = root.resolve(p).normalize();
        }
        if (!p.startsWith(root)) {
            throw ShellException.invalid("shell cwd '" + text + "' is outside the workspace " + GUEST_ROOT);
        }
        if (!Files.isDirectory(p)) {
            throw ShellException.invalid("shell cwd '" + text + "' does not exist or is not a directory");
        }
        try {
            if (!p.toRealPath().startsWith(root.toRealPath())) {
                throw ShellException.invalid("shell cwd '" + text + "' leads outside the workspace through a symlink");
            }
        } catch (IOException e) {
            throw ShellException.invalid("shell cwd '" + text + "' cannot be resolved: " + e.getMessage());
        }
        return p;
    }

    static String loginShell() {
        return Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh";
    }

    /** How to start a new session: util-linux setsid, else the image's busybox. */
    static List<String> setsid() throws ShellException {
        for (String p : new String[] {"/usr/bin/setsid", "/bin/setsid", "/usr/sbin/setsid", "/sbin/setsid"}) {
            if (Files.isExecutable(Path.of(p))) {
                return List.of(p);
            }
        }
        if (Files.isExecutable(Path.of("/opt/pyro/busybox"))) {
            return List.of("/opt/pyro/busybox", "setsid");
        }
        throw new ShellException(ErrorCode.GUEST_FAILURE, "the guest has no setsid (util-linux or /opt/pyro/busybox)");
    }

    static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.remove("PWD");
        env.remove("OLDPWD");
        env.put("TERM", "xterm-256color");
        env.putIfAbsent("HOME", "/root");
        String path = env.get("PATH");
        if (path == null || path.isBlank()) {
            env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        env.put("SHELL", loginShell());
        return env;
    }
}
