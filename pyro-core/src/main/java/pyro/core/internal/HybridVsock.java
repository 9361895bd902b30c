package pyro.core.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The host side of hybrid vsock, the protocol Firecracker serves on its vsock unix socket (and
 * vhost-device-vsock on its {@code --uds-path}): connect to the unix socket, write
 * {@code CONNECT <port>\n}, read {@code OK <n>\n}; from then on the connection is a byte stream to
 * the guest's listener on that vsock port. When nothing listens in the guest yet (it is still
 * booting) the VMM closes the connection instead of answering, so {@link #connect} retries until its
 * deadline. No AF_VSOCK socket is opened on the host: the host reaches guests only through unix
 * sockets.
 */
public final class HybridVsock {
    /** How long one handshake may wait for its answer before it is abandoned and tried again. */
    static final long ATTEMPT_MS = 3_000;
    private static final int MAX_REPLY = 64;

    private HybridVsock() {}

    /** A handshake the VMM answered with something other than {@code OK <n>}: not worth retrying. */
    public static final class HandshakeException extends IOException {
        HandshakeException(String message) {
            super(message);
        }
    }

    /**
     * Connects to the guest's vsock {@code port} through the VMM's unix socket {@code socket}, retrying
     * until {@code timeoutMs} passed. Between tries {@code alive} is asked whether the VMM still runs
     * (null: don't ask); when it answers false the connect fails at once with {@code died}'s sentence.
     * The returned channel is blocking and positioned right after the {@code OK} line.
     */
    public static SocketChannel connect(Path socket, int port, long timeoutMs, Supplier<Boolean> alive,
            Supplier<String> died) throws IOException {
        if (port <= 0) {
            throw new IllegalArgumentException("a vsock port must be above 0, not " + port);
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        String last = "the socket " + socket + " did not appear";
        long sleepMs = 5;
        while (true) {
            if (alive != null && !alive.get()) {
                throw new IOException(died.get());
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("the guest agent did not accept a vsock connection on port " + port + " through "
                        + socket + " within " + timeoutMs + " ms (last try: " + last + ")");
            }
            SocketChannel sc = null;
            try {
                sc = SocketChannel.open(StandardProtocolFamily.UNIX);
                sc.connect(UnixDomainSocketAddress.of(socket));
                String reply = handshake(sc, port, Math.min(left, ATTEMPT_MS));
                if (reply == null) {
                    last = "the VMM closed the connection: nothing listens on vsock port " + port + " yet";
                } else if (reply.matches("OK [0-9]+")) {
                    sc.configureBlocking(true);
                    return sc;
                } else {
                    throw new HandshakeException("the VMM answered 'CONNECT " + port + "' on " + socket + " with '"
                            + reply + "' instead of 'OK <port>'");
                }
            } catch (HandshakeException e) {
                close(sc);
                throw e;
            } catch (IOException e) {
                last = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            close(sc);
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while connecting to the guest's vsock port " + port);
            }
            sleepMs = Math.min(100, sleepMs * 2);
        }
    }

    /**
     * Writes the CONNECT line and reads the answer line, byte by byte so nothing after it is consumed.
     * Null when the peer closed first; an IOException when it did not answer within {@code ms}.
     */
    static String handshake(SocketChannel sc, int port, long ms) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            sc.write(out);
        }
        sc.configureBlocking(false);
        long deadline = System.nanoTime() + ms * 1_000_000;
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        try (Selector sel = Selector.open()) {
            sc.register(sel, SelectionKey.OP_READ);
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("no answer to 'CONNECT " + port + "' within " + ms + " ms");
                }
                sel.select(left);
                sel.selectedKeys().clear();
                int n;
                while ((n = sc.read(one.clear())) > 0) {
                    char c = (char) (one.get(0) & 0xff);
                    if (c == '\n') {
                        sc.keyFor(sel).cancel();
                        sel.selectNow();
                        return line.toString().strip();
                    }
                    line.append(c);
                    if (line.length() > MAX_REPLY) {
                        throw new HandshakeException("the VMM's answer to 'CONNECT " + port + "' is not a line: '"
                                + line + "...'");
                    }
                }
                if (n < 0) {
                    return line.isEmpty() ? null : line.toString().strip();
                }
            }
        }
    }

    private static void close(SocketChannel sc) {
        if (sc != null) {
            try {
                sc.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
