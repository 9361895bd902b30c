package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.protocol.ErrorCode;

/**
 * Issue 23 row 4: a truncated {@code memory.bin} made a reset fail half-way ("agent channel broke"),
 * the workspace turned {@code failed}, and a reset to a good snapshot was refused after. Now the
 * damaged snapshot is refused by name before anything is touched, the workspace runs on, and the
 * good snapshot still resets it. In a real guest.
 */
class DamagedSnapshotGuestTest {
    @Test
    void oneBadSnapshotLosesThemAllNoLonger() throws Exception {
        Guests.requireGuests();
        Path state = Guests.newStateDir("damaged");
        Pyro pyro = Guests.sdk(state);
        String id = pyro.createWorkspace(WorkspaceOptions.of(Guests.ENV)).workspaceId();
        try {
            pyro.execWorkspace(id, "echo good > mark.txt", null, 30);
            pyro.createSnapshot(id, "good");
            pyro.execWorkspace(id, "echo bad > mark.txt", null, 30);
            pyro.createSnapshot(id, "bad");
            Path memory = state.resolve("instances").resolve(id).resolve("snapshots/bad/memory.bin");
            try (FileChannel ch = FileChannel.open(memory, StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() / 2);
            }
            PyroException e = assertThrows(PyroException.class, () -> pyro.resetWorkspace(id, "bad"));
            assertEquals(ErrorCode.CONFLICT, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("snapshot 'bad'") && e.getMessage().contains("damaged"), e.getMessage());
            assertEquals("started", pyro.statusWorkspace(id).state(), "the workspace runs on");
            assertEquals("bad\n", pyro.execWorkspace(id, "cat mark.txt", null, 30).stdout());
            pyro.resetWorkspace(id, "good");
            assertEquals("good\n", pyro.execWorkspace(id, "cat mark.txt", null, 30).stdout());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }
}
