package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.protocol.ErrorCode;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.core.model.ExecResult;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;
import pyro.core.model.SnapshotInfo;
import pyro.core.model.WorkspaceInfo;

/**
 * Whole-machine snapshots of real guests: reset brings back files and a running service without a
 * restart, stop/start suspends to disk and resumes, fork makes an independent twin, and bad input
 * changes nothing.
 */
class WorkspaceMachineGuestTest {
    static Path state;
    static Pyro pyro;
    static String ws;

    @BeforeAll
    static void setUp() throws Exception {
        Guests.requireGuests();
        state = Guests.newStateDir("machines");
        Guests.pull(state);
        pyro = Guests.sdk(state);
        Path seed = Files.createDirectories(state.resolve("seed"));
        Files.writeString(seed.resolve("a.txt"), "from the seed\n");
        ws = pyro.createWorkspace(WorkspaceOptions.of(Guests.ENV).seed(seed).ttlSeconds(3600)).workspaceId();
    }

    @AfterAll
    static void tearDown() {
        if (ws != null) {
            pyro.deleteWorkspace(ws);
        }
    }

    private static String out(String workspace, String cmd) {
        ExecResult r = pyro.execWorkspace(workspace, cmd, null, 60);
        assertEquals(0, r.exitCode(), cmd + " -> " + r);
        return r.stdout().strip();
    }

    /** The HTTP service answers from inside the guest (python's client: the image has no curl). */
    private static String answer(String workspace, int port) {
        return out(workspace, "python3 -c 'import urllib.request as u; print(u.urlopen(\"http://127.0.0.1:" + port
                + "/\", timeout=10).status)'");
    }

    private static ServiceInfo web(String workspace, int port) {
        return pyro.startService(workspace, "web" + port, "exec python3 -m http.server " + port, null, java.util.Map.of(),
                Readiness.http("http://127.0.0.1:" + port + "/"));
    }

    private static Path instanceDir(String id) {
        return state.resolve("instances").resolve(id);
    }

    @Test
    void resetToASnapshotBringsBackTheFilesAndTheRunningServiceWithoutARestart() throws Exception {
        ServiceInfo before = web(ws, 8091);
        out(ws, "echo at-snapshot > b.txt");
        SnapshotInfo snap = pyro.createSnapshot(ws, "s1");
        assertTrue(snap.bytes() > 0 && snap.saveMs() > 0, snap.toString());
        Path dir = instanceDir(ws).resolve("snapshots/s1");
        for (String f : new String[] {"memory.bin", "disk.qcow2"}) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))), f);
        }
        WorkspaceInfo status = pyro.statusWorkspace(ws);
        assertEquals(1, status.snapshotCount());
        assertTrue(status.snapshotBytes() >= snap.bytes(), status.toString());

        // bad input changes nothing
        assertEquals(ErrorCode.CONFLICT, assertThrows(PyroException.class, () -> pyro.createSnapshot(ws, "s1")).code());
        assertEquals(ErrorCode.INVALID_INPUT,
                assertThrows(PyroException.class, () -> pyro.createSnapshot(ws, "../escape")).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(PyroException.class, () -> pyro.resetWorkspace(ws, "nope")).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(PyroException.class, () -> pyro.forkWorkspace("no-such-ws", null)).code());
        assertEquals(1, pyro.listSnapshots(ws).snapshots().size());
        assertEquals("started", pyro.statusWorkspace(ws).state());

        out(ws, "rm b.txt; echo after > c.txt");
        pyro.stopService(ws, "web8091", 1);
        WorkspaceInfo reset = pyro.resetWorkspace(ws, "s1");
        assertEquals("started", reset.state());
        assertEquals("restored", reset.boot());
        assertEquals("a.txt\nb.txt", out(ws, "ls"));
        assertEquals("at-snapshot", out(ws, "cat b.txt"));
        ServiceInfo after = pyro.statusService(ws, "web8091");
        assertEquals("running", after.state(), after.toString());
        assertEquals(before.number("pid", -1), after.number("pid", -2), "the service was restarted instead of restored");
        assertEquals("200", answer(ws, 8091));
        // the diff baseline stays the create-time one
        assertTrue(pyro.diffWorkspace(ws).toString().contains("b.txt"));

        // without a snapshot: the create-time files in a fresh guest
        WorkspaceInfo fresh = pyro.resetWorkspace(ws, null);
        assertEquals("started", fresh.state());
        assertEquals("a.txt", out(ws, "ls"));
        assertEquals(0, pyro.listServices(ws).services().size());
        assertEquals(1, pyro.listSnapshots(ws).snapshots().size(), "a reset keeps the snapshots");
        assertEquals("s1", pyro.deleteSnapshot(ws, "s1").name());
        assertFalse(Files.exists(dir));
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(PyroException.class, () -> pyro.deleteSnapshot(ws, "s1")).code());
    }

    @Test
    void stopSuspendsToDiskAndStartResumesWithTheServiceStillRunning() throws Exception {
        WorkspaceInfo w = pyro.createWorkspace(WorkspaceOptions.of(Guests.ENV).ttlSeconds(600));
        try {
            ServiceInfo s = web(w.workspaceId(), 8092);
            out(w.workspaceId(), "echo kept > k.txt");
            Path vmmPid = instanceDir(w.workspaceId()).resolve("vmm.pid");
            long pid = Long.parseLong(Files.readString(vmmPid).strip());
            WorkspaceInfo stopped = pyro.stopWorkspace(w.workspaceId());
            assertEquals("stopped", stopped.state());
            assertTrue(stopped.snapshotBytes() > 0, "the suspended machine is counted: " + stopped);
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "QEMU still runs after stop");
            PyroException e = assertThrows(PyroException.class, () -> pyro.execWorkspace(w.workspaceId(), "true", null, 10));
            assertEquals(ErrorCode.CONFLICT, e.code());
            assertTrue(e.getMessage().contains("workspace start"), e.getMessage());
            assertEquals(ErrorCode.CONFLICT,
                    assertThrows(PyroException.class, () -> pyro.resetWorkspace(w.workspaceId(), null)).code(),
                    "reset of a stopped workspace");
            assertEquals(ErrorCode.CONFLICT,
                    assertThrows(PyroException.class, () -> pyro.createSnapshot(w.workspaceId(), "x")).code());

            WorkspaceInfo started = pyro.startWorkspace(w.workspaceId());
            assertEquals("started", started.state());
            assertEquals("restored", started.boot());
            assertEquals(0, started.snapshotBytes(), "the suspended machine is removed once resumed");
            assertEquals("kept", out(w.workspaceId(), "cat k.txt"));
            assertEquals(s.number("pid", -1), pyro.statusService(w.workspaceId(), "web8092").number("pid", -2));
            assertEquals("200", answer(w.workspaceId(), 8092));
        } finally {
            pyro.deleteWorkspace(w.workspaceId());
        }
    }

    @Test
    void aForkRunsIndependentlyOfItsSource() {
        String src = pyro.createWorkspace(WorkspaceOptions.of(Guests.ENV).ttlSeconds(600)).workspaceId();
        String fork = null;
        try {
            out(src, "echo shared > s.txt");
            web(src, 8093);
            WorkspaceInfo f = pyro.forkWorkspace(src, "fork-of-src");
            fork = f.workspaceId();
            assertNotEquals(src, fork);
            assertEquals("fork-of-src", f.name());
            assertEquals("started", f.state());
            assertEquals("shared", out(fork, "cat s.txt"));
            assertEquals("200", answer(fork, 8093), "the fork's copy of the service answers");
            out(fork, "echo only-in-fork > f.txt");
            out(src, "echo only-in-src > g.txt");
            assertEquals("g.txt\ns.txt", out(src, "ls"));
            assertEquals("f.txt\ns.txt", out(fork, "ls"));
            assertNotEquals(out(src, "hostname"), out(fork, "hostname"));
            assertNotEquals(out(src, "cat /etc/machine-id"), out(fork, "cat /etc/machine-id"));
            assertEquals(ErrorCode.CONFLICT,
                    assertThrows(PyroException.class, () -> pyro.forkWorkspace(src, "fork-of-src")).code(),
                    "a fork with a name in use");
        } finally {
            if (fork != null) {
                pyro.deleteWorkspace(fork);
            }
            pyro.deleteWorkspace(src);
        }
    }
}
