package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * Keeps replies from being lost when stdin closes right after a request. The SDK's stdio transport
 * closes the session as soon as it reads end of input and then drops replies still being computed;
 * this guard watches the request ids read and the reply ids written, and holds back the end of input
 * until every request has been answered (a tool call may run for minutes; other requests get a few
 * seconds), then signals {@code onEnd}.
 */
final class StdioGuard {
    private static final long GRACE_MS = 5_000;

    private final McpJsonMapper mapper;
    private final IntSupplier toolCallsRunning;
    private final Runnable onEnd;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();

    StdioGuard(McpJsonMapper mapper, IntSupplier toolCallsRunning, Runnable onEnd) {
        this.mapper = mapper;
        this.toolCallsRunning = toolCallsRunning;
        this.onEnd = onEnd;
    }

    InputStream input(InputStream in) {
        return new Input(in);
    }

    OutputStream output(OutputStream out) {
        return new Output(out);
    }

    private Map<?, ?> parse(byte[] line) {
        try {
            String s = new String(line, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? null : mapper.readValue(s, Map.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void requestRead(byte[] line) {
        Map<?, ?> m = parse(line);
        if (m != null && m.get("method") != null && m.get("id") != null) {
            pending.add(String.valueOf(m.get("id")));
        }
    }

    private void replyWritten(byte[] line) {
        Map<?, ?> m = parse(line);
        if (m != null && m.get("method") == null && m.get("id") != null) {
            pending.remove(String.valueOf(m.get("id")));
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
                org.slf4j.LoggerFactory.getLogger(StdioGuard.class)
                        .warn("stdin closed with requests unanswered: {}", pending);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Splits bytes into lines and hands each complete line to a consumer. */
    private static final class Lines {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        void feed(byte[] b, int off, int len, java.util.function.Consumer<byte[]> line) {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    buf.write(b, start, i - start);
                    line.accept(buf.toByteArray());
                    buf.reset();
                    start = i + 1;
                }
            }
            buf.write(b, start, off + len - start);
        }
    }

    private final class Input extends FilterInputStream {
        private final Lines lines = new Lines();
        private boolean ended;

        Input(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                lines.feed(b, off, n, StdioGuard.this::requestRead);
            } else if (n < 0) {
                end();
            }
            return n;
        }

        private void end() {
            if (!ended) {
                ended = true;
                org.slf4j.LoggerFactory.getLogger(StdioGuard.class).debug("end of input, {} pending", pending.size());
                awaitReplies();
                org.slf4j.LoggerFactory.getLogger(StdioGuard.class).debug("replies drained");
                onEnd.run();
            }
        }

        @Override
        public void close() throws IOException {
            end();
            super.close();
        }
    }

    private final class Output extends FilterOutputStream {
        private final Lines lines = new Lines();

        Output(OutputStream out) {
            super(out);
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            lines.feed(b, off, len, line -> {
                try {
                    out.flush();
                } catch (IOException ignored) {
                    // the transport sees the failure on its own flush
                }
                replyWritten(line);
            });
        }
    }
}
