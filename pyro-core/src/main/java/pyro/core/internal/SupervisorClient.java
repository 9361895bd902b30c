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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import pyro.core.ErrorCode;
import pyro.core.PyroException;
import pyro.core.protocol.Frame;
import pyro.core.protocol.FrameCodec;

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

    private SupervisorClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    /** Connects, or throws IOException when no supervisor listens (it is gone). */
    public static SupervisorClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        return new SupervisorClient(ch);
    }

    private Map<String, Object> header(String type, Map<String, Object> fields, long id) {
        Map<String, Object> h = new LinkedHashMap<>(fields);
        h.put("id", id);
        h.put("type", type);
        return h;
    }

    /** Sends one request and returns its terminal reply; error replies become PyroExceptions. */
    public Frame call(String type, Map<String, Object> fields) throws IOException {
        long id = IDS.getAndIncrement();
        FrameCodec.write(out, new Frame(header(type, fields, id)));
        return awaitTerminal(id, null);
    }

    /** Sends a request followed by {@code data} as a stream of chunks, then returns the terminal reply. */
    public Frame upload(String type, Map<String, Object> fields, InputStream data) throws IOException {
        long id = IDS.getAndIncrement();
        FrameCodec.write(out, new Frame(header(type, fields, id)));
        byte[] buf = new byte[CHUNK];
        int n;
        while ((n = data.readNBytes(buf, 0, buf.length)) > 0) {
            byte[] chunk = n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
            FrameCodec.write(out, new Frame(Map.of("id", id, "type", "data"), chunk));
        }
        FrameCodec.write(out, new Frame(Map.of("id", id, "type", "data_end")));
        return awaitTerminal(id, null);
    }

    /** Sends a request whose reply streams {@code data} frames into {@code sink}, then returns the terminal reply. */
    public Frame download(String type, Map<String, Object> fields, OutputStream sink) throws IOException {
        long id = IDS.getAndIncrement();
        FrameCodec.write(out, new Frame(header(type, fields, id)));
        return awaitTerminal(id, sink);
    }

    private Frame awaitTerminal(long id, OutputStream sink) throws IOException {
        while (true) {
            Frame f = FrameCodec.read(in);
            if (f == null) {
                throw new IOException("the VM's supervisor closed the connection");
            }
            if (f.id() != id) {
                continue;
            }
            switch (f.type()) {
                case "data" -> {
                    if (sink != null) {
                        sink.write(f.payload());
                    }
                }
                case "data_end" -> {}
                case "error" -> throw toException(f);
                default -> {
                    return f;
                }
            }
        }
    }

    public static PyroException toException(Frame f) {
        String code = String.valueOf(f.string("code"));
        ErrorCode ec = switch (code) {
            case "invalid_input" -> ErrorCode.INVALID_INPUT;
            case "not_found" -> ErrorCode.NOT_FOUND;
            case "timeout" -> ErrorCode.TIMEOUT;
            case "conflict" -> ErrorCode.CONFLICT;
            default -> ErrorCode.GUEST_FAILURE;
        };
        return new PyroException(ec, String.valueOf(f.string("message")));
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
