package pyro.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;

/** The unix-socket channel and shutdown in host-process mode. */
class ChannelHostProcessTest {
    @TempDir
    Path tmp;

    @Test
    void unixChannelServesConcurrentRequests() throws Exception {
        Path sock = tmp.resolve("agent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Process p = new ProcessBuilder(AgentProcess.command("--channel", "unix:" + sock, "--workspace-root", tmp.toString()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (SocketChannel ch = server.accept()) {
                DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch)));
                OutputStream out = Channels.newOutputStream(ch);
                assertEquals("hello", FrameCodec.read(in).type());
                FrameCodec.write(out, new Frame(Map.of("id", 1, "type", "exec", "argv", List.of("sleep", "2"))));
                FrameCodec.write(out, new Frame(Map.of("id", 2, "type", "ping")));
                long t0 = System.nanoTime();
                Frame first = FrameCodec.read(in);
                assertEquals(2L, first.id(), "ping must not wait for the exec");
                assertTrue(System.nanoTime() - t0 < Duration.ofMillis(1500).toNanos());
                Frame second = FrameCodec.read(in);
                assertEquals(1L, second.id());
                assertEquals("exec_result", second.type());
                FrameCodec.write(out, new Frame(Map.of("id", 3, "type", "shutdown")));
                assertEquals("shutdown_result", FrameCodec.read(in).type());
            } finally {
                assertTrue(p.waitFor(10, TimeUnit.SECONDS), "agent exits after shutdown in host-process mode");
                assertEquals(0, p.exitValue());
            }
        }
    }
}
