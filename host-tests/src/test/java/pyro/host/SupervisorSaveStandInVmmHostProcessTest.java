package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.core.internal.StateStore;
import pyro.core.internal.SupervisorClient;
import pyro.core.model.ExecResult;
import pyro.core.spi.InstancePaths;
import pyro.protocol.ErrorCode;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The supervisor as the only controller of a running VM: snapshots and stops are requests to it, and
 * it pauses, saves and resumes the VMM through the backend's control calls. Everything is real (the
 * supervisor process, its socket, the guest agent as a host process, clients in processes of their
 * own killed with SIGKILL) except the VMM's control, which a stand-in does with SIGSTOP/SIGCONT of
 * the agent ({@link StandInVmmControl}), since QEMU's monitor needs a guest; the guest suite runs the
 * same paths against QEMU.
 */
class SupervisorSaveStandInVmmHostProcessTest {
    private final Path state = HostProcess.stateDir("save");
    private final StateStore store = new StateStore(state);
    private final Pyro pyro = HostProcess.pyro(state);
    private String id;
    private InstancePaths paths;

    @BeforeEach
    void create() throws Exception {
        id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        paths = store.paths(id);
        Files.writeString(paths.dir().resolve(StandInVmmControl.ENABLE), "");
        Files.writeString(HostProcessBackend.workspaceRoot(paths.dir()).resolve("kept.txt"), "kept\n");
    }

    @AfterEach
    void delete() {
        try {
            pyro.deleteWorkspace(id);
        } catch (RuntimeException ignored) {
            // gone already
        }
    }

    private String log() throws Exception {
        Path log = paths.dir().resolve(StandInVmmControl.LOG);
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private long agentPid() throws Exception {
        return Long.parseLong(Files.readString(paths.vmmPid()).trim());
    }

    private void slowSaves(long ms) throws Exception {
        Files.writeString(paths.dir().resolve(StandInVmmControl.DELAY), String.valueOf(ms));
    }

    @Test
    void aSnapshotIsTheSupervisorsSaveWhichHoldsRequestsMeanwhileAndRunsTheGuestAgain() throws Exception {
        slowSaves(1_500);
        CompletableFuture<pyro.core.model.SnapshotInfo> snap = CompletableFuture.supplyAsync(
                () -> pyro.createSnapshot(id, "s1"), r -> Thread.ofVirtual().start(r));
        assertTrue(HostProcess.within(Duration.ofSeconds(20), () -> call(this::log).contains("save .s1.partial")), "no save");
        assertTrue(HostProcess.within(Duration.ofSeconds(2), () -> StandInVmmControl.stopped(call(this::agentPid))),
                "the guest is paused for the save"); // a stop signal takes a moment to reach every thread
        assertEquals("saving", status().vmState(), "the supervisor knows its guest is being saved");
        assertTrue(store.load(id).orElseThrow().stateReason().startsWith("saving:"), "the record says why the guest is paused");
        long t0 = System.nanoTime();
        ExecResult r = pyro.execWorkspace(id, List.of("cat", "kept.txt"), null, 30);
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        var info = snap.join();
        assertEquals("kept\n", r.stdout(), "a request during the save was held, not lost: " + r);
        assertTrue(waitedMs > 300, "the exec waited for the save to end, it did not reach a paused guest: " + waitedMs);
        assertTrue(log().indexOf("saved .s1.partial") < log().indexOf("resume"), log());
        assertFalse(StandInVmmControl.stopped(agentPid()), "the guest runs again");
        assertEquals("running", status().vmState());
        assertNull(pyro.statusWorkspace(id).stateReason(), "the note goes with the save");
        assertEquals(Files.size(paths.snapshots().resolve("s1/memory.bin")), info.bytes());
        assertEquals(List.of("s1"), pyro.listSnapshots(id).snapshots().stream().map(s -> s.name()).toList());
    }

    @Test
    void anInterruptedSaveLeavesTheGuestPausedForGoodNoLonger() throws Exception {
        // issue 23 row 2, with a real client process killed mid-save
        slowSaves(2_000);
        Process client = client("snapshot", "s1");
        assertTrue(HostProcess.within(Duration.ofSeconds(30), () -> call(this::log).contains("save .s1.partial")),
                "the client never got as far as saving");
        client.destroyForcibly().waitFor();
        assertTrue(HostProcess.within(Duration.ofSeconds(10), () -> call(this::log).contains("resume")
                && "running".equals(call(this::status).vmState())), "the supervisor finished the save of a client that died: "
                + log());
        assertFalse(StandInVmmControl.stopped(agentPid()), "the guest runs again");
        var rec = pyro.statusWorkspace(id);
        assertEquals("started", rec.state());
        assertNull(rec.stateReason(), rec.toString());
        assertEquals(0, rec.snapshotBytes(), "a save nobody recorded is not a snapshot");
        assertEquals("kept\n", pyro.execWorkspace(id, List.of("cat", "kept.txt"), null, 30).stdout());
        Files.delete(paths.dir().resolve(StandInVmmControl.DELAY));
        pyro.createSnapshot(id, "s1"); // the dead client's save, never recorded, is cleared, not in the way
        assertEquals(List.of("s1"), pyro.listSnapshots(id).snapshots().stream().map(s -> s.name()).toList());
        assertFalse(Files.exists(paths.snapshots().resolve(".s1.partial")));
    }

    @Test
    void aStopWhoseClientWasKilledMidSaveStillEndsStoppedAndResumable() throws Exception {
        slowSaves(2_000);
        Process client = client("stop");
        assertTrue(HostProcess.within(Duration.ofSeconds(30), () -> call(this::log).contains("save .suspended.partial")),
                "the client never got as far as saving");
        client.destroyForcibly().waitFor();
        assertTrue(HostProcess.within(Duration.ofSeconds(15), () -> "stopped".equals(
                store.load(id).orElseThrow().state()) && !HostProcess.alive(paths.supervisorPid())
                && !HostProcess.alive(paths.vmmPid())), "the supervisor recorded the stop and ended the VM");
        assertEquals("suspended", store.load(id).orElseThrow().str("restore_from"));
        assertTrue(Files.isRegularFile(paths.suspended().resolve("memory.bin")));
        Files.delete(paths.dir().resolve(StandInVmmControl.DELAY));
        assertEquals("started", pyro.startWorkspace(id).state());
        assertEquals("kept\n", pyro.execWorkspace(id, List.of("cat", "kept.txt"), null, 30).stdout());
    }

    @Test
    void aSaveThatFailsIsRolledBackWithTheGuestRunningAndNothingLeft() throws Exception {
        Files.writeString(paths.dir().resolve(StandInVmmControl.FAILS), "");
        PyroException e = assertThrows(PyroException.class, () -> pyro.createSnapshot(id, "s1"));
        assertEquals(ErrorCode.GUEST_FAILURE, e.code());
        assertTrue(e.getMessage().contains("told to fail the save"), e.getMessage());
        assertTrue(log().contains("rollback"), log());
        assertFalse(StandInVmmControl.stopped(agentPid()), "the guest runs again");
        assertFalse(Files.exists(paths.snapshots().resolve("s1")));
        assertFalse(Files.exists(paths.snapshots().resolve(".s1.partial")));
        assertEquals("started", pyro.statusWorkspace(id).state());
        assertEquals("kept\n", pyro.execWorkspace(id, List.of("cat", "kept.txt"), null, 30).stdout());
    }

    @Test
    void theTtlWaitsForASaveUnderWayThenExpiresTheVm() throws Exception {
        slowSaves(3_000);
        CompletableFuture<pyro.core.model.SnapshotInfo> snap = CompletableFuture.supplyAsync(
                () -> pyro.createSnapshot(id, "s1"), r -> Thread.ofVirtual().start(r));
        assertTrue(HostProcess.within(Duration.ofSeconds(20), () -> call(this::log).contains("save .s1.partial")), "no save");
        store.update(id, i -> i.set("expires_at", Instant.now().plusMillis(300).toString()));
        assertEquals("s1", snap.join().name(), "the save ended although the TTL passed meanwhile");
        assertTrue(log().contains("resume"), "the guest was resumed, not killed mid-save: " + log());
        assertTrue(HostProcess.within(Duration.ofSeconds(15), () -> !HostProcess.alive(paths.vmmPid())
                && store.load(id).orElseThrow().expired()), "then the TTL ends the VM");
    }

    @Test
    void aPauseLastsOnlyAsLongAsTheConnectionThatAskedForIt() throws Exception {
        try (SupervisorClient c = SupervisorClient.connect(paths.supervisorSocket())) {
            assertEquals("paused", c.call(new Request.VmPause()).vmState());
            assertTrue(HostProcess.within(Duration.ofSeconds(2), () -> StandInVmmControl.stopped(call(this::agentPid))));
            assertEquals("paused", status().vmState());
            PyroException e = assertThrows(PyroException.class,
                    () -> c.call(new Request.Exec(List.of("true"), null, null, 5_000L, null, null, null)));
            assertEquals(ErrorCode.CONFLICT, e.code(), "its own requests would wait for itself: " + e.getMessage());
        }
        assertTrue(HostProcess.within(Duration.ofSeconds(5), () -> "running".equals(call(this::status).vmState())),
                "the pausing client went away: the guest runs again");
        assertFalse(StandInVmmControl.stopped(agentPid()));
        try (SupervisorClient c = SupervisorClient.connect(paths.supervisorSocket())) {
            c.call(new Request.VmPause());
            assertEquals("running", c.call(new Request.VmResume()).vmState());
        }
        assertEquals("kept\n", pyro.execWorkspace(id, List.of("cat", "kept.txt"), null, 30).stdout());
    }

    @Test
    void aSaveOutsideTheStateFolderIsRefusedNamingTheFolder() throws Exception {
        try (SupervisorClient c = SupervisorClient.connect(paths.supervisorSocket())) {
            for (String bad : List.of("/tmp/elsewhere", "relative/dir", paths.dir() + "/../x/../../y")) {
                PyroException e = assertThrows(PyroException.class,
                        () -> c.call(new Request.VmSave(bad, false)));
                assertEquals(ErrorCode.INVALID_INPUT, e.code());
                assertTrue(e.getMessage().contains(bad), e.getMessage());
            }
            PyroException e = assertThrows(PyroException.class, () -> c.call(
                    new Request.VmSave(paths.snapshots().resolve("s9").toString(), true)));
            assertTrue(e.getMessage().contains("a stop saves into a folder of " + id), e.getMessage());
        }
        assertEquals("", log(), "nothing was paused or saved");
        assertEquals("started", pyro.statusWorkspace(id).state());
    }

    private Reply.VmStatusResult status() throws Exception {
        try (SupervisorClient c = SupervisorClient.connect(paths.supervisorSocket())) {
            return c.call(new Request.VmStatus());
        }
    }

    private Process client(String... op) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), SaveThenWait.class.getName(), state.toString(), id));
        cmd.addAll(List.of(op));
        return new ProcessBuilder(cmd).inheritIO().start();
    }

    private interface Check<T> {
        T get() throws Exception;
    }

    private static <T> T call(Check<T> c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
