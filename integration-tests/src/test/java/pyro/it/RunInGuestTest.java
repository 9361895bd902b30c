package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/** {@code pyro run} through the packaged CLI in real guest VMs (TCG here, KVM where it works). */
class RunInGuestTest {
    static Path state;

    @BeforeAll
    static void setUp() {
        Guests.requireGuests();
        state = Guests.newStateDir("run");
        Guests.pull(state);
    }

    @Test
    void commandRunsInTheGuestNotOnTheHost() throws Exception {
        String marker = "pyro-probe-" + System.nanoTime();
        Cli.Result r = Cli.run(state, "run", Guests.ENV, "--", "sh", "-c",
                "uname -r; echo written > /tmp/" + marker + "; cat /tmp/" + marker + "; exit 7");
        assertEquals(7, r.exitCode(), r.toString());
        String[] lines = r.stdout().strip().split("\n");
        String hostRelease = System.getProperty("os.version");
        assertNotEquals(hostRelease, lines[0], "the guest kernel must not be the host's: " + r);
        assertTrue(lines[0].contains("amd64"), "Debian's kernel release expected, got " + lines[0]);
        assertEquals("written", lines[1]);
        assertFalse(Files.exists(Path.of("/tmp/" + marker)), "a file written in the guest must not be on the host");
        assertTrue(Guests.qemuProcesses(state.toString()).isEmpty(), "run must leave no VM behind");
    }

    @Test
    void jsonOutputIsTheRunRecord() {
        Cli.Result r = Cli.run(state, "run", Guests.ENV, "--json", "--", "git", "--version");
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, Object> m = Json.readMap(r.stdout());
        assertEquals(Guests.ENV, m.get("environment"));
        assertEquals(0, ((Number) m.get("exit_code")).intValue());
        assertTrue(m.get("stdout").toString().startsWith("git version"), r.toString());
        assertTrue(m.containsKey("accel") && m.containsKey("boot_ms") && m.containsKey("duration_ms"));
    }

    @Test
    void ctrlCOnRunLeavesNoVmBehind() throws Exception {
        Path own = Guests.newStateDir("ctrlc");
        ProcessBuilder pb = new ProcessBuilder(Cli.dist().resolve("bin/pyro").toString(), "run", Guests.ENV, "--",
                "sleep", "120");
        Cli.env(pb.environment(), own);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 180_000;
        while (Guests.qemuProcesses(own.toString()).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertFalse(Guests.qemuProcesses(own.toString()).isEmpty(), "the VM never started");
        Thread.sleep(3000);
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "pyro run must end after Ctrl-C");
        for (int i = 0; i < 50 && !Guests.qemuProcesses(own.toString()).isEmpty(); i++) {
            Thread.sleep(200);
        }
        assertTrue(Guests.qemuProcesses(own.toString()).isEmpty(), "Ctrl-C must not leave a VM running");
        try (var s = Files.list(own.resolve("instances"))) {
            assertEquals(0, s.count(), "Ctrl-C must not leave instance state");
        }
    }

    @Test
    void timeoutKillsTheCommandAndLeavesNoVm() {
        Cli.Result r = Cli.run(state, "run", Guests.ENV, "--timeout-seconds", "2", "--", "sleep", "60");
        assertEquals(5, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("timed out after 2 seconds"), r.toString());
        assertTrue(Guests.qemuProcesses(state.toString()).isEmpty(), "no qemu may survive a timed-out run");
        try (var s = Files.list(state.resolve("instances"))) {
            assertEquals(0, s.count(), "no instance state may survive a run");
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
        System.err.println("[bench] run with 2 s timeout returned after " + r.millis() + " ms");
    }
}
