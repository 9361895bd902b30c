package pyro.agent.cgroup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One cgroup under {@code pyro.slice/user} (an exec, a service or a shell), or no cgroup at all when the
 * agent runs without them: then {@link #enabled()} is false, {@link #wrap} only resets the OOM score (in a
 * guest) and every other method does nothing, so callers keep their process-group fallback.
 *
 * <p>A process enters its cgroup before it runs anything of its own: {@link #wrap} puts a small
 * {@code sh -c} in front of the command that writes its own pid into {@code cgroup.procs} and then
 * {@code exec}s the command, so every descendant, double-forked and {@code setsid} ones included, is born
 * inside. {@link #kill} ends all of them at once with {@code cgroup.kill}, waits (bounded) for
 * {@code cgroup.events} to say {@code populated 0}, and removes the cgroup.
 */
public final class Cgroup {
    /** Exit status of the wrapper when it cannot enter the cgroup (the command then never runs). */
    public static final int ENTER_FAILED = 125;
    /** How long {@link #kill} waits for the killed processes to be gone, by default. */
    public static final long KILL_WAIT_MS = 10_000;

    static final String ENTER_SCRIPT = "echo 0 > /proc/self/oom_score_adj; "
            + "echo $$ > \"$0/cgroup.procs\" || { echo \"pyro-agent: cannot enter the cgroup $0\" >&2; exit "
            + ENTER_FAILED + "; }; exec \"$@\"";
    static final String OOM_RESET_SCRIPT = "echo 0 > /proc/self/oom_score_adj; exec \"$@\"";

    private final String name;
    private final Path dir;
    private final List<String> shell; // sh, as argv
    private final boolean resetOom;

    Cgroup(String name, Path dir, List<String> shell, boolean resetOom) {
        this.name = name;
        this.dir = dir;
        this.shell = shell;
        this.resetOom = resetOom;
    }

    /** True when this is a real cgroup (the agent runs with cgroups). */
    public boolean enabled() {
        return dir != null;
    }

    /** The cgroup's folder, or null without cgroups. */
    public Path dir() {
        return dir;
    }

    /**
     * Makes the cgroup afresh: whatever an earlier cgroup of the same name still holds is killed and the
     * folder removed first. Each member's OOM kill takes the whole cgroup ({@code memory.oom.group=1}).
     */
    public void create() throws IOException {
        if (dir == null) {
            return;
        }
        if (Files.isDirectory(dir) && !kill(KILL_WAIT_MS)) {
            throw new IOException("the cgroup " + dir + " of an earlier run cannot be emptied and removed");
        }
        Files.createDirectory(dir);
        Path oomGroup = dir.resolve("memory.oom.group");
        if (Files.exists(oomGroup)) {
            write(oomGroup, "1");
        }
    }

    /**
     * The command line that runs {@code argv} inside this cgroup (and with OOM score 0, not the agent's
     * -1000, which children would otherwise inherit). Without cgroups and outside a guest: {@code argv}.
     */
    public List<String> wrap(List<String> argv) {
        if (dir == null && !resetOom) {
            return argv;
        }
        List<String> out = new ArrayList<>(shell);
        out.add("-c");
        if (dir != null) {
            out.add(ENTER_SCRIPT);
            out.add(dir.toString());
        } else {
            out.add(OOM_RESET_SCRIPT);
            out.add("pyro-exec");
        }
        out.addAll(argv);
        return out;
    }

    /** The pids in the cgroup now (empty without cgroups or once it is gone). */
    List<Long> pids() {
        List<Long> out = new ArrayList<>();
        if (dir == null) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
                if (!line.isBlank()) {
                    out.add(Long.parseLong(line.strip()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile: nothing in it
        }
        return out;
    }

    /** Whether any process (or a descendant cgroup's) is in the cgroup; false without cgroups or once gone. */
    public boolean populated() {
        if (dir == null) {
            return false;
        }
        try {
            for (String line : Files.readAllLines(dir.resolve("cgroup.events"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("populated ")) {
                    return !line.substring(10).strip().equals("0");
                }
            }
        } catch (IOException e) {
            return false; // no such cgroup
        }
        return false;
    }

    /**
     * Signal {@code name} ({@code TERM}, {@code HUP}, {@code KILL}) to every process in the cgroup now;
     * never to the agent itself. One {@code kill} (the shell's builtin) for all of them: a
     * {@link ProcessHandle} per pid took 2.5 s for the 2400 processes of a fork bomb in a TCG guest.
     */
    public void signal(String name) {
        if (!List.of("TERM", "HUP", "KILL").contains(name)) {
            throw new IllegalArgumentException("signal " + name);
        }
        long self = ProcessHandle.current().pid();
        List<String> argv = new ArrayList<>(shell);
        argv.addAll(List.of("-c", "kill -s " + name + " \"$@\" 2>/dev/null; exit 0", "pyro-signal"));
        int first = argv.size();
        for (long pid : pids()) {
            if (pid != self) {
                argv.add(Long.toString(pid));
            }
        }
        if (argv.size() == first) {
            return;
        }
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(5, TimeUnit.SECONDS)) {
                return;
            }
            p.destroyForcibly();
        } catch (IOException e) {
            Cgroups.log("cannot run kill for the cgroup " + dir + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (String pid : argv.subList(first, argv.size())) { // no kill could run: SIGTERM or SIGKILL each
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
                if (name.equals("KILL")) {
                    h.destroyForcibly();
                } else {
                    h.destroy();
                }
            });
        }
    }

    /** Waits up to {@code ms} for the cgroup to hold no process; true when it is empty (or gone). */
    public boolean awaitEmpty(long ms) throws InterruptedException {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        long pause = 5;
        while (populated()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(pause);
            pause = Math.min(50, pause * 2);
        }
        return true;
    }

    /**
     * {@code cgroup.kill}: SIGKILL to every process in the cgroup, those forking meanwhile included; then
     * waits up to {@code waitMs} for {@code populated 0} and removes the cgroup. True when nothing is
     * left (the cgroup is gone); a cgroup that does not exist counts as killed. An interrupt still kills,
     * but stops the wait.
     */
    public boolean kill(long waitMs) {
        if (dir == null || !Files.isDirectory(dir)) {
            return true;
        }
        try {
            write(dir.resolve("cgroup.kill"), "1");
        } catch (NoSuchFileException e) {
            return !Files.isDirectory(dir);
        } catch (IOException e) {
            Cgroups.log("cannot kill the cgroup " + dir + ": " + e.getMessage());
            signal("KILL"); // cgroup.kill refused: SIGKILL each member instead
        }
        try {
            awaitEmpty(waitMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return remove();
    }

    /** Removes the cgroup once it is empty (retrying briefly while the kernel finishes the exits). */
    boolean remove() {
        if (dir == null) {
            return true;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return true;
            } catch (FileSystemException e) {
                if (attempt >= 20) { // EBUSY: still populated (or has child cgroups)
                    Cgroups.log("cannot remove the cgroup " + dir + ": " + e.getMessage());
                    return false;
                }
            } catch (IOException e) {
                Cgroups.log("cannot remove the cgroup " + dir + ": " + e.getMessage());
                return false;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** How many processes of this cgroup the OOM killer killed ({@code memory.events oom_kill}); 0 if unknown. */
    public long oomKills() {
        if (dir == null) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(dir.resolve("memory.events"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring(9).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // no memory controller, or gone
        }
        return 0;
    }

    /** One write(2) of {@code value} to an existing cgroup file (never creates one). */
    static void write(Path file, String value) throws IOException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
            out.write(value.getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Override
    public String toString() {
        return dir == null ? name + " (no cgroup)" : dir.toString();
    }
}
