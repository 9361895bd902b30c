package pyro.host;

import java.nio.file.Path;
import pyro.core.Pyro;
import pyro.core.PyroConfig;
import pyro.core.WorkspaceOptions;

/**
 * A pyro client in a process of its own that creates a workspace and then sleeps, so a test can
 * kill it with SIGKILL in the middle of a create (args: state dir, seed folder).
 */
public final class CreateThenWait {
    private CreateThenWait() {}

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Pyro pyro = Pyro.create(new PyroConfig(state, state.resolve("cache"), null, "host-process", 8),
                new HostProcessBackend());
        pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256).seed(Path.of(args[1])));
        Thread.sleep(600_000);
    }
}
