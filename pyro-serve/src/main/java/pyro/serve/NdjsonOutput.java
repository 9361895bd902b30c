package pyro.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import pyro.core.OutputListener;

/**
 * A streamed response ({@code Accept: application/x-ndjson}): one JSON object per line, sent as things
 * happen. {@code {"type":"progress","line":...}} for each progress line of the call (boots, restores,
 * builds); {@code {"type":"output","stream":"stdout"|"stderr","text":...}} for each piece of a
 * command's output (decoded per stream, so a character split across pieces arrives whole);
 * {@code {"type":"logs",...}} for each new piece of a followed service's logs; then exactly one
 * {@code {"type":"result","result":RECORD}} or {@code {"type":"error","error":{code,message}}}: the
 * status (200) is sent before the command ends, so a failure after that is this last line.
 */
final class NdjsonOutput implements OutputListener {
    static final String TYPE = "application/x-ndjson";

    private final OutputStream body;
    private final CharsetDecoder out = decoder();
    private final CharsetDecoder err = decoder();
    private final ByteBuffer[] pending = {ByteBuffer.allocate(0), ByteBuffer.allocate(0)};
    private boolean started;
    private final HttpExchange ex;

    NdjsonOutput(HttpExchange ex) {
        this.ex = ex;
        this.body = ex.getResponseBody();
    }

    static boolean wanted(HttpExchange ex) {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        return accept != null && accept.contains(TYPE);
    }

    private static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    /** Sends the 200 and the chunked-encoding headers, once. */
    synchronized void start() throws IOException {
        if (!started) {
            ex.getResponseHeaders().set("Content-Type", TYPE);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.sendResponseHeaders(200, 0);
            started = true;
        }
    }

    @Override
    public synchronized void output(boolean stderr, byte[] chunk) {
        int i = stderr ? 1 : 0;
        ByteBuffer in = ByteBuffer.allocate(pending[i].remaining() + chunk.length);
        in.put(pending[i]).put(chunk).flip();
        CharBuffer text = CharBuffer.allocate(in.remaining() + 1);
        (stderr ? err : out).decode(in, text, false);
        pending[i] = ByteBuffer.allocate(in.remaining()).put(in).flip(); // an unfinished character waits for the rest
        text.flip();
        if (text.hasRemaining()) {
            Map<String, Object> piece = new LinkedHashMap<>();
            piece.put("stream", stderr ? "stderr" : "stdout");
            piece.put("text", text.toString());
            line("output", piece);
        }
    }

    /** A progress line of the call (a boot, a restore, an environment build step). */
    synchronized void progress(String text) {
        line("progress", Map.of("line", text));
    }

    /** What a followed service wrote since the last piece, and the cursor after it. */
    synchronized void logs(Map<String, Object> piece) {
        line("logs", piece);
    }

    synchronized void result(Map<String, Object> record) {
        line("result", java.util.Collections.singletonMap("result", record));
    }

    synchronized void error(Map<String, Object> error) {
        line("error", error);
    }

    /** One line: {@code type} first, then {@code fields} in their order. */
    private void line(String type, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", type);
        line.putAll(fields);
        write(line);
    }

    private void write(Map<String, Object> line) {
        try {
            start();
            body.write((Exchanges.COMPACT.asString(line) + "\n").getBytes(StandardCharsets.UTF_8));
            body.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away: the call's thread stops here
        }
    }

    boolean started() {
        return started;
    }
}
