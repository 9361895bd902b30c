package pyro.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import pyro.core.PortConnection;
import pyro.protocol.ForwardWindow;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.Request;

/**
 * A {@link PortConnection} over a supervisor's socket: a {@link Request.PortConnect} relayed to the
 * agent, then {@code data} frames each way, the guest's acknowledged as they are read (so at most
 * {@link Messages#FORWARD_WINDOW} bytes wait here) and ours sent within the window the guest's
 * acknowledgements open, as the supervisor's own published ports do. A reader thread sorts the
 * incoming frames; the terminal reply (or an error, such as nothing listening) ends the input.
 */
public final class PortTunnel implements PortConnection {
    private static final byte[] END = new byte[0];
    private static final long ID = 1;

    private final SocketChannel channel;
    private final OutputStream raw;
    private final ForwardWindow toGuest = new ForwardWindow();
    private final LinkedBlockingQueue<byte[]> fromGuest = new LinkedBlockingQueue<>();
    private volatile String failure;
    private final InputStream input = new Input();
    private final OutputStream output = new Output();

    private PortTunnel(SocketChannel channel) {
        this.channel = channel;
        this.raw = Channels.newOutputStream(channel);
    }

    public static PortTunnel open(Path supervisorSocket, int guestPort) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(supervisorSocket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        PortTunnel t = new PortTunnel(ch);
        t.send(Messages.frame(ID, new Request.PortConnect(guestPort)));
        InputStream in = Channels.newInputStream(ch);
        Thread.ofVirtual().name("port-tunnel-" + guestPort).start(() -> t.readLoop(in));
        return t;
    }

    private void readLoop(InputStream in) {
        try {
            Frame f;
            while ((f = FrameCodec.read(in)) != null) {
                if (Messages.isData(f)) {
                    fromGuest.add(f.payload());
                } else if (Messages.isDataAck(f)) {
                    toGuest.ack(f.longValue("bytes", -1));
                } else if (Messages.isDataEnd(f)) {
                    fromGuest.add(END);
                } else {
                    if (Messages.isError(f)) {
                        failure = String.valueOf(f.header().get("message"));
                    }
                    break; // the terminal reply
                }
            }
        } catch (IOException e) {
            failure = "the connection to the guest was cut off: " + e.getMessage();
        } finally {
            toGuest.abort();
            fromGuest.add(END);
        }
    }

    private synchronized void send(Frame f) throws IOException {
        FrameCodec.write(raw, f);
        raw.flush();
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    /** Why the connection ended badly (nothing listening, the VM gone), or null. */
    public String failure() {
        return failure;
    }

    @Override
    public void close() throws IOException {
        toGuest.abort();
        try {
            send(Messages.dataAck(ID, -1));
        } catch (IOException ignored) {
            // the supervisor went first
        }
        channel.close();
    }

    private final class Input extends InputStream {
        private byte[] chunk;
        private int at;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (chunk == null || at == chunk.length) {
                if (ended) {
                    return -1;
                }
                try {
                    chunk = fromGuest.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted reading from the guest port");
                }
                at = 0;
                if (chunk == END) {
                    ended = true;
                    chunk = null;
                    if (failure != null) {
                        throw new IOException(failure);
                    }
                    return -1;
                }
                send(Messages.dataAck(ID, chunk.length)); // the guest may send as much again
            }
            int n = Math.min(len, chunk.length - at);
            System.arraycopy(chunk, at, b, off, n);
            at += n;
            return n;
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, Messages.FORWARD_CHUNK);
                try {
                    toGuest.acquire(n);
                } catch (IOException e) {
                    throw failure != null ? new IOException(failure, e) : e; // say why: nothing listens, the VM went
                }
                send(Messages.data(ID, Arrays.copyOfRange(b, off, off + n)));
                off += n;
                len -= n;
            }
        }

        /**
         * Nothing: the supervisor stops relaying acknowledgements after a half-close, so the output
         * stays open until the whole connection is closed.
         */
        @Override
        public void close() {
            // see above
        }
    }
}
