package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.core.ErrorCode;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.core.internal.StateStore;
import pyro.core.model.WorkspaceInfo;

/**
 * What a hostile or broken guest does to the host, reproduced with the real agent as a host process
 * (the guest-side attacks that need a kernel of their own are in the guest-backed suite). Each test
 * is named after the numbered item of the hostile-guest issue it pins.
 */
class HostileGuestHostProcessTest {
    private final Path state = HostProcess.stateDir("hostile");
    private final Pyro pyro = HostProcess.pyro(state);
    private final StateStore store = new StateStore(state);

    private static void signal(long pid, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    }

    @Test
    void item2_anAgentThatStopsAnsweringGivesTimeoutsNeverHangs() throws Exception {
        WorkspaceInfo ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256));
        String id = ws.workspaceId();
        long agent = Long.parseLong(Files.readString(store.paths(id).vmmPid()).trim());
        try {
            signal(agent, "STOP");
            long t0 = System.nanoTime();
            PyroException e = assertThrows(PyroException.class, () -> pyro.execWorkspace(id, List.of("true"), null, 3));
            long execMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ErrorCode.TIMEOUT, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("unresponsive"), e.getMessage());
            assertTrue(execMs < 25_000, "exec with a 3 s timeout took " + execMs + " ms against a stopped agent");

            t0 = System.nanoTime();
            WorkspaceInfo status = pyro.statusWorkspace(id);
            long statusMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(statusMs < 10_000, "status took " + statusMs + " ms against a stopped agent");
            assertEquals("started", status.state());
            assertTrue(status.stateReason() != null && status.stateReason().startsWith("unresponsive"),
                    String.valueOf(status.stateReason()));

            t0 = System.nanoTime();
            assertEquals(1, pyro.listWorkspaces().workspaces().size());
            long listMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(listMs < 10_000, "list took " + listMs + " ms against a stopped agent");
        } finally {
            signal(agent, "CONT");
        }
        // it comes back: the next call works and the note goes
        assertEquals(0, pyro.execWorkspace(id, List.of("true"), null, 10).exitCode());
        assertNull(pyro.statusWorkspace(id).stateReason());
        pyro.deleteWorkspace(id);
    }

    @Test
    void item5_aFrameJustUnderTheLimitDoesNotKillTheSupervisor() throws Exception {
        Pyro forged = Pyro.create(new pyro.core.PyroConfig(state, state.resolve("cache"), null, "host-process", 8),
                new HostProcessBackend(ForgedAgent.class.getName()));
        var vm = forged.startVm(forged.createVm(HostProcessBackend.ENV, 1, 256, 600, false).vmId());
        try {
            for (int i = 0; i < 2; i++) {
                var r = forged.execVm(vm.vmId(), List.of("true"), 10);
                assertEquals(ForgedAgent.STDOUT_CHARS, r.stdout().length());
            }
            assertEquals("started", forged.statusVm(vm.vmId()).state());
            assertTrue(HostProcess.alive(store.paths(vm.vmId()).supervisorPid()), "the supervisor died");
        } finally {
            forged.deleteVm(vm.vmId());
        }
    }
}
