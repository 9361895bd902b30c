package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The response stream of {@code process.Process/Start}: Connect envelopes of {@code StartResponse}
 * in proto3 JSON, {@code start} (the pid) first, then {@code data} (stdout or stderr bytes as
 * base64) as the guest prints, {@code keepalive} while it is quiet, then {@code end} (exit code and
 * status), and the end-of-stream envelope ({@code {}}, or the error). One lock orders writers.
 * {@code process.Process/Connect} and {@code filesystem.Filesystem/WatchDir} streams share the
 * framing. The stream is closed once it has finished or its client went away ({@link #awaitClosed}).
 */
final class ProcessEvents {
    static final String CONTENT_TYPE = "application/connect+json";

    private final HttpExchange ex;
    private final OutputStream out;
    private boolean closed;
    private boolean started;
    private final CountDownLatch done = new CountDownLatch(1);

    private final boolean nested;

    /** A process stream: each message is {@code {"event": {KIND: ...}}} (StartResponse, ConnectResponse). */
    ProcessEvents(HttpExchange ex) {
        this(ex, true);
    }

    /** {@code nested} false: each message is {@code {KIND: ...}} itself (WatchDirResponse's oneof). */
    ProcessEvents(HttpExchange ex, boolean nested) {
        this.ex = ex;
        this.out = ex.getResponseBody();
        this.nested = nested;
    }

    synchronized void open() throws IOException {
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        ex.sendResponseHeaders(200, 0);
    }

    synchronized void start(int pid) {
        started = true;
        event("start", Map.of("pid", pid));
    }

    /** A WatchDir stream's first message: {@code {"start":{}}}. */
    synchronized void startWatch() {
        started = true;
        event("start", Map.of());
    }

    synchronized void data(boolean stderr, byte[] chunk) {
        event("data", Map.of(stderr ? "stderr" : "stdout", Base64.getEncoder().encodeToString(chunk)));
    }

    /** A keepalive, once the stream has started (its first message must be the start event). */
    synchronized void keepalive() {
        if (started) {
            event("keepalive", Map.of());
        }
    }

    synchronized void end(int exitCode, boolean exited, String status) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("exitCode", exitCode);
        e.put("exited", exited);
        e.put("status", status);
        if (exitCode != 0 || !exited) {
            e.put("error", status); // as envd's: the wait's error, "exit status 3" or "signal: killed"
        }
        event("end", e);
    }

    /** The last envelope: {@code {}} or {@code {"error":{code,message}}}; later writes are dropped. */
    synchronized void finish(E2bError error) {
        if (closed) {
            return;
        }
        try {
            write(Envelope.end(Wire.json(error == null ? Map.of() : Map.of("error", Wire.connectError(error)))));
        } catch (UncheckedIOException gone) {
            // the client went away first: nothing to tell it
        }
        close();
    }

    /** Ends a stream that could not finish: further writes are dropped and its waiter wakes. */
    synchronized void close() {
        closed = true;
        done.countDown();
    }

    /** Waits until the stream has finished or its client went away; false when {@code ms} passed first. */
    boolean awaitClosed(long ms) throws InterruptedException {
        return done.await(ms, TimeUnit.MILLISECONDS);
    }

    /** A watch event: {@code {"filesystem":{name, type}}}. */
    synchronized void filesystem(String name, String type) {
        event("filesystem", Map.of("name", name, "type", type));
    }

    synchronized boolean closed() {
        return closed;
    }

    private void event(String kind, Map<String, Object> value) {
        if (!closed) {
            Map<String, Object> message = Map.of(kind, value);
            write(Envelope.message(Wire.json(nested ? Map.of("event", message) : message)));
        }
    }

    private void write(Envelope e) {
        try {
            out.write(e.encode());
            out.flush();
        } catch (IOException x) {
            close();
            throw new UncheckedIOException(x); // the client went away
        }
    }
}
