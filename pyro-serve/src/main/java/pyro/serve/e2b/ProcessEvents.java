package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The response stream of {@code process.Process/Start}: Connect envelopes of {@code StartResponse}
 * in proto3 JSON, {@code start} (the pid) first, then {@code data} (stdout or stderr bytes as
 * base64) as the guest prints, {@code keepalive} while it is quiet, then {@code end} (exit code and
 * status), and the end-of-stream envelope ({@code {}}, or the error). One lock orders writers.
 */
final class ProcessEvents {
    static final String CONTENT_TYPE = "application/connect+json";

    private final HttpExchange ex;
    private final OutputStream out;
    private boolean closed;

    ProcessEvents(HttpExchange ex) {
        this.ex = ex;
        this.out = ex.getResponseBody();
    }

    synchronized void open() throws IOException {
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        ex.sendResponseHeaders(200, 0);
    }

    synchronized void start(int pid) {
        event("start", Map.of("pid", pid));
    }

    synchronized void data(boolean stderr, byte[] chunk) {
        event("data", Map.of(stderr ? "stderr" : "stdout", Base64.getEncoder().encodeToString(chunk)));
    }

    synchronized void keepalive() {
        event("keepalive", Map.of());
    }

    synchronized void end(int exitCode, boolean exited, String status) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("exitCode", exitCode);
        e.put("exited", exited);
        e.put("status", status);
        event("end", e);
    }

    /** The last envelope: {@code {}} or {@code {"error":{code,message}}}; later writes are dropped. */
    synchronized void finish(E2bError error) {
        if (closed) {
            return;
        }
        write(Envelope.end(Wire.json(error == null ? Map.of() : Map.of("error", Wire.connectError(error)))));
        closed = true;
    }

    synchronized boolean closed() {
        return closed;
    }

    private void event(String kind, Map<String, Object> value) {
        if (!closed) {
            write(Envelope.message(Wire.json(Map.of("event", Map.of(kind, value)))));
        }
    }

    private void write(Envelope e) {
        try {
            out.write(e.encode());
            out.flush();
        } catch (IOException x) {
            closed = true;
            throw new UncheckedIOException(x); // the client went away
        }
    }
}
