package pyro.core.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client over a unix socket, for VMM APIs such as Firecracker's: one request per
 * connection, a JSON body or none, the answer read by its {@code Content-Length} (or to the end of
 * the connection when it has none), everything within a deadline. The JDK's own HttpClient cannot
 * speak over unix sockets.
 */
public final class UnixHttp {
    private static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_BODY = 4 * 1024 * 1024;

    private UnixHttp() {}

    /** A VMM's answer. */
    public record Response(int status, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** Sends one request and reads its answer within {@code timeoutMs}. */
    public static Response call(Path socket, String method, String path, String body, long timeoutMs)
            throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("Accept: application/json\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
        }
        head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        try (SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector sel = Selector.open()) {
            sc.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.allocate(head.length() + content.length);
            out.put(head.toString().getBytes(StandardCharsets.US_ASCII)).put(content).flip();
            while (out.hasRemaining()) {
                sc.write(out);
            }
            sc.configureBlocking(false);
            sc.register(sel, SelectionKey.OP_READ);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            int headEnd = -1;
            long contentLength = -1;
            int status = -1;
            while (true) {
                if (headEnd >= 0 && contentLength >= 0 && got.size() - headEnd >= contentLength) {
                    break;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException(method + " " + path + " on " + socket + " got no complete answer within "
                            + timeoutMs + " ms");
                }
                sel.select(left);
                sel.selectedKeys().clear();
                int n = sc.read(buf.clear());
                if (n < 0) {
                    if (headEnd >= 0 && contentLength < 0) {
                        break; // no Content-Length: the body is what came before the end
                    }
                    throw new IOException(method + " " + path + " on " + socket + ": the connection closed before the"
                            + " answer was complete");
                }
                got.write(buf.array(), 0, n);
                if (headEnd < 0) {
                    byte[] all = got.toByteArray();
                    headEnd = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (headEnd < 0) {
                        if (all.length > MAX_HEAD) {
                            throw new IOException(method + " " + path + ": the answer's head is over " + MAX_HEAD + " bytes");
                        }
                        continue;
                    }
                    String[] lines = new String(all, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
                    headEnd += 4;
                    status = parseStatus(lines[0], method, path);
                    for (int i = 1; i < lines.length; i++) {
                        int colon = lines[i].indexOf(':');
                        if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                            contentLength = Long.parseLong(lines[i].substring(colon + 1).trim());
                        }
                    }
                    if (contentLength < 0 && (status == 204 || status == 304 || status < 200)) {
                        contentLength = 0;
                    }
                    if (contentLength > MAX_BODY) {
                        throw new IOException(method + " " + path + ": an answer of " + contentLength + " bytes is too long");
                    }
                }
            }
            byte[] all = got.toByteArray();
            int len = contentLength >= 0 ? (int) contentLength : all.length - headEnd;
            return new Response(status, new String(all, headEnd, len, StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            throw new IOException(method + " " + path + " on " + socket + ": a malformed answer (" + e.getMessage() + ")");
        }
    }

    static int parseStatus(String line, String method, String path) throws IOException {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
            throw new IOException(method + " " + path + ": the answer's status line is '" + line + "', not HTTP/1.x");
        }
        return Integer.parseInt(parts[1]);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
