package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/** A VMM killed under a workspace, and TTL expiry: both reported as state, never as a hang. */
class WorkspaceLifecycleTest {
    static Path state;
    static String doomed;
    static String shortLived;

    @BeforeAll
    static void setUp() {
        Guests.requireGuests();
        state = Guests.newStateDir("lifecycle");
        Guests.pull(state);
        CompletableFuture<Cli.Result> a = CompletableFuture.supplyAsync(
                () -> Cli.run(state, "workspace", "create", Guests.ENV, "--id-only"), Cli.VIRTUAL);
        CompletableFuture<Cli.Result> b = CompletableFuture.supplyAsync(
                () -> Cli.run(state, "workspace", "create", Guests.ENV, "--ttl-seconds", "30", "--id-only"),
                Cli.VIRTUAL);
        Cli.Result ra = a.join();
        Cli.Result rb = b.join();
        assertEquals(0, ra.exitCode(), ra.toString());
        assertEquals(0, rb.exitCode(), rb.toString());
        doomed = ra.stdout().strip();
        shortLived = rb.stdout().strip();
    }

    @Test
    void killedVmmIsReportedAsFailedWithTheReasonAndDeleteStillCleansUp() throws Exception {
        Path dir = state.resolve("instances").resolve(doomed);
        long pid = Long.parseLong(Files.readString(dir.resolve("vmm.pid")).strip());
        new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
        Thread.sleep(1000);
        Cli.Result status = Cli.run(state, 60, "workspace", "status", doomed, "--json");
        assertEquals(0, status.exitCode(), status.toString());
        Map<String, Object> m = Json.readMap(status.stdout());
        assertEquals("failed", m.get("state"), m.toString());
        assertTrue(String.valueOf(m.get("state_reason")).contains("exited unexpectedly"), m.toString());
        Cli.Result exec = Cli.run(state, 60, "workspace", "exec", doomed, "--", "true");
        assertEquals(5, exec.exitCode(), exec.toString());
        assertTrue(exec.stderr().contains("failed"), exec.toString());
        Cli.Result del = Cli.run(state, 60, "workspace", "delete", doomed);
        assertEquals(0, del.exitCode(), del.toString());
        assertFalse(Files.exists(dir));
        assertTrue(Guests.qemuProcesses(doomed).isEmpty());
    }

    @Test
    void anExpiredWorkspaceSaysSoAndItsVmIsReleased() throws Exception {
        Cli.Result st = Cli.run(state, 60, "workspace", "status", shortLived, "--json");
        long expires = java.time.Instant.parse(Json.readMap(st.stdout()).get("expires_at").toString()).toEpochMilli();
        long wait = expires + 3_000 - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        Cli.Result exec = Cli.run(state, 60, "workspace", "exec", shortLived, "--", "true");
        assertEquals(3, exec.exitCode(), exec.toString());
        assertTrue(exec.stderr().contains("expired"), exec.toString());
        for (int i = 0; i < 20 && !Guests.qemuProcesses(shortLived).isEmpty(); i++) {
            Thread.sleep(500);
        }
        assertTrue(Guests.qemuProcesses(shortLived).isEmpty(), "an expired workspace's VM is released");
        Cli.Result del = Cli.run(state, 60, "workspace", "delete", shortLived);
        assertEquals(0, del.exitCode(), del.toString());
    }
}
