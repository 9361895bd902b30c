package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.WorkspaceOptions;
import pyro.core.internal.Json;
import pyro.core.model.ExecResult;

/**
 * Issue 23 row 2: a snapshot, stop or fork whose process is killed mid-save left QEMU paused in
 * {@code postmigrate} for good while the record said {@code started}. Here the state such a kill
 * leaves is made exactly, in a real guest: QEMU's migration run to its end and never continued, the
 * record naming a saver process that is gone, and the save's hidden partial folder. The next call
 * must find the VM running again, and the next machine operation must clear the leftover.
 */
class InterruptedSaveGuestTest {
    @Test
    void anInterruptedSaveLeavesTheGuestPausedForGoodNoLonger() throws Exception {
        Guests.requireGuests();
        Path state = Guests.newStateDir("isave");
        Pyro pyro = Guests.sdk(state);
        String id = pyro.createWorkspace(WorkspaceOptions.of(Guests.ENV)).workspaceId();
        try {
            Path inst = state.resolve("instances").resolve(id);
            qmpMigrateAndLeavePaused(inst.resolve("qmp.sock"));
            Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            Path record = inst.resolve("record.json");
            Map<String, Object> m = new LinkedHashMap<>(Json.readMap(Files.readString(record)));
            m.put("saver_pid", gone.pid());
            Files.writeString(record, Json.write(m));
            Path partial = Files.createDirectories(inst.resolve("snapshots").resolve(".s1.partial"));
            Files.write(partial.resolve("memory.bin"), new byte[1 << 20]);

            long t0 = System.nanoTime();
            ExecResult r = pyro.execWorkspace(id, "echo alive", null, 20);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("alive\n", r.stdout(), r.toString());
            assertTrue(ms < 15_000, "the exec ran at once, not after a timeout: " + ms + " ms");
            assertEquals("started", pyro.statusWorkspace(id).state());
            assertEquals(0, pyro.statusWorkspace(id).snapshotBytes(), "a leftover is not a saved machine");

            pyro.createSnapshot(id, "after");
            assertFalse(Files.exists(partial), "the next machine operation clears the killed save's folder");
            assertEquals("alive\n", pyro.execWorkspace(id, "echo alive", null, 20).stdout());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    /** What a killed save leaves: the whole machine migrated out, the VM paused in postmigrate, nobody to continue it. */
    static void qmpMigrateAndLeavePaused(Path socket) throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            PrintWriter out = new PrintWriter(Channels.newOutputStream(ch), true, StandardCharsets.UTF_8);
            in.readLine(); // greeting
            call(in, out, "{\"execute\":\"qmp_capabilities\"}");
            call(in, out, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > /dev/null\"}}");
            for (int i = 0; i < 600; i++) {
                if (call(in, out, "{\"execute\":\"query-migrate\"}").contains("\"completed\"")) {
                    break;
                }
                Thread.sleep(100);
            }
            assertTrue(call(in, out, "{\"execute\":\"query-status\"}").contains("postmigrate"), "the VM is left paused");
        }
    }

    static String call(BufferedReader in, PrintWriter out, String command) throws Exception {
        out.println(command);
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new AssertionError("QEMU closed its monitor after " + command);
            }
            if (line.contains("\"return\"") || line.contains("\"error\"")) {
                return line;
            }
        }
    }
}
