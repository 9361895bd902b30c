package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.WorkspaceOptions;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.Request;

/**
 * A client of a VM's supervisor that asks for megabytes of replies and never reads them (a stuck
 * MCP host, a suspended process) must not hold up the other clients: the supervisor queues its
 * replies and drops it past a limit, while its agent channel keeps serving everyone else.
 */
class SlowClientHostProcessTest {
    @Test
    void aClientThatNeverReadsDoesNotStallTheOthers() throws Exception {
        Path state = HostProcess.stateDir("slow");
        Pyro pyro = HostProcess.pyro(state);
        String ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        try (SocketChannel stuck = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            stuck.connect(UnixDomainSocketAddress.of(state.resolve("instances").resolve(ws).resolve("supervisor.sock")));
            OutputStream out = Channels.newOutputStream(stuck);
            for (int i = 1; i <= 48; i++) {
                // about 1 MB of output each, 48 MB in all: far more than any socket buffer holds
                FrameCodec.write(out, Messages.frame(i, new Request.Exec(
                        List.of("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' a"), null, Map.of(), 60_000L, null)));
            }
            // nothing is ever read from 'stuck'; another client's calls must still be answered promptly
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int i = 0; i < 5; i++) {
                    assertEquals("ok\n", pyro.execWorkspace(ws, "echo ok", null, 30).stdout());
                }
            });
        } finally {
            pyro.deleteWorkspace(ws);
        }
    }
}
