package pyro.agent.cgroup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * How the agent keeps what it runs apart from itself: cgroup v2 in the guest.
 *
 * <pre>
 * /sys/fs/cgroup/pyro.slice/           (the root; made by the guest's sysinit, or here)
 *     agent/                           the agent: oom_score_adj -1000, memory.low
 *     user/                            memory.max, pids.max for everything below together
 *         exec-N  svc-NAME  shell-ID   one per exec, per service start, per shell; memory.oom.group 1
 * </pre>
 *
 * Only used when the agent runs in a guest ({@code --channel virtio:...}) or is given
 * {@code --cgroup-root}: as a host process in tests it never touches the host's cgroups ({@link #off()}),
 * and every caller falls back to its process-group kill. A guest whose kernel lacks cgroup v2 or
 * {@code cgroup.kill} (Linux 5.14) gets the fallback too, with the OOM protection kept.
 */
public final class Cgroups {
    /** The root in a guest. */
    public static final Path GUEST_ROOT = Path.of("/sys/fs/cgroup/pyro.slice");
    static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids");

    private static volatile Cgroups current = off();

    private final Path user; // null: no cgroups
    private final boolean guest;
    private final List<String> shell;
    private final AtomicLong execs = new AtomicLong();

    private Cgroups(Path user, boolean guest) {
        this.user = user;
        this.guest = guest;
        this.shell = Files.isExecutable(Path.of("/bin/sh")) ? List.of("/bin/sh") : List.of("/opt/pyro/busybox", "sh");
    }

    /** No cgroups and no OOM protection: the agent as a host process. */
    public static Cgroups off() {
        return new Cgroups(null, false);
    }

    /** The process-wide setting ({@link #off()} until {@link #install} is called). */
    public static Cgroups current() {
        return current;
    }

    public static Cgroups install(Cgroups c) {
        current = c;
        return c;
    }

    static void log(String message) {
        System.err.println(Instant.now() + " pyro-agent: " + message);
    }

    /**
     * Sets the agent up under {@code root}: protects the agent from the OOM killer when {@code guest},
     * moves it into {@code root/agent}, makes {@code root/user} with the {@link Limits} of this guest, and
     * kills what earlier agent processes left of their execs and shells. Any failure is logged and gives
     * cgroups-off (with the OOM protection kept in a guest), never an error.
     */
    public static Cgroups setUp(Path root, boolean guest) {
        if (guest) {
            protectAgent();
        }
        try {
            Path user = build(root.toAbsolutePath().normalize());
            Cgroups c = new Cgroups(user, guest);
            c.sweep(n -> n.startsWith("exec-") || n.startsWith("shell-"));
            return c;
        } catch (IOException | RuntimeException e) {
            log("running without cgroups (a kill falls back to process groups): " + e.getMessage());
            return new Cgroups(null, guest);
        }
    }

    private static void protectAgent() {
        try {
            Cgroup.write(Path.of("/proc/self/oom_score_adj"), "-1000");
        } catch (IOException e) {
            log("cannot set the agent's oom_score_adj to -1000: " + e.getMessage());
        }
    }

    private static Path build(Path root) throws IOException {
        Path parent = root.getParent();
        if (parent == null || !Files.isRegularFile(parent.resolve("cgroup.controllers"))) {
            throw new IOException(parent + " is not a cgroup v2 folder (no cgroup.controllers)");
        }
        if (!Files.isDirectory(root)) {
            enable(parent);
            Files.createDirectory(root);
        }
        Path agent = root.resolve("agent");
        if (!Files.isDirectory(agent)) {
            Files.createDirectory(agent);
        }
        // first leave the root: a cgroup that hands controllers to its children holds no process itself
        Cgroup.write(agent.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
        enable(root);
        Path user = root.resolve("user");
        if (!Files.isDirectory(user)) {
            Files.createDirectory(user);
        }
        enable(user);
        if (!Files.exists(user.resolve("cgroup.kill"))) {
            throw new IOException("the kernel has no cgroup.kill (Linux 5.14 or later is needed)");
        }
        Limits limits = Limits.of(memTotal(), threadsMax());
        writeIfPresent(user.resolve("memory.max"), Long.toString(limits.userMemoryMax()));
        writeIfPresent(user.resolve("pids.max"), Long.toString(limits.userPidsMax()));
        writeIfPresent(agent.resolve("memory.low"), Long.toString(limits.agentMemoryLow()));
        log("cgroups under " + root + ": " + limits);
        return user;
    }

    /** Hands the controllers pyro uses, those the kernel offers here, to {@code dir}'s children. */
    private static void enable(Path dir) throws IOException {
        String offered = Files.readString(dir.resolve("cgroup.controllers"), StandardCharsets.US_ASCII);
        List<String> have = List.of(offered.strip().split("\\s+"));
        for (String c : CONTROLLERS) {
            if (have.contains(c)) {
                try {
                    Cgroup.write(dir.resolve("cgroup.subtree_control"), "+" + c);
                } catch (IOException e) {
                    log("cannot enable the " + c + " controller in " + dir + ": " + e.getMessage());
                }
            }
        }
    }

    private static void writeIfPresent(Path file, String value) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            Cgroup.write(file, value);
        } catch (IOException e) {
            log("cannot write " + value + " to " + file + ": " + e.getMessage());
        }
    }

    static long memTotal() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.substring(9).replace("kB", "").strip()) * 1024;
            }
        }
        throw new IOException("/proc/meminfo has no MemTotal");
    }

    /**
     * {@code /proc/sys/kernel/threads-max} in one read(2): a sysctl number answers only a read at offset 0,
     * so {@code Files.readString} (which reads a size-0 file one byte first) got "7" for 7609.
     */
    static long threadsMax() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/threads-max"))) {
            byte[] buf = new byte[64];
            int n = in.read(buf);
            return Long.parseLong(new String(buf, 0, Math.max(0, n), StandardCharsets.US_ASCII).strip());
        }
    }

    /** True when processes get real cgroups (and kills use {@code cgroup.kill}). */
    public boolean enabled() {
        return user != null;
    }

    /** The handle of {@code user/NAME} (nothing is created until {@link Cgroup#create}). */
    public Cgroup group(String name) {
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
            throw new IllegalArgumentException("bad cgroup name '" + name + "'");
        }
        return new Cgroup(name, user == null ? null : user.resolve(name), shell, guest);
    }

    /** A fresh {@code exec-N} handle. */
    public Cgroup newExec() {
        return group("exec-" + execs.incrementAndGet());
    }

    /** Kills and removes {@code group} (bounded); one that cannot be emptied is left, and said so. */
    public void retire(Cgroup group) {
        if (group.enabled() && !group.kill(Cgroup.KILL_WAIT_MS)) {
            log("the cgroup " + group.dir() + " still holds processes " + Cgroup.KILL_WAIT_MS
                    + " ms after cgroup.kill; leaving it");
        }
    }

    /** Kills and removes every cgroup under {@code user} whose name {@code stale} accepts. */
    public void sweep(Predicate<String> stale) {
        if (user == null) {
            return;
        }
        List<Cgroup> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(user, Files::isDirectory)) {
            for (Path d : ds) {
                String n = d.getFileName().toString();
                if (stale.test(n)) {
                    found.add(group(n));
                }
            }
        } catch (IOException e) {
            log("cannot list " + user + ": " + e.getMessage());
        }
        for (Cgroup g : found) {
            log("removing the cgroup " + g.dir() + " an earlier agent process left");
            retire(g);
        }
    }
}
