package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.Reply;

/**
 * The host side of hybrid vsock against a stand-in for the VMM's vsock socket (a real unix socket in
 * this process playing what Firecracker and vhost-device-vsock do): refused handshakes are retried
 * while the guest boots, the byte after the OK line belongs to the framed protocol, and a wrong
 * answer, a dead VMM or a guest that never listens fail with a sentence that says which. The same
 * handshake against the real vhost-device-vsock and a real guest is in the guest suite.
 */
class HybridVsockStandInTest {
    @TempDir
    Path dir;

    private final List<Thread> threads = new ArrayList<>();
    private ServerSocketChannel server;

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
        threads.forEach(Thread::interrupt);
    }

    /** Serves the stand-in: each connection gets {@code answer.apply(attempt)}, or is closed when that is null. */
    private Path standIn(java.util.function.IntFunction<String> answer, AtomicInteger attempts, List<String> lines)
            throws IOException {
        Path sock = dir.resolve("vm.vsock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        threads.add(Thread.ofPlatform().daemon().start(() -> {
            while (server.isOpen()) {
                try (SocketChannel c = server.accept()) {
                    InputStream in = Channels.newInputStream(c);
                    StringBuilder line = new StringBuilder();
                    int b;
                    while ((b = in.read()) >= 0 && b != '\n') {
                        line.append((char) b);
                    }
                    lines.add(line.toString());
                    String a = answer.apply(attempts.incrementAndGet());
                    if (a == null) {
                        continue; // like a VMM whose guest has no listener yet: close
                    }
                    OutputStream out = Channels.newOutputStream(c);
                    out.write(a.getBytes(StandardCharsets.US_ASCII));
                    // the guest agent's hello follows the OK line at once, in the same write
                    FrameCodec.write(out, Messages.frame(0, new Reply.Hello(1L, "stand-in", "6.1", 5L)));
                    out.flush();
                    Frame echo = FrameCodec.read(new java.io.DataInputStream(in));
                    if (echo != null) {
                        FrameCodec.write(out, echo);
                        out.flush();
                    }
                    in.read(); // hold the connection until the host closes it
                } catch (IOException e) {
                    if (!server.isOpen()) {
                        return;
                    }
                }
            }
        }));
        return sock;
    }

    @Test
    void retriesWhileTheGuestHasNoListenerThenSpeaksFramesRightAfterTheOkLine() throws IOException {
        AtomicInteger attempts = new AtomicInteger();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Path sock = standIn(n -> n < 4 ? null : "OK 1073741824\n", attempts, lines);
        try (SocketChannel sc = HybridVsock.connect(sock, 52, 10_000, () -> true, () -> "dead")) {
            InputStream in = new java.io.DataInputStream(Channels.newInputStream(sc));
            Frame hello = FrameCodec.read(in);
            assertTrue(Messages.isHello(hello), "first frame after OK: " + hello);
            OutputStream out = Channels.newOutputStream(sc);
            FrameCodec.write(out, Messages.frame(7, new Reply.Pong("x")));
            out.flush();
            assertEquals(7, FrameCodec.read(in).id());
        }
        assertEquals(4, attempts.get(), "three refused handshakes, then the one that was answered");
        assertEquals(List.of("CONNECT 52", "CONNECT 52", "CONNECT 52", "CONNECT 52"), lines);
    }

    @Test
    void aWrongAnswerFailsAtOnceQuotingIt() throws IOException {
        AtomicInteger attempts = new AtomicInteger();
        Path sock = standIn(n -> "NOPE\n", attempts, new java.util.concurrent.CopyOnWriteArrayList<>());
        IOException e = assertThrows(HybridVsock.HandshakeException.class,
                () -> HybridVsock.connect(sock, 52, 10_000, () -> true, () -> "dead"));
        assertTrue(e.getMessage().contains("'NOPE'") && e.getMessage().contains("CONNECT 52"), e.getMessage());
        assertEquals(1, attempts.get());
    }

    @Test
    void aGuestThatNeverListensTimesOutNamingThePortAndTheLastTry() throws IOException {
        Path sock = standIn(n -> null, new AtomicInteger(), new java.util.concurrent.CopyOnWriteArrayList<>());
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> HybridVsock.connect(sock, 52, 400, () -> true, () -> "dead"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 400 && ms < 5_000, "gave up after " + ms + " ms");
        assertTrue(e.getMessage().contains("port 52") && e.getMessage().contains("nothing listens"), e.getMessage());
    }

    @Test
    void aMissingSocketIsRetriedAndADeadVmmEndsTheWaitWithItsOwnSentence() {
        Path sock = dir.resolve("never.vsock");
        AtomicInteger asked = new AtomicInteger();
        IOException e = assertThrows(IOException.class, () -> HybridVsock.connect(sock, 52, 10_000,
                () -> asked.incrementAndGet() < 3, () -> "the VM exited during boot (status 1)"));
        assertEquals("the VM exited during boot (status 1)", e.getMessage());
        assertEquals(3, asked.get());
    }

    @Test
    void aPortOfZeroIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HybridVsock.connect(dir.resolve("x"), 0, 100, null, null));
        assertTrue(e.getMessage().contains("not 0"), e.getMessage());
    }
}
