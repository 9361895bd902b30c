package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Stands between this process's stdio and the SDK's {@code StdioServerTransportProvider}, which has two
 * failure modes that make a server deaf for good:
 *
 * <ul>
 *   <li>Its reader thread ({@code StdioMcpSessionTransport.startInboundProcessing}) leaves its read loop
 *       at the first line {@code McpSchema.deserializeJsonRpcMessage} throws on (not JSON, {@code null},
 *       an array, an object that is neither request nor response, a line over its size limit), closes the
 *       session and never reads stdin again, without answering that line or any later one.
 *   <li>It closes the session as soon as it reads end of input and drops replies still being computed.
 * </ul>
 *
 * <p>So stdin is read here, by a thread of our own: each line is judged by {@link LineCheck}; a bad one is
 * answered here with a JSON-RPC error and only well-formed JSON-RPC objects are passed on to the SDK
 * through an in-memory pipe. End of stdin is seen here whatever the SDK does: the end is held back until
 * every request passed on has been answered (a tool call may run for minutes; other requests get a few
 * seconds), then the pipe is closed and {@code onEnd} signalled.
 *
 * <p>Replies are checked on the way out too: an SDK error reply whose text would show Java internals
 * (its -32603 replies carry exception messages and class names) is rewritten to one plain sentence, and
 * the original goes to the log on stderr.
 */
final class StdioGuard {
    /** The longest line read; longer ones are answered with -32600 and skipped. */
    static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    private static final long GRACE_MS = 5_000;
    private static final int INTERNAL_ERROR = -32603;
    private static final Pattern LEAKS = Pattern.compile(
            "Exception|Cannot invoke|\\tat |\\$[A-Z]|\\b(?:java|javax|jdk|sun|tools|com|org|io|reactor)\\.[a-z]\\w*\\.");

    private final LineCheck check;
    private final IntSupplier toolCallsRunning;
    private final Runnable onEnd;
    /** Request id (as JSON text) to method, for every request passed on and not yet answered. */
    private final Map<String, String> pending = new ConcurrentHashMap<>();
    /** Request ids the client cancelled whose replies must not be written. */
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final java.util.function.Consumer<String> onCancel;
    private Output output;

    StdioGuard(McpJsonMapper mapper, Set<String> toolNames, IntSupplier toolCallsRunning, Runnable onEnd) {
        this(mapper, toolNames, toolCallsRunning, onEnd, id -> {});
    }

    /** {@code onCancel} is told the request id (JSON text) of each pending request the client cancels. */
    StdioGuard(McpJsonMapper mapper, Set<String> toolNames, IntSupplier toolCallsRunning, Runnable onEnd,
            java.util.function.Consumer<String> onCancel) {
        this.check = new LineCheck(mapper, toolNames);
        this.toolCallsRunning = toolCallsRunning;
        this.onEnd = onEnd;
        this.onCancel = onCancel;
    }

    private static Logger log() {
        return LoggerFactory.getLogger(StdioGuard.class);
    }

    /** The stream the SDK writes replies to; call before {@link #input}. */
    synchronized OutputStream output(OutputStream out) {
        output = new Output(out);
        return output;
    }

    /** Starts reading {@code in}; returns the stream the SDK reads checked lines from. */
    synchronized InputStream input(InputStream in) {
        if (output == null) {
            throw new IllegalStateException("output(...) first: bad lines are answered on it");
        }
        Pipe pipe = new Pipe();
        Thread.ofPlatform().name("pyro-mcp-stdin").daemon().start(() -> pump(in, pipe));
        return pipe;
    }

    // ---- input ---------------------------------------------------------------------------------

    private void pump(InputStream in, Pipe pipe) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long skipped = -1; // bytes of an over-long line being skipped, or -1
        byte[] buf = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') {
                        continue;
                    }
                    int segment = i - start;
                    if (skipped >= 0 || line.size() + segment > MAX_LINE_BYTES) {
                        tooLong((skipped >= 0 ? skipped : line.size()) + segment);
                        skipped = -1;
                    } else {
                        line.write(buf, start, i - start);
                        handle(line.toByteArray(), pipe);
                    }
                    line.reset();
                    start = i + 1;
                }
                int rest = n - start;
                if (skipped >= 0) {
                    skipped += rest;
                } else if (line.size() + rest > MAX_LINE_BYTES) {
                    skipped = line.size() + rest;
                    line.reset();
                } else {
                    line.write(buf, start, rest);
                }
            }
        } catch (IOException e) {
            log().debug("reading stdin failed; treating it as end of input: {}", e.getMessage());
        } catch (RuntimeException e) {
            log().error("stdin reader failed; treating it as end of input", e);
        }
        try {
            if (skipped >= 0) {
                tooLong(skipped);
            } else if (line.size() > 0) {
                handle(line.toByteArray(), pipe);
            }
            log().debug("end of input, {} pending", pending.size());
            awaitReplies();
        } finally {
            pipe.end();
            onEnd.run();
        }
    }

    private void handle(byte[] line, Pipe pipe) {
        LineCheck.Verdict verdict;
        try {
            verdict = check.check(line);
        } catch (RuntimeException e) {
            log().error("checking an input line failed", e);
            verdict = new LineCheck.Reply(null, LineCheck.INVALID_REQUEST,
                    "Invalid request: the server could not read this line.");
        }
        switch (verdict) {
            case LineCheck.Skip s -> {}
            case LineCheck.Drop d -> log().warn("{}", d.why());
            case LineCheck.Reply r -> reply(r.id(), r.code(), r.message());
            case LineCheck.Pass p -> {
                if ("notifications/cancelled".equals(p.method())) {
                    cancelled(p.line());
                    return; // the SDK has nothing to do with it
                }
                byte[] passed = p.line();
                if (p.idKey() != null) {
                    pending.put(p.idKey(), p.method());
                    if ("tools/call".equals(p.method())) {
                        passed = tagged(passed, p.idKey());
                    }
                }
                byte[] out = java.util.Arrays.copyOf(passed, passed.length + 1);
                out[out.length - 1] = '\n';
                pipe.put(out);
            }
        }
    }

    /** A {@code notifications/cancelled}: its request's reply is held back and its work stopped where it can be. */
    private void cancelled(byte[] line) {
        try {
            JsonNode params = check.json().readTree(line).get("params");
            JsonNode id = params == null ? null : params.get("requestId");
            if (id == null || !(id.isString() || id.isIntegralNumber())) {
                log().info("a notifications/cancelled without a usable requestId was ignored");
                return;
            }
            String key = id.toString();
            if (pending.containsKey(key)) {
                cancelled.add(key);
                onCancel.accept(key);
            } // else: answered already or never asked; nothing to do (the specification allows this race)
        } catch (RuntimeException e) {
            log().info("a notifications/cancelled that could not be read was ignored: {}", e.getMessage());
        }
    }

    /** The tools/call line with its request id in {@code params._meta}, so the call can be found to cancel it. */
    private byte[] tagged(byte[] line, String idKey) {
        try {
            JsonNode m = check.json().readTree(line);
            if (m instanceof ObjectNode o && o.get("params") instanceof ObjectNode params) {
                JsonNode meta = params.get("_meta");
                ObjectNode metaObject = meta instanceof ObjectNode mo ? mo : meta == null ? params.putObject("_meta") : null;
                if (metaObject != null) {
                    metaObject.put(Cancellations.META_KEY, idKey);
                    return check.json().writeValueAsBytes(o);
                }
            }
        } catch (RuntimeException e) {
            log().debug("could not tag a tools/call for cancellation: {}", e.getMessage());
        }
        return line;
    }

    private void tooLong(long bytes) {
        reply(null, LineCheck.INVALID_REQUEST, "Invalid request: a line of " + bytes + " bytes is longer than the "
                + MAX_LINE_BYTES + " bytes this server reads, so it was skipped.");
    }

    private void reply(JsonNode id, int code, String message) {
        log().info("answered a bad input line with {}: {}", code, message);
        ObjectNode reply = check.json().createObjectNode();
        reply.put("jsonrpc", "2.0");
        if (id == null) {
            reply.putNull("id");
        } else {
            reply.set("id", id);
        }
        reply.putObject("error").put("code", code).put("message", message);
        try {
            output.writeLine(check.json().writeValueAsBytes(reply));
        } catch (IOException e) {
            log().debug("writing an error reply failed: {}", e.getMessage());
        }
    }

    private void awaitReplies() {
        long start = System.nanoTime();
        try {
            Thread.sleep(50);
            while (!pending.isEmpty()
                    && (toolCallsRunning.getAsInt() > 0 || (System.nanoTime() - start) / 1_000_000 < GRACE_MS)) {
                Thread.sleep(20);
            }
            Thread.sleep(50);
            if (!pending.isEmpty()) {
                log().warn("stdin closed with requests unanswered: {}", pending.keySet());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The SDK's side of stdin: the checked lines, in order, then end of input. */
    private static final class Pipe extends InputStream {
        private static final byte[] END = new byte[0];
        private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
        private byte[] current;
        private int pos;
        private boolean ended;

        void put(byte[] chunk) {
            queue.add(chunk);
        }

        void end() {
            queue.add(END);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            while (!ended && (current == null || pos >= current.length)) {
                try {
                    current = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for input");
                }
                pos = 0;
                ended = current == END;
            }
            if (ended) {
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public synchronized int available() {
            return ended || current == null ? 0 : current.length - pos;
        }
    }

    // ---- output --------------------------------------------------------------------------------

    /** Passes whole lines on (each flushed), noting answered requests and rewriting leaky error text. */
    private final class Output extends OutputStream {
        private final OutputStream out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Output(OutputStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    line.write(b, start, i - start);
                    byte[] whole = line.toByteArray();
                    line.reset();
                    writeLine(replyWritten(whole));
                    start = i + 1;
                }
            }
            line.write(b, start, off + len - start);
        }

        /** One whole line, written and flushed while no other line can interleave; null writes nothing. */
        synchronized void writeLine(byte[] json) throws IOException {
            if (json == null) {
                return;
            }
            out.write(json);
            out.write('\n');
            out.flush();
        }

        @Override
        public synchronized void flush() throws IOException {
            out.flush();
        }
    }

    /** Notes a reply to a pending request; returns the line to write (rewritten if its error text leaks). */
    private byte[] replyWritten(byte[] line) {
        try {
            return checkReply(line);
        } catch (RuntimeException e) {
            // never let the check break the SDK's writer: that would silence every later reply
            log().debug("checking a reply failed: {}", e.getMessage());
            return line;
        }
    }

    private byte[] checkReply(byte[] line) {
        JsonNode m;
        try {
            m = check.json().readTree(line);
        } catch (JacksonException e) {
            return line;
        }
        if (m == null || !m.isObject() || m.has("method") || m.get("id") == null) {
            return line;
        }
        String method = pending.remove(m.get("id").toString());
        if (cancelled.remove(m.get("id").toString())) {
            log().info("the reply to cancelled request {} ({}) was not sent", m.get("id"), method);
            return null;
        }
        JsonNode error = m.get("error");
        if (error == null || !error.isObject()) {
            return line;
        }
        JsonNode code = error.get("code");
        JsonNode message = error.get("message");
        JsonNode data = error.get("data");
        String text = message == null ? "" : message.asString();
        boolean internal = code != null && code.asInt() == INTERNAL_ERROR;
        if (!internal && !LEAKS.matcher(text).find() && (data == null || !LEAKS.matcher(data.toString()).find())) {
            return line;
        }
        String what = method == null ? "the request" : "'" + method + "'";
        log().warn("{} (id {}) failed with {} in the MCP SDK: {}", what, m.get("id"), code,
                text.lines().findFirst().orElse(""));
        ObjectNode clean = (ObjectNode) error;
        clean.remove("data");
        clean.put("message", internal
                ? "Internal error while handling " + what + "; the details are in the pyro MCP server's log on stderr."
                : "The server could not handle " + what + "; the details are in the pyro MCP server's log on stderr.");
        try {
            return check.json().writeValueAsBytes(m);
        } catch (JacksonException e) {
            return line;
        }
    }
}
