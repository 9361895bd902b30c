package pyro.host;

import java.nio.file.Path;
import pyro.core.Pyro;
import pyro.core.PyroConfig;

/**
 * A pyro client in a process of its own that saves a workspace's machine ({@code snapshot NAME} or
 * {@code stop}) and then sleeps, so a test can kill it with SIGKILL in the middle of the save
 * (args: state dir, workspace id, operation, [name]).
 */
public final class SaveThenWait {
    private SaveThenWait() {}

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Pyro pyro = Pyro.create(new PyroConfig(state, state.resolve("cache"), null, "host-process", 8),
                new HostProcessBackend());
        if (args[2].equals("stop")) {
            pyro.stopWorkspace(args[1]);
        } else {
            pyro.createSnapshot(args[1], args[3]);
        }
        Thread.sleep(600_000);
    }
}
