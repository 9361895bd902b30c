package pyro.core.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.ProtocolException;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * A client connection to a VM's supervisor socket. Requests other than the supervisor's own
 * ({@code status}, {@code stop}) are relayed to the guest agent; replies come back by request id.
 * One connection serves one caller at a time; open one per concurrent call.
 */
public final class SupervisorClient implements Closeable {
    public static final int CHUNK = 1 << 20;
    private static final AtomicLong IDS = new AtomicLong(1);
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    /** 0: no call in progress; otherwise the nano time after which the call has missed its deadline. */
    private volatile long deadline;
    private volatile long idleNanos;
    private volatile boolean timedOut;
    private volatile String current = "";
    private Thread watchdog;

    private SupervisorClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    /**
     * Starts the clock of one call: it must make progress (a frame from the peer, or room to write)
     * at least every {@code idle}; otherwise the connection is closed and the call fails with
     * {@link ErrorCode#TIMEOUT}. A guest that stops answering can never hang a caller.
     */
    private void arm(Request request, Duration idle) {
        current = Messages.typeName((Record) request);
        idleNanos = idle.toNanos();
        timedOut = false;
        deadline = System.nanoTime() + idleNanos;
        if (watchdog == null) {
            watchdog = Thread.ofVirtual().name("supervisor-client-deadline").start(this::watch);
        }
    }

    private void progress() {
        if (deadline != 0) {
            deadline = System.nanoTime() + idleNanos;
        }
    }

    private void disarm() {
        deadline = 0;
    }

    private void watch() {
        while (channel.isOpen()) {
            long d = deadline;
            if (d != 0 && System.nanoTime() - d > 0) {
                timedOut = true;
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing is all we wanted
                }
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A missed deadline as the error every face reports (exit 5, code timeout). */
    private IOException orTimeout(IOException e) {
        if (timedOut) {
            return new DeadlineMissed(current, Duration.ofNanos(idleNanos));
        }
        return e;
    }

    /** The peer made no progress on a call within its deadline. */
    public static final class DeadlineMissed extends IOException {
        private final String request;
        private final Duration limit;

        DeadlineMissed(String request, Duration limit) {
            super("no answer to " + request.replace('_', ' ') + " within " + limit.toSeconds() + " s");
            this.request = request;
            this.limit = limit;
        }

        public String request() {
            return request;
        }

        public Duration limit() {
            return limit;
        }
    }

    /** Connects, or throws IOException when no supervisor listens (it is gone). */
    public static SupervisorClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        return new SupervisorClient(ch);
    }

    /** Sends one request and returns its terminal reply, the type the request declares; errors become PyroExceptions. */
    public <R extends Reply> R call(Request<R> request) throws IOException {
        return call(request, Deadlines.of(request));
    }

    /** As {@link #call(Request)} with an explicit deadline (status reads use a short one). */
    public <R extends Reply> R call(Request<R> request, Duration deadline) throws IOException {
        return call(request, Messages.replyType(request), deadline);
    }

    /**
     * Sends a request followed by {@code data} as a stream of chunks, then returns the terminal reply.
     * The deadline applies to progress: every chunk written and the reply.
     */
    public <R extends Reply> R upload(Request<R> request, InputStream data) throws IOException {
        return upload(request, Messages.replyType(request), data);
    }

    /** Sends a request whose reply streams {@code data} frames into {@code sink}, then returns the terminal reply. */
    public <R extends Reply> R download(Request<R> request, OutputStream sink) throws IOException {
        return download(request, Messages.replyType(request), sink);
    }

    /**
     * Sends a request whose reply streams {@code data} frames, each handed whole to {@code frames} as it
     * arrives (a streamed exec's output), then returns the terminal reply.
     */
    public <R extends Reply> R stream(Request<R> request, java.util.function.Consumer<byte[]> frames)
            throws IOException {
        return stream(request, Messages.replyType(request), frames);
    }

    private <T extends Reply> T call(Request<?> request, Class<T> expected, Duration deadline) throws IOException {
        long id = IDS.getAndIncrement();
        arm(request, deadline);
        try {
            FrameCodec.write(out, Messages.frame(id, request));
            return decode(awaitTerminal(id, null), expected);
        } catch (IOException e) {
            throw orTimeout(e);
        } finally {
            disarm();
        }
    }

    /**
     * Sends a request followed by {@code data} as a stream of chunks, then returns the terminal reply.
     * The deadline applies to progress: every chunk written and the reply.
     */
    private <T extends Reply> T upload(Request<?> request, Class<T> expected, InputStream data) throws IOException {
        long id = IDS.getAndIncrement();
        arm(request, Deadlines.of(request));
        try {
            FrameCodec.write(out, Messages.frame(id, request));
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = data.readNBytes(buf, 0, buf.length)) > 0) {
                byte[] chunk = n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
                FrameCodec.write(out, Messages.data(id, chunk));
                progress();
            }
            FrameCodec.write(out, Messages.dataEnd(id));
            return decode(awaitTerminal(id, null), expected);
        } catch (IOException e) {
            throw orTimeout(e);
        } finally {
            disarm();
        }
    }

    /** Sends a request whose reply streams {@code data} frames into {@code sink}, then returns the terminal reply. */
    private <T extends Reply> T download(Request<?> request, Class<T> expected, OutputStream sink) throws IOException {
        long id = IDS.getAndIncrement();
        arm(request, Deadlines.of(request));
        try {
            FrameCodec.write(out, Messages.frame(id, request));
            return decode(awaitTerminal(id, sink), expected);
        } catch (IOException e) {
            throw orTimeout(e);
        } finally {
            disarm();
        }
    }

    /**
     * Sends a request whose reply streams {@code data} frames, each handed whole to {@code frames} as it
     * arrives (a streamed exec's output), then returns the terminal reply.
     */
    private <T extends Reply> T stream(Request<?> request, Class<T> expected, java.util.function.Consumer<byte[]> frames)
            throws IOException {
        OutputStream perFrame = new OutputStream() {
            @Override
            public void write(int b) {
                frames.accept(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
                frames.accept(java.util.Arrays.copyOfRange(b, off, off + len));
            }
        };
        return download(request, expected, perFrame);
    }

    private static <T extends Reply> T decode(Frame f, Class<T> expected) {
        try {
            return Messages.reply(f, expected);
        } catch (ProtocolException e) {
            throw PyroException.guest("the guest agent sent a malformed reply: " + e.getMessage() + ".");
        }
    }

    private Frame awaitTerminal(long id, OutputStream sink) throws IOException {
        while (true) {
            Frame f = FrameCodec.read(in);
            progress();
            if (f == null) {
                throw new IOException("the VM's supervisor closed the connection");
            }
            if (f.id() != id) {
                continue;
            }
            if (Messages.isData(f)) {
                if (sink != null) {
                    sink.write(f.payload());
                }
            } else if (Messages.isError(f)) {
                throw toException(f);
            } else if (!Messages.isDataEnd(f)) {
                return f;
            }
        }
    }

    /** An {@code error} frame as the exception every face reports; the code is mapped with {@link ErrorCode#fromWire}. */
    public static PyroException toException(Frame f) {
        try {
            Reply.Error e = Messages.reply(f, Reply.Error.class);
            ErrorCode code = e.code() == null ? ErrorCode.GUEST_FAILURE : e.code();
            return new PyroException(code, String.valueOf(e.message()));
        } catch (ProtocolException bad) {
            return PyroException.guest("the guest agent sent a malformed error: " + bad.getMessage() + ".");
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a dead connection
        }
    }
}
