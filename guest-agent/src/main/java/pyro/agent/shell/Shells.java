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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import pyro.core.ErrorCode;
import pyro.core.protocol.Frame;

/**
 * The agent's interactive PTY shells: {@code shell_open, shell_read, shell_write, shell_signal,
 * shell_close, shell_list}. State lives only in this process (never under the workspace). Every request
 * answers with a reply header, an {@code error} one included, so the agent's dispatcher only routes.
 */
public final class Shells {
    /** The request types this class answers. */
    public static final Set<String> TYPES =
            Set.of("shell_open", "shell_read", "shell_write", "shell_signal", "shell_close", "shell_list");

    static final String GUEST_ROOT = "/workspace";
    static final int MAX_ACTIVE = 64;
    static final int MAX_CLOSED_KEPT = 256;
    static final int MAX_INPUT_BYTES = 1024 * 1024;
    static final long MAX_WAIT_MS = 60_000;
    private static final Map<String, Integer> SIGNALS = Map.of(
            "INT", LibC.SIGINT, "TERM", LibC.SIGTERM, "HUP", LibC.SIGHUP, "KILL", LibC.SIGKILL);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final Map<String, Shell> shells = new ConcurrentHashMap<>();

    public Shells(Path workspaceRoot) {
        this.root = workspaceRoot.toAbsolutePath().normalize();
    }

    static void log(String message) {
        System.err.println(Instant.now() + " pyro-agent: " + message);
    }

    /** Answers one shell request; never throws. */
    public Map<String, Object> handle(Frame f) {
        try {
            return switch (f.type()) {
                case "shell_open" -> open(f);
                case "shell_read" -> read(f);
                case "shell_write" -> write(f);
                case "shell_signal" -> signal(f);
                case "shell_close" -> close(f);
                case "shell_list" -> list();
                default -> throw ShellException.invalid("unknown request type '" + f.type() + "'");
            };
        } catch (ShellException e) {
            return error(e.code, e.getMessage());
        } catch (IOException | RuntimeException | LinkageError e) {
            log("request " + f.id() + " (" + f.type() + ") failed: " + e);
            return error(ErrorCode.GUEST_FAILURE, f.type() + " failed in the guest: " + e.getMessage());
        }
    }

    private static Map<String, Object> error(ErrorCode code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "error");
        m.put("code", code.wireName());
        m.put("message", message);
        return m;
    }

    private Map<String, Object> open(Frame f) throws ShellException, IOException {
        int cols = (int) number(f, "cols", 120, 1, 1000);
        int rows = (int) number(f, "rows", 30, 1, 1000);
        Path cwd = cwd(f.string("cwd"));
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
        Shell s = Shell.open(id, cwd, cols, rows, setsid(), loginShell(), environment());
        shells.put(id, s);
        pruneClosed();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "shell_result");
        m.put("shell", s.record());
        return m;
    }

    private Map<String, Object> read(Frame f) throws ShellException {
        Shell s = shell(f);
        long cursor = number(f, "cursor", 0, 0, Long.MAX_VALUE);
        int max = (int) number(f, "max_chars", 65536, 1, 1 << 20);
        long waitMs = number(f, "wait_ms", 0, 0, MAX_WAIT_MS);
        if (s.state() == Shell.State.CLOSED) {
            throw closed(s);
        }
        OutputBuffer.Chunk c;
        try {
            c = s.output.read(cursor, max, waitMs);
        } catch (IllegalArgumentException e) {
            throw ShellException.invalid(e.getMessage() + " of shell " + s.id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShellException(ErrorCode.GUEST_FAILURE, "reading shell " + s.id + " was interrupted");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "shell_read_result");
        m.put("shell_id", s.id);
        m.put("output", new String(c.bytes(), StandardCharsets.UTF_8));
        m.put("cursor", c.cursor());
        m.put("next_cursor", c.nextCursor());
        m.put("truncated", c.truncated());
        m.put("state", s.state().wire());
        return m;
    }

    private Map<String, Object> write(Frame f) throws ShellException {
        Shell s = shell(f);
        Object input = f.header().get("input");
        if (!(input instanceof String text)) {
            throw ShellException.invalid("shell_write input must be a string, got " + input);
        }
        Object nl = f.header().get("newline");
        if (nl != null && !(nl instanceof Boolean)) {
            throw ShellException.invalid("shell_write newline must be true or false, got " + nl);
        }
        byte[] data = (nl == null || (Boolean) nl ? text + "\n" : text).getBytes(StandardCharsets.UTF_8);
        if (data.length > MAX_INPUT_BYTES) {
            throw ShellException.invalid("shell_write input of " + data.length + " bytes is larger than "
                    + MAX_INPUT_BYTES);
        }
        int n = s.write(data);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "shell_write_result");
        m.put("shell_id", s.id);
        m.put("bytes", n);
        return m;
    }

    private Map<String, Object> signal(Frame f) throws ShellException {
        Shell s = shell(f);
        Object v = f.header().get("signal");
        String name = v == null ? "INT" : v.toString().toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        Integer number = SIGNALS.get(name);
        if (number == null) {
            throw ShellException.invalid("signal '" + v + "' is not one of INT, TERM, HUP, KILL");
        }
        int pgrp = s.signal(number);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "shell_signal_result");
        m.put("shell_id", s.id);
        m.put("signal", name);
        m.put("pgrp", pgrp);
        return m;
    }

    private Map<String, Object> close(Frame f) throws ShellException {
        Shell s = shell(f);
        s.close();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "shell_result");
        m.put("shell", s.record());
        return m;
    }

    private Map<String, Object> list() {
        List<Shell> all = new ArrayList<>(shells.values());
        all.sort((a, b) -> a.startedAt.equals(b.startedAt) ? a.id.compareTo(b.id) : a.startedAt.compareTo(b.startedAt));
        List<Map<String, Object>> records = new ArrayList<>();
        for (Shell s : all) {
            records.add(s.record());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "shell_list_result");
        m.put("shells", records);
        return m;
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

    private Shell shell(Frame f) throws ShellException {
        Object v = f.header().get("shell_id");
        Shell s = v instanceof String id ? shells.get(id) : null;
        if (s == null) {
            throw new ShellException(ErrorCode.NOT_FOUND, "no shell with id '" + v + "'");
        }
        return s;
    }

    private static ShellException closed(Shell s) {
        return new ShellException(ErrorCode.CONFLICT, "shell " + s.id + " is closed");
    }

    private static long number(Frame f, String key, long fallback, long min, long max) throws ShellException {
        Object v = f.header().get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || (v instanceof Double || v instanceof Float) && n.doubleValue() != n.longValue()) {
            throw ShellException.invalid(f.type() + " " + key + " must be an integer, got " + v);
        }
        long x = n.longValue();
        if (x < min || x > max) {
            throw ShellException.invalid(f.type() + " " + key + " " + x + " is out of range: use " + min + " to "
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
