package pyro.serve.e2b;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading E2B requests and writing E2B answers: JSON bodies, query strings and the two error shapes. */
final class Wire {
    private Wire() {}

    static final int MAX_JSON_BYTES = 1 << 20;

    static byte[] readBounded(InputStream in, int limit, String what) throws IOException {
        byte[] b = in.readNBytes(limit + 1);
        if (b.length > limit) {
            throw new E2bError(413, "resource_exhausted", what + " is over " + limit + " bytes");
        }
        return b;
    }

    /** A JSON object from bytes; empty means {}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(byte[] body) {
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            Object o = JSON.std.anyFrom(body);
            if (o instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
        } catch (IOException e) {
            throw E2bError.invalid("the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        throw E2bError.invalid("the body must be a JSON object");
    }

    static Map<String, Object> jsonBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return object(readBounded(in, MAX_JSON_BYTES, "the JSON body"));
        }
    }

    /** The query's parameters, decoded; a repeated name keeps its last value. */
    static Map<String, String> query(HttpExchange ex) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                out.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw E2bError.invalid("the URL holds a malformed %-escape: '" + s + "'");
        }
    }

    static byte[] json(Object value) {
        try {
            return JSON.std.asBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, status == 204 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (status != 204) {
                out.write(body);
            }
        }
    }

    static void sendJson(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, "application/json", json(value));
    }

    static void noContent(HttpExchange ex) throws IOException {
        ex.sendResponseHeaders(204, -1);
        ex.getResponseBody().close();
    }

    /** The control plane's and envd REST's error: {@code {"code": STATUS, "message": ...}}. */
    static Map<String, Object> restError(E2bError e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", e.status);
        m.put("message", e.getMessage());
        return m;
    }

    /** A Connect error: {@code {"code": "not_found", "message": ...}}. */
    static Map<String, Object> connectError(E2bError e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", e.connectCode);
        m.put("message", e.getMessage());
        return m;
    }
}
