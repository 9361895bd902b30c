package pyro.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wrapper that puts a command into its cgroup before it runs, run for real by /bin/sh on this host.
 * A plain folder stands in for the cgroup (the host's cgroups are never touched): what the wrapper writes
 * to its {@code cgroup.procs} must be the command's own pid, and the command must get its argv intact.
 */
class CgroupWrapHostProcessTest {
    @TempDir
    Path tmp;

    private static Process run(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the wrapped command did not end");
        return p;
    }

    @Test
    void theCommandEntersBeforeItRunsAndKeepsItsArgv() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("exec-1"));
        Files.writeString(dir.resolve("cgroup.procs"), "");
        Cgroup g = new Cgroup("exec-1", dir, List.of("/bin/sh"), true);
        // the command prints its own pid as the kernel sees it, then its arguments
        Process p = run(g.wrap(List.of("sh", "-c", "echo \"$$\"; printf '%s|' \"$@\"",
                "sh", "a b", "$HOME", "'q'", "")));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals("a b|$HOME|'q'||", out.get(1), "argv passes through the wrapper unchanged");
        // the wrapper exec'd the command: the pid it wrote is the pid the command ran as
        assertEquals(Long.toString(p.pid()), Files.readString(dir.resolve("cgroup.procs")).strip());
        assertEquals(Long.toString(p.pid()), out.get(0));
    }

    @Test
    void aCommandThatCannotEnterItsCgroupNeverRuns() throws Exception {
        Path marker = tmp.resolve("ran");
        Cgroup g = new Cgroup("exec-2", tmp.resolve("no-such-cgroup"), List.of("/bin/sh"), true);
        Process p = run(g.wrap(List.of("touch", marker.toString())));
        assertEquals(Cgroup.ENTER_FAILED, p.exitValue());
        assertTrue(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).contains("cannot enter the cgroup"));
        assertFalse(Files.exists(marker), "the command ran outside its cgroup");
    }

    @Test
    void withoutCgroupsAHostProcessRunsTheCommandAsIs() {
        List<String> argv = List.of("true");
        Cgroup g = Cgroups.off().group("exec-3");
        assertFalse(g.enabled());
        assertSame(argv, g.wrap(argv));
    }
}
