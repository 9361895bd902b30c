package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.WorkspaceOptions;
import pyro.core.model.ExecResult;
import pyro.core.model.WorkspaceInfo;

/**
 * Issue 23 row 2: a snapshot, stop or fork whose process was killed mid-save left QEMU paused in
 * {@code postmigrate} for good while the record said {@code started}. Saves are now the VM's
 * supervisor's (issue 20): here the packaged CLI is killed with SIGKILL while QEMU is streaming the
 * machine out, and the supervisor still finishes the save and runs the guest on (a snapshot) or
 * records the workspace stopped and ends it (a stop), so the next call finds it as the save left it.
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
            pyro.execWorkspace(id, "echo before > kept.txt", null, 30);
            // what a save whose supervisor was killed leaves: a hidden folder nobody lists
            Path old = Files.createDirectories(inst.resolve("snapshots").resolve(".old.partial"));
            Files.write(old.resolve("memory.bin"), new byte[1 << 20]);
            assertEquals(0, pyro.statusWorkspace(id).snapshotBytes(), "a leftover is not a saved machine");

            killMidSave(state, inst.resolve("snapshots/.s1.partial/memory.bin"), "workspace", "snapshot", "create", id, "s1");
            WorkspaceInfo after = settled(pyro, id);
            assertEquals("started", after.state(), after.toString());
            assertNull(after.stateReason(), "the supervisor ended its save and cleared its note: " + after);
            long t0 = System.nanoTime();
            ExecResult r = pyro.execWorkspace(id, "cat kept.txt", null, 20);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("before\n", r.stdout(), r.toString());
            assertTrue(ms < 15_000, "the exec ran at once, not after a timeout: " + ms + " ms");

            pyro.createSnapshot(id, "s1"); // the killed client's save, never recorded, is not in the way
            assertFalse(Files.exists(old), "the next machine operation clears a killed save's folder");
            assertEquals(List.of("s1"), pyro.listSnapshots(id).snapshots().stream().map(s -> s.name()).toList());

            killMidSave(state, inst.resolve(".suspended.partial/memory.bin"), "workspace", "stop", id);
            WorkspaceInfo stopped = settled(pyro, id);
            assertEquals("stopped", stopped.state(), "the supervisor recorded the stop its client asked for: " + stopped);
            for (int i = 0; i < 100 && !Guests.qemuProcesses(inst.toString()).isEmpty(); i++) {
                Thread.sleep(100);
            }
            assertTrue(Guests.qemuProcesses(inst.toString()).isEmpty(), "and ended the VM");
            assertEquals("started", pyro.startWorkspace(id).state());
            assertEquals("before\n", pyro.execWorkspace(id, "cat kept.txt", null, 20).stdout());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    /** Runs the CLI and kills it with SIGKILL once QEMU has begun writing {@code memory} (the save is under way). */
    static void killMidSave(Path state, Path memory, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Cli.dist().resolve("bin/pyro").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Cli.env(pb.environment(), state);
        Process client = pb.start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!(Files.exists(memory) && Files.size(memory) > 0)) {
            assertTrue(client.isAlive(), "pyro " + String.join(" ", args) + " ended before it was killed");
            assertTrue(System.nanoTime() < deadline, "the save never began");
            Thread.sleep(20);
        }
        client.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
    }

    /** The workspace once its supervisor has finished the killed client's save (its note gone). */
    static WorkspaceInfo settled(Pyro pyro, String id) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        WorkspaceInfo w = pyro.statusWorkspace(id);
        while (w.stateReason() != null && w.stateReason().startsWith("saving:") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            w = pyro.statusWorkspace(id);
        }
        return w;
    }
}
