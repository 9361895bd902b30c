package pyro.serve.e2b;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import pyro.core.PortConnection;

/**
 * {@code getHost(port)}: plain HTTP/1.1 to a port on the sandbox's loopback, for a request that
 * carries {@code E2b-Sandbox-Port: PORT} (with {@code E2b-Sandbox-Id}) or the Host
 * {@code PORT-SANDBOXID.<anything>} ({@code 8000-ws3fa2c1d0e9b8.localhost:7878}). The request goes
 * through {@link pyro.core.Pyro#connectWorkspacePort} (the agent channel published ports use) with
 * {@code Connection: close}; the answer comes back as it arrives, status and headers as the guest
 * sent them (hop-by-hop headers dropped). As on E2B, these routes need no key: the sandbox id is the
 * capability. Nothing listening is E2B's 502. No WebSocket (no upgrade is relayed).
 */
final class SandboxPorts {
    static final Pattern HOST = Pattern.compile("^(\\d{1,5})-([a-z0-9]+)\\..*");
    static final int MAX_REQUEST_BODY = 64 << 20;
    static final int MAX_HEAD = 64 << 10;
    private static final Set<String> HOP = Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding",
            "te", "trailer", "upgrade", "content-length", "proxy-authenticate", "proxy-authorization");

    private final Sandboxes sandboxes;

    SandboxPorts(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    /** {port, sandboxId} from the Host header, or null when it is not a sandbox port's. */
    static String[] fromHost(String host) {
        if (host == null) {
            return null;
        }
        Matcher m = HOST.matcher(host.toLowerCase(Locale.ROOT));
        return m.matches() ? new String[] {m.group(1), m.group(2)} : null;
    }

    static int port(String text) {
        try {
            int p = Integer.parseInt(text.strip());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw E2bError.invalid("port '" + text + "' is not a port number (1 to 65535)");
    }

    int proxy(HttpExchange ex, String sid, int port) throws IOException {
        String ws = sandboxes.running(sid);
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = Wire.readBounded(in, MAX_REQUEST_BODY, "the request body");
        }
        try (PortConnection c = sandboxes.pyro().connectWorkspacePort(ws, port)) {
            InputStream down = c.input();
            Response r;
            try {
                OutputStream up = c.output();
                up.write(head(ex, body.length));
                up.write(body);
                up.flush();
                r = Response.read(down);
            } catch (IOException e) { // the guest's side: nothing listens, or it closed without an answer
                throw new E2bError(502, "unavailable", "the sandbox " + sid + " is running but nothing answered on port "
                        + port + ": " + e.getMessage());
            }
            r.headers.forEach((k, vs) -> {
                if (!HOP.contains(k.toLowerCase(Locale.ROOT))) {
                    ex.getResponseHeaders().put(k, vs);
                }
            });
            boolean empty = ex.getRequestMethod().equals("HEAD") || r.status == 204 || r.status == 304;
            long length = empty ? -1 : r.chunked ? 0 : r.length >= 0 ? (r.length == 0 ? -1 : r.length) : 0;
            ex.sendResponseHeaders(r.status, length);
            try (OutputStream out = ex.getResponseBody()) {
                if (!empty) {
                    if (r.chunked) {
                        copyChunked(down, out);
                    } else if (r.length >= 0) {
                        copy(down, out, r.length);
                    } else {
                        copy(down, out, Long.MAX_VALUE);
                    }
                }
            }
            return r.status;
        }
    }

    /** The request line and headers for the guest: the client's, less hop-by-hop and E2B's own, plus close. */
    static byte[] head(HttpExchange ex, int bodyLength) {
        StringBuilder sb = new StringBuilder();
        sb.append(ex.getRequestMethod()).append(' ').append(ex.getRequestURI().getRawPath());
        if (ex.getRequestURI().getRawQuery() != null) {
            sb.append('?').append(ex.getRequestURI().getRawQuery());
        }
        sb.append(" HTTP/1.1\r\n");
        Headers h = ex.getRequestHeaders();
        for (Map.Entry<String, List<String>> e : h.entrySet()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (HOP.contains(k) || k.startsWith("e2b-") || k.equals("x-access-token")) {
                continue;
            }
            for (String v : e.getValue()) {
                sb.append(e.getKey()).append(": ").append(v).append("\r\n");
            }
        }
        if (bodyLength > 0 || List.of("POST", "PUT", "PATCH").contains(ex.getRequestMethod())) {
            sb.append("Content-Length: ").append(bodyLength).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The guest's status line and headers. */
    record Response(int status, Headers headers, boolean chunked, long length) {
        static Response read(InputStream in) throws IOException {
            List<String> lines = new java.util.ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int total = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("the connection closed before an HTTP answer");
                }
                if (++total > MAX_HEAD) {
                    throw new IOException("the answer's headers are over " + MAX_HEAD + " bytes");
                }
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.ISO_8859_1).stripTrailing();
                    line.reset();
                    if (s.isEmpty()) {
                        if (lines.isEmpty()) {
                            continue;
                        }
                        break;
                    }
                    lines.add(s);
                } else {
                    line.write(b);
                }
            }
            String[] status = lines.getFirst().split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x answer: " + lines.getFirst());
            }
            int code = Integer.parseInt(status[1]);
            Headers h = new Headers();
            for (String l : lines.subList(1, lines.size())) {
                int colon = l.indexOf(':');
                if (colon > 0) {
                    h.add(l.substring(0, colon).strip(), l.substring(colon + 1).strip());
                }
            }
            boolean chunked = String.valueOf(h.getFirst("Transfer-Encoding")).toLowerCase(Locale.ROOT).contains("chunked");
            long length = -1;
            if (!chunked && h.getFirst("Content-Length") != null) {
                length = Long.parseLong(h.getFirst("Content-Length").strip());
            }
            return new Response(code, h, chunked, length);
        }
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[64 << 10];
        while (n > 0) {
            int k = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (k < 0) {
                return;
            }
            out.write(buf, 0, k);
            out.flush();
            n -= k;
        }
    }

    /** The chunks' bytes (the server's own chunking goes out to the client instead). */
    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String size = readLine(in);
            int semi = size.indexOf(';');
            long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
            if (n == 0) {
                return;
            }
            copy(in, out, n);
            readLine(in); // the CRLF after the chunk
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        if (c < 0 && b.size() == 0) {
            throw new EOFException("the chunked answer ended early");
        }
        return b.toString(StandardCharsets.ISO_8859_1).strip();
    }
}
