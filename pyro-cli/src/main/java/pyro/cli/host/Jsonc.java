package pyro.cli.host;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;

/**
 * A JSON document read for editing in place: every value keeps the span of text it came from, so a
 * change replaces or inserts only the text it must and leaves the rest (other servers, key order,
 * indentation, and the comments and trailing commas JSONC allows, as OpenCode and VS Code do) exactly
 * as it was. Values are {@code Map} (insertion order), {@code List}, {@code String}, {@code Long},
 * {@code BigDecimal}, {@code Boolean} or {@code null}.
 */
final class Jsonc {
    private final String text;
    private final String file;
    private int pos;

    /** A parsed value and where it stands: {@code [start, end)}; objects also list their members. */
    record Node(Object value, int start, int end, List<Member> members, boolean trailingComma) {
        Member member(String key) {
            if (members == null) {
                return null;
            }
            Member found = null;
            for (Member m : members) {
                if (m.key().equals(key)) {
                    found = m; // of duplicate keys JSON.parse (and so each host) takes the last
                }
            }
            return found;
        }

        boolean isObject() {
            return members != null;
        }
    }

    /** One {@code "key": value} of an object; {@code start} is where its key's quote is. */
    record Member(String key, int start, Node value) {}

    private Jsonc(String text, String file) {
        this.text = text;
        this.file = file;
    }

    /** The document in {@code text} (named {@code file} in errors); blank text is an empty object. */
    static Node parse(String text, String file) {
        Jsonc p = new Jsonc(text, file);
        p.skip();
        if (p.pos >= text.length()) {
            return null;
        }
        Node root = p.value();
        p.skip();
        if (p.pos < text.length()) {
            throw p.error("text after the end of the JSON document");
        }
        return root;
    }

    private PyroException error(String what) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return PyroException.invalid(file + " is not valid JSON (" + what + " at line " + line + ", column " + col
                + "): fix it or move it aside, then run the command again.");
    }

    /** Skips white space and comments ({@code //} to the end of the line, and block comments). */
    private void skip() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\uFEFF') {
                pos++;
            } else if (text.startsWith("//", pos)) {
                int nl = text.indexOf('\n', pos);
                pos = nl < 0 ? text.length() : nl + 1;
            } else if (text.startsWith("/*", pos)) {
                int close = text.indexOf("*/", pos + 2);
                if (close < 0) {
                    throw error("an unclosed comment");
                }
                pos = close + 2;
            } else {
                return;
            }
        }
    }

    private Node value() {
        if (pos >= text.length()) {
            throw error("an unexpected end");
        }
        int start = pos;
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> new Node(string(), start, pos, null, false);
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("an unexpected '" + c + "'");
            }
        };
    }

    private Node literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("an unexpected word");
        }
        int start = pos;
        pos += word.length();
        return new Node(value, start, pos, null, false);
    }

    private Node number() {
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String s = text.substring(start, pos);
        try {
            BigDecimal d = new BigDecimal(s);
            Object v = s.contains(".") || s.contains("e") || s.contains("E") ? d : (Object) d.longValueExact();
            return new Node(v, start, pos, null, false);
        } catch (ArithmeticException | NumberFormatException e) {
            pos = start;
            throw error("a bad number '" + s + "'");
        }
    }

    private String string() {
        pos++; // the opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("an unclosed string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("an unclosed string");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("a bad \\u escape");
                    }
                    try {
                        b.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("a bad \\u escape");
                    }
                    pos += 4;
                }
                default -> throw error("a bad escape '\\" + e + "'");
            }
        }
    }

    private Node object() {
        int start = pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        List<Member> members = new ArrayList<>();
        boolean trailing = false;
        skip();
        while (pos < text.length() && text.charAt(pos) != '}') {
            if (text.charAt(pos) != '"') {
                throw error(text.charAt(pos) == ',' ? "an unexpected ','" : "a key that is not a string");
            }
            int keyStart = pos;
            String key = string();
            skip();
            if (pos >= text.length() || text.charAt(pos) != ':') {
                throw error("a missing ':' after \"" + key + "\"");
            }
            pos++;
            skip();
            Node v = value();
            map.put(key, v.value());
            members.add(new Member(key, keyStart, v));
            skip();
            trailing = false;
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                trailing = true;
                skip();
            } else if (pos < text.length() && text.charAt(pos) != '}') {
                throw error("a missing ',' or '}'");
            }
        }
        if (pos >= text.length()) {
            throw error("an unclosed object");
        }
        pos++;
        return new Node(map, start, pos, members, trailing);
    }

    private Node array() {
        int start = pos++;
        List<Object> list = new ArrayList<>();
        skip();
        while (pos < text.length() && text.charAt(pos) != ']') {
            list.add(value().value());
            skip();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                skip();
            } else if (pos < text.length() && text.charAt(pos) != ']') {
                throw error("a missing ',' or ']'");
            }
        }
        if (pos >= text.length()) {
            throw error("an unclosed array");
        }
        pos++;
        return new Node(list, start, pos, null, false);
    }

    // ---- writing -----------------------------------------------------------------------------------

    /** {@code value} as JSON, objects one member a line indented by {@code unit} from {@code indent}. */
    static String write(Object value, String indent, String unit) {
        StringBuilder b = new StringBuilder();
        write(b, value, indent, unit);
        return b.toString();
    }

    private static void write(StringBuilder b, Object value, String indent, String unit) {
        switch (value) {
            case null -> b.append("null");
            case String s -> quote(b, s);
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    b.append("{}");
                    return;
                }
                b.append("{\n");
                int i = 0;
                for (var e : m.entrySet()) {
                    b.append(indent).append(unit);
                    quote(b, String.valueOf(e.getKey()));
                    b.append(": ");
                    write(b, e.getValue(), indent + unit, unit);
                    b.append(++i < m.size() ? ",\n" : "\n");
                }
                b.append(indent).append('}');
            }
            case List<?> l -> {
                b.append('[');
                boolean flat = l.stream().noneMatch(o -> o instanceof Map || o instanceof List);
                for (int i = 0; i < l.size(); i++) {
                    b.append(flat ? "" : "\n" + indent + unit);
                    write(b, l.get(i), indent + unit, unit);
                    b.append(i + 1 < l.size() ? (flat ? ", " : ",") : "");
                }
                b.append(flat || l.isEmpty() ? "]" : "\n" + indent + "]");
            }
            default -> b.append(value); // Boolean, Long, BigDecimal
        }
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
