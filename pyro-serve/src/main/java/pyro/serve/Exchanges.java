package pyro.serve;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;

/** Reading requests and writing responses, with the bounds and the one error shape the API promises. */
final class Exchanges {
    private Exchanges() {}

    /** A JSON body larger than this is refused (413) before it is parsed. */
    static final int MAX_JSON_BYTES = 16 << 20;

    static final JSON COMPACT = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);

    /** The request body went over a limit: 413 with the error record. */
    static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message);
        }
    }

    /** An unauthenticated request: 401. */
    static final class Unauthorized extends RuntimeException {
        Unauthorized(String message) {
            super(message);
        }
    }

    /** The HTTP status for an SDK error code. */
    static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_INPUT -> 400;
            case NOT_FOUND -> 404;
            case EXPIRED -> 410;
            case CONFLICT -> 409;
            case TIMEOUT -> 504;
            case HOST_UNSUPPORTED -> 503;
            case GUEST_FAILURE -> 502;
        };
    }

    static String contentType(HttpExchange ex) {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        return ct == null ? "" : ct.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** The query string's parameters, decoded; a name given twice keeps every value in order. */
    static Map<String, List<String>> query(HttpExchange ex) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw PyroException.invalid("the URL holds a malformed %-escape: '" + s + "'.");
        }
    }

    /** The body as a JSON object: empty means {}; anything but an object is refused with one sentence. */
    static Map<String, Object> jsonObject(HttpExchange ex) throws IOException {
        byte[] body = readBounded(ex.getRequestBody(), MAX_JSON_BYTES);
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return new LinkedHashMap<>();
        }
        String ct = contentType(ex);
        // curl -d sends application/x-www-form-urlencoded unless told otherwise: its JSON is taken as JSON
        if (!ct.isEmpty() && !ct.equals("application/json") && !ct.equals("application/x-www-form-urlencoded")
                && !ct.equals("text/plain")) {
            throw PyroException.invalid("the body's Content-Type is '" + ct + "': send application/json.");
        }
        return object(new String(body, StandardCharsets.UTF_8), "the body");
    }

    /**
     * An upload's other arguments: the {@code Pyro-Arguments} header as a JSON object (so secrets never
     * travel in a URL, where logs and proxies keep them), or none.
     */
    static Map<String, Object> headerArguments(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Pyro-Arguments");
        if (h == null || h.isBlank()) {
            return new LinkedHashMap<>();
        }
        return object(h, "the Pyro-Arguments header");
    }

    /** {@code text} as a JSON object; {@code what} names where it came from in the one-sentence refusal. */
    static Map<String, Object> object(String text, String what) {
        Object parsed;
        try {
            parsed = JSON.std.anyFrom(text);
        } catch (IOException e) {
            String why = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw PyroException.invalid(what + " is not valid JSON: " + why);
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw PyroException.invalid(what + " must be a JSON object, not " + (parsed == null ? "null"
                    : parsed instanceof List<?> ? "an array" : "a " + parsed.getClass().getSimpleName().toLowerCase()) + ".");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    static byte[] readBounded(InputStream in, int limit) throws IOException {
        byte[] b = in.readNBytes(limit + 1);
        if (b.length > limit) {
            throw new TooLarge("the request body is over " + limit + " bytes: send less (large trees go as a tar upload).");
        }
        return b;
    }

    /** Copies an upload body to {@code file}, refusing it (and removing the file) past {@code limit} bytes. */
    static long saveBounded(InputStream in, Path file, long limit) throws IOException {
        long total = 0;
        byte[] buf = new byte[256 * 1024];
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit) {
                    throw new TooLarge("the upload is over " + limit + " bytes: the server's --max-upload-bytes.");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return total;
    }

    /** Reads and drops what is left of a refused body (up to 256 MiB), so the client reads the answer. */
    static void drain(HttpExchange ex) {
        byte[] buf = new byte[64 * 1024];
        long left = 256L << 20;
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while (left > 0 && (n = in.read(buf)) > 0) {
                left -= n;
            }
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    static void sendJson(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = (COMPACT.asString(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void sendText(HttpExchange ex, int status, String contentType, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** {@code {"error":{"code","message"}}}: the shape every face prints for a failure. */
    static Map<String, Object> error(String code, String message) {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("code", code);
        inner.put("message", message);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", inner);
        return m;
    }
}
