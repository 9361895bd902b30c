package pyro.serve.e2b;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A {@code multipart/form-data} body (RFC 7578) split into its parts, as envd's {@code POST /files}
 * receives one file per part, the part's {@code filename} naming its path when the query does not.
 */
final class Multipart {
    record Part(String name, String filename, byte[] content) {}

    private Multipart() {}

    /** The boundary of a {@code multipart/form-data} Content-Type, or null when it is not one. */
    static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        for (String p : contentType.split(";")) {
            String t = p.strip();
            if (t.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = t.substring(9);
                return b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"") ? b.substring(1, b.length() - 1) : b;
            }
        }
        return null;
    }

    static List<Part> parse(byte[] body, String boundary) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] next = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int at = indexOf(body, delim, 0);
        if (at < 0) {
            throw E2bError.invalid("the multipart body has no boundary line");
        }
        List<Part> parts = new ArrayList<>();
        int pos = at + delim.length;
        while (true) {
            if (pos + 2 <= body.length && body[pos] == '-' && body[pos + 1] == '-') {
                return parts;
            }
            pos = skipLineEnd(body, pos);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headersEnd < 0) {
                throw E2bError.invalid("a multipart part has no end to its headers");
            }
            String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            int start = headersEnd + 4;
            int end = indexOf(body, next, start);
            if (end < 0) {
                throw E2bError.invalid("a multipart part has no closing boundary");
            }
            parts.add(new Part(param(headers, "name"), param(headers, "filename"), Arrays.copyOfRange(body, start, end)));
            pos = end + next.length;
        }
    }

    private static int skipLineEnd(byte[] b, int pos) {
        while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t')) {
            pos++;
        }
        if (pos + 1 < b.length && b[pos] == '\r' && b[pos + 1] == '\n') {
            return pos + 2;
        }
        throw E2bError.invalid("the multipart body is malformed after a boundary");
    }

    /** A parameter of the part's Content-Disposition ({@code name="..."}), %22 and \" unescaped; or null. */
    static String param(String headers, String key) {
        for (String line : headers.split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                continue;
            }
            String rest = line.substring(line.indexOf(':') + 1);
            int i = 0;
            while (i < rest.length()) {
                int semi = rest.indexOf(';', i);
                if (semi < 0) {
                    break;
                }
                int eq = rest.indexOf('=', semi);
                if (eq < 0) {
                    break;
                }
                String k = rest.substring(semi + 1, eq).strip();
                String v;
                int after;
                if (eq + 1 < rest.length() && rest.charAt(eq + 1) == '"') {
                    StringBuilder sb = new StringBuilder();
                    int j = eq + 2;
                    while (j < rest.length() && rest.charAt(j) != '"') {
                        if (rest.charAt(j) == '\\' && j + 1 < rest.length()) {
                            j++;
                        }
                        sb.append(rest.charAt(j++));
                    }
                    v = sb.toString();
                    after = j + 1;
                } else {
                    int e = rest.indexOf(';', eq);
                    v = (e < 0 ? rest.substring(eq + 1) : rest.substring(eq + 1, e)).strip();
                    after = e < 0 ? rest.length() : e;
                }
                if (k.equalsIgnoreCase(key)) {
                    return v.replace("%22", "\"").replace("%0A", "\n").replace("%0D", "\r");
                }
                i = after;
            }
        }
        return null;
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
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
