package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.protocol.ErrorCode;

/**
 * Found by scripts/soak: a workspace whose supervisor was killed turned {@code failed} and no reset
 * brought it back (every reset said "has failed"), so the only way out was delete. A reset now boots
 * it afresh from its create-time files; one whose secrets lived only in the lost guest is refused in
 * words, since a fresh guest would run without them.
 */
class FailedWorkspaceResetHostProcessTest {
    static void killSupervisor(Path state, String id) throws Exception {
        long pid = Long.parseLong(Files.readString(state.resolve("instances").resolve(id).resolve("supervisor.pid")).strip());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    static String stateAfterASecond(Pyro pyro, String id) throws Exception {
        String[] st = {""};
        HostProcess.within(Duration.ofSeconds(20), () -> {
            try {
                pyro.execWorkspace(id, List.of("true"), null, 10);
            } catch (PyroException e) {
                // a dead supervisor fails the call, and marks the workspace failed
            }
            st[0] = pyro.statusWorkspace(id).state();
            return st[0].equals("failed");
        });
        return st[0];
    }

    @Test
    void aWorkspaceWhoseSupervisorWasKilledIsBroughtBackByAReset() throws Exception {
        Path state = HostProcess.stateDir("failed-reset");
        Pyro pyro = HostProcess.pyro(state);
        String id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        try {
            killSupervisor(state, id);
            assertEquals("failed", stateAfterASecond(pyro, id));
            assertEquals("started", pyro.resetWorkspace(id, null).state());
            assertEquals(0, pyro.execWorkspace(id, List.of("true"), null, 10).exitCode());
            assertEquals("started", pyro.statusWorkspace(id).state());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    @Test
    void aFailedWorkspaceWithSecretsIsRefusedInWordsAndLeftAsItWas() throws Exception {
        Path state = HostProcess.stateDir("failed-reset-secrets");
        Pyro pyro = HostProcess.pyro(state);
        String id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)
                .secret("API_TOKEN", "0123456789abcdef")).workspaceId();
        try {
            killSupervisor(state, id);
            assertEquals("failed", stateAfterASecond(pyro, id));
            PyroException e = assertThrows(PyroException.class, () -> pyro.resetWorkspace(id, null));
            assertEquals(ErrorCode.CONFLICT, e.code());
            assertTrue(e.getMessage().contains("secrets lived only in that guest's memory"), e.getMessage());
            assertEquals("failed", pyro.statusWorkspace(id).state());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }
}
