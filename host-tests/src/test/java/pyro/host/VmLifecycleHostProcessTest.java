package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.protocol.ErrorCode;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.core.internal.StateStore;
import pyro.core.internal.VmManager;
import pyro.core.model.ExecResult;
import pyro.core.model.VmInfo;
import pyro.core.spi.InstancePaths;

/** VmManager and core's supervisor end to end, with the real agent as a host process in place of a VM. */
class VmLifecycleHostProcessTest {
    private final Path state = HostProcess.stateDir("vm");
    private final Pyro pyro = HostProcess.pyro(state);
    private final StateStore store = new StateStore(state);

    private VmInfo started() {
        VmInfo vm = pyro.createVm(HostProcessBackend.ENV, 1, 256, 600, false);
        assertEquals("created", vm.state());
        return pyro.startVm(vm.vmId());
    }

    @Test
    void createStartExecStopDeleteLeavesNothingRunning() throws Exception {
        VmInfo vm = started();
        assertEquals("started", vm.state());
        assertTrue(vm.bootMs() != null && vm.bootMs() > 0, vm.toString());
        InstancePaths paths = store.paths(vm.vmId());
        assertTrue(Files.exists(paths.supervisorSocket()));
        assertTrue(HostProcess.alive(paths.supervisorPid()) && HostProcess.alive(paths.vmmPid()));

        ExecResult r = pyro.execVm(vm.vmId(), "echo out; echo err >&2; exit 3", 10);
        assertEquals(3, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertFalse(r.timedOut());

        assertEquals("stopped", pyro.stopVm(vm.vmId()).state());
        assertTrue(HostProcess.within(Duration.ofSeconds(10), () -> !HostProcess.alive(paths.supervisorPid())
                && !HostProcess.alive(paths.vmmPid())), "supervisor or agent still running after stop");
        assertFalse(Files.exists(paths.supervisorSocket()));
        PyroException e = assertThrows(PyroException.class, () -> pyro.execVm(vm.vmId(), "true", 5));
        assertEquals(ErrorCode.CONFLICT, e.code());

        pyro.deleteVm(vm.vmId());
        assertFalse(Files.exists(paths.dir()));
        assertEquals(ErrorCode.NOT_FOUND,
                assertThrows(PyroException.class, () -> pyro.statusVm(vm.vmId())).code());
    }

    @Test
    void execTimeoutIsReportedWithTheCoreutilsCode() {
        VmInfo vm = started();
        try {
            ExecResult r = pyro.execVm(vm.vmId(), "sleep 30", 1);
            assertTrue(r.timedOut());
            assertEquals(124, r.exitCode());
        } finally {
            pyro.deleteVm(vm.vmId());
        }
    }

    /** A plan's sidecar (QEMU's network stack) runs with the VM and never outlives it. */
    @Test
    void aSidecarStartsBeforeTheVmmAndEndsWithTheVm() throws Exception {
        VmInfo vm = pyro.startVm(pyro.createVm(HostProcessBackend.ENV, 1, 256, 600, true).vmId());
        InstancePaths paths = store.paths(vm.vmId());
        assertTrue(Files.exists(paths.netSocket()), "the sidecar's ready file");
        long pid = Long.parseLong(Files.readString(paths.sidecarPid("net")).trim());
        ProcessHandle sidecar = ProcessHandle.of(pid).orElseThrow();
        assertTrue(sidecar.info().commandLine().orElse("").contains(paths.netSocket().toString()));
        assertEquals("started", pyro.statusVm(vm.vmId()).state());
        pyro.stopVm(vm.vmId());
        assertTrue(HostProcess.within(Duration.ofSeconds(10), () -> !sidecar.isAlive()), "the sidecar outlived its VM");
        pyro.deleteVm(vm.vmId());
    }

    @Test
    void aSidecarThatDiesAtStartFailsTheBootWithItsOwnWords() throws Exception {
        Pyro broken = Pyro.create(new pyro.core.PyroConfig(state, state.resolve("cache"), null, "host-process", 8),
                new HostProcessBackend("pyro.agent.Main", "echo no network stack here; exit 7"));
        VmInfo vm = broken.createVm(HostProcessBackend.ENV, 1, 256, 600, true);
        PyroException e = assertThrows(PyroException.class, () -> broken.startVm(vm.vmId()));
        assertTrue(e.getMessage().contains("exited with status 7") && e.getMessage().contains("no network stack here"),
                e.getMessage());
        InstancePaths paths = store.paths(vm.vmId());
        assertTrue(HostProcess.within(Duration.ofSeconds(10), () -> !HostProcess.alive(paths.supervisorPid())),
                "the supervisor of a failed boot stays");
        assertFalse(HostProcess.alive(paths.vmmPid()), "the VMM started although its sidecar failed");
        broken.deleteVm(vm.vmId());
    }

    @Test
    void aDeadVmmIsReportedAsFailedWithTheReasonNotAHang() throws Exception {
        VmInfo vm = started();
        InstancePaths paths = store.paths(vm.vmId());
        long pid = Long.parseLong(Files.readString(paths.vmmPid()).trim());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        assertTrue(HostProcess.within(Duration.ofSeconds(10),
                () -> "failed".equals(store.load(vm.vmId()).orElseThrow().state())), "record never said failed");
        VmInfo status = pyro.statusVm(vm.vmId());
        assertEquals("failed", status.state());
        assertTrue(status.stateReason().contains("exited unexpectedly"), status.stateReason());
        PyroException e = assertThrows(PyroException.class, () -> pyro.execVm(vm.vmId(), "true", 5));
        assertEquals(ErrorCode.GUEST_FAILURE, e.code());
        assertTrue(e.getMessage().contains(vm.vmId()), e.getMessage());
        pyro.deleteVm(vm.vmId());
    }

    @Test
    void theSupervisorReleasesAVmWhoseTtlPassed() throws Exception {
        VmInfo vm = started();
        InstancePaths paths = store.paths(vm.vmId());
        // time passes: the supervisor re-reads expires_at at least every 5 s
        store.update(vm.vmId(), i -> i.set("expires_at", Instant.now().minusSeconds(1).toString()));
        assertTrue(HostProcess.within(Duration.ofSeconds(15), () -> !HostProcess.alive(paths.supervisorPid())),
                "the supervisor did not end the VM after its TTL");
        assertFalse(HostProcess.alive(paths.vmmPid()));
        var rec = store.load(vm.vmId()).orElseThrow();
        assertTrue(rec.expired());
        assertEquals("stopped", rec.state());
        PyroException e = assertThrows(PyroException.class, () -> pyro.execVm(vm.vmId(), "true", 5));
        assertEquals(ErrorCode.EXPIRED, e.code());
        assertTrue(pyro.reapExpired().reaped().contains(vm.vmId()));
        assertFalse(Files.exists(paths.dir()));
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsWritten() throws Exception {
        PyroException unknown = assertThrows(PyroException.class, () -> pyro.createVm("debian:99", 1, 256, 600, false));
        assertEquals(ErrorCode.NOT_FOUND, unknown.code());
        assertTrue(unknown.getMessage().contains("debian:99"), unknown.getMessage());
        for (int vcpus : List.of(0, 1000)) {
            PyroException e = assertThrows(PyroException.class,
                    () -> pyro.createVm(HostProcessBackend.ENV, vcpus, 256, 600, false));
            assertEquals(ErrorCode.INVALID_INPUT, e.code());
            assertTrue(e.getMessage().contains(String.valueOf(vcpus)), e.getMessage());
        }
        PyroException ttl = assertThrows(PyroException.class,
                () -> pyro.createVm(HostProcessBackend.ENV, 1, 256, 1, false));
        assertTrue(ttl.getMessage().contains("ttl 1"), ttl.getMessage());
        assertTrue(store.list().isEmpty(), "a refused create left a record behind");
    }

    @Test
    void theActiveVmLimitIsEnforced() {
        Path s2 = HostProcess.stateDir("limit");
        Pyro limited = HostProcess.pyro(s2, 1);
        VmInfo first = limited.startVm(limited.createVm(HostProcessBackend.ENV, 1, 256, 600, false).vmId());
        try {
            PyroException e = assertThrows(PyroException.class,
                    () -> limited.createVm(HostProcessBackend.ENV, 1, 256, 600, false));
            assertEquals(ErrorCode.CONFLICT, e.code());
            assertTrue(e.getMessage().contains("PYRO_MAX_ACTIVE_VMS"), e.getMessage());
        } finally {
            limited.deleteVm(first.vmId());
        }
    }

    /**
     * Issue 23, row 7: stop one, create another, start the first, and the limit was passed: start
     * never checked it. A VM's start and a stopped workspace's start now check it as create does,
     * and a refused start leaves the instance stopped.
     */
    @Test
    void stopThenCreateThenStartCannotPassTheActiveVmLimit() {
        Path s2 = HostProcess.stateDir("limit-start");
        Pyro limited = HostProcess.pyro(s2, 1);
        String first = started(limited).vmId();
        limited.stopVm(first);
        String second = started(limited).vmId();
        String ws = null;
        try {
            PyroException e = assertThrows(PyroException.class, () -> limited.startVm(first));
            assertEquals(ErrorCode.CONFLICT, e.code());
            assertTrue(e.getMessage().contains("PYRO_MAX_ACTIVE_VMS"), e.getMessage());
            assertEquals("stopped", limited.statusVm(first).state(), "a refused start leaves the VM as it was");
            assertEquals("started", limited.startVm(second).state(), "starting a started VM is no new VM");

            limited.stopVm(second);
            ws = limited.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
            // the host-process guest cannot save its machine: stop it as 'workspace stop' leaves it
            new VmManager(new StateStore(s2), new HostProcessBackend(), 1).stop(ws, "workspace");
            new StateStore(s2).update(ws, i -> i.set("restore_from", "suspended"));
            assertEquals("started", limited.startVm(second).state());
            String stopped = ws;
            PyroException w = assertThrows(PyroException.class, () -> limited.startWorkspace(stopped));
            assertEquals(ErrorCode.CONFLICT, w.code());
            assertTrue(w.getMessage().contains("PYRO_MAX_ACTIVE_VMS"), w.getMessage());
            assertEquals("stopped", limited.statusWorkspace(ws).state(), "a refused start leaves the workspace as it was");
        } finally {
            limited.deleteVm(first);
            limited.deleteVm(second);
            if (ws != null) {
                limited.deleteWorkspace(ws);
            }
        }
    }

    private static VmInfo started(Pyro p) {
        return p.startVm(p.createVm(HostProcessBackend.ENV, 1, 256, 600, false).vmId());
    }
}
