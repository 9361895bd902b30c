package pyro.cli.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;

/**
 * A TOML document read for editing in place, as far as an MCP host's configuration needs: table
 * headers ({@code [a.b]}, {@code [[a]]}) and key/value lines with their spans, values parsed (strings of
 * all four kinds, integers, floats, booleans, arrays, inline tables; dates and times kept as their
 * text). Comments and everything not edited stay as written. Why not a library: the TOML libraries
 * on Maven Central (jackson-dataformat-toml, tomlj, night-config) read into a tree and write a new
 * file, which would drop the user's comments and layout in ~/.codex/config.toml.
 */
final class Toml {
    /** A {@code key = value} line: the dotted key, the table it is in, and where its value stands. */
    record Entry(List<String> table, List<String> key, int lineStart, int valueStart, int valueEnd, Object value) {}

    /** A {@code [table]} or {@code [[array table]]} header and the offset of its line. */
    record Header(List<String> path, boolean array, int lineStart, int lineEnd) {}

    record Doc(List<Header> headers, List<Entry> entries) {}

    private final String text;
    private final String file;
    private int pos;

    private Toml(String text, String file) {
        this.text = text;
        this.file = file;
    }

    static Doc parse(String text, String file) {
        return new Toml(text, file).document();
    }

    private PyroException error(String what) {
        int line = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return PyroException.invalid(file + " is not valid TOML (" + what + " on line " + line
                + "): fix it or move it aside, then run the command again.");
    }

    private Doc document() {
        List<Header> headers = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        List<String> table = List.of();
        while (true) {
            skipBlankAndComments();
            if (pos >= text.length()) {
                return new Doc(headers, entries);
            }
            int lineStart = pos;
            if (text.charAt(pos) == '[') {
                boolean array = text.startsWith("[[", pos);
                pos += array ? 2 : 1;
                spaces();
                List<String> path = key();
                spaces();
                if (!text.startsWith(array ? "]]" : "]", pos)) {
                    throw error("an unclosed table header");
                }
                pos += array ? 2 : 1;
                endOfLine();
                headers.add(new Header(path, array, lineStart, pos));
                table = path;
            } else {
                List<String> key = key();
                spaces();
                if (pos >= text.length() || text.charAt(pos) != '=') {
                    throw error("a key without '='");
                }
                pos++;
                spaces();
                int valueStart = pos;
                Object value = value();
                int valueEnd = pos;
                endOfLine();
                entries.add(new Entry(table, key, lineStart, valueStart, valueEnd, value));
            }
        }
    }

    private void skipBlankAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\uFEFF') {
                pos++;
            } else if (c == '#') {
                toLineEnd();
            } else {
                return;
            }
        }
    }

    private void spaces() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private void toLineEnd() {
        int nl = text.indexOf('\n', pos);
        pos = nl < 0 ? text.length() : nl + 1;
    }

    /** After a header or a value: only spaces and a comment may follow on the line. */
    private void endOfLine() {
        spaces();
        if (pos < text.length() && text.charAt(pos) == '#') {
            toLineEnd();
            return;
        }
        if (pos < text.length() && text.charAt(pos) == '\r') {
            pos++;
        }
        if (pos < text.length() && text.charAt(pos) != '\n') {
            throw error("text after a value");
        }
        if (pos < text.length()) {
            pos++;
        }
    }

    /** A dotted key: bare, "basic" or 'literal' parts. */
    private List<String> key() {
        List<String> parts = new ArrayList<>();
        while (true) {
            spaces();
            if (pos >= text.length()) {
                throw error("a missing key");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                parts.add(basic());
            } else if (c == '\'') {
                parts.add(literal());
            } else {
                int start = pos;
                while (pos < text.length() && isBare(text.charAt(pos))) {
                    pos++;
                }
                if (pos == start) {
                    throw error("a bad key");
                }
                parts.add(text.substring(start, pos));
            }
            spaces();
            if (pos < text.length() && text.charAt(pos) == '.') {
                pos++;
            } else {
                return parts;
            }
        }
    }

    static boolean isBare(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private Object value() {
        if (pos >= text.length()) {
            throw error("a missing value");
        }
        char c = text.charAt(pos);
        if (text.startsWith("\"\"\"", pos)) {
            return multiline("\"\"\"", true);
        }
        if (text.startsWith("'''", pos)) {
            return multiline("'''", false);
        }
        return switch (c) {
            case '"' -> basic();
            case '\'' -> literal();
            case '[' -> array();
            case '{' -> inlineTable();
            default -> scalar();
        };
    }

    private String basic() {
        pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error("an unclosed string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                escape(b);
            } else {
                b.append(c);
            }
        }
    }

    private void escape(StringBuilder b) {
        if (pos >= text.length()) {
            throw error("an unclosed string");
        }
        char e = text.charAt(pos++);
        switch (e) {
            case '"', '\\' -> b.append(e);
            case 'b' -> b.append('\b');
            case 't' -> b.append('\t');
            case 'n' -> b.append('\n');
            case 'f' -> b.append('\f');
            case 'r' -> b.append('\r');
            case 'e' -> b.append('\u001b');
            case 'u', 'U' -> {
                int n = e == 'u' ? 4 : 8;
                if (pos + n > text.length()) {
                    throw error("a bad unicode escape");
                }
                try {
                    b.appendCodePoint(Integer.parseInt(text.substring(pos, pos + n), 16));
                } catch (IllegalArgumentException x) {
                    throw error("a bad unicode escape");
                }
                pos += n;
            }
            default -> throw error("a bad escape '\\" + e + "'");
        }
    }

    private String literal() {
        int close = text.indexOf('\'', pos + 1);
        int nl = text.indexOf('\n', pos + 1);
        if (close < 0 || (nl >= 0 && nl < close)) {
            throw error("an unclosed string");
        }
        String s = text.substring(pos + 1, close);
        pos = close + 1;
        return s;
    }

    private String multiline(String quote, boolean escapes) {
        pos += 3;
        if (text.startsWith("\r\n", pos)) {
            pos += 2;
        } else if (pos < text.length() && text.charAt(pos) == '\n') {
            pos++;
        }
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("an unclosed multi-line string");
            }
            if (text.startsWith(quote, pos)) {
                pos += 3;
                for (int extra = 0; extra < 2 && pos < text.length() && text.charAt(pos) == quote.charAt(0); extra++) {
                    b.append(quote.charAt(0)); // up to two more quotes are content
                    pos++;
                }
                return b.toString();
            }
            char c = text.charAt(pos++);
            if (escapes && c == '\\') {
                int p = pos;
                while (p < text.length() && (text.charAt(p) == ' ' || text.charAt(p) == '\t' || text.charAt(p) == '\r')) {
                    p++;
                }
                if (p < text.length() && text.charAt(p) == '\n') { // a line-ending backslash trims white space
                    pos = p;
                    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                        pos++;
                    }
                } else {
                    escape(b);
                }
            } else {
                b.append(c);
            }
        }
    }

    private List<Object> array() {
        pos++;
        List<Object> out = new ArrayList<>();
        while (true) {
            skipBlankAndComments();
            if (pos >= text.length()) {
                throw error("an unclosed array");
            }
            if (text.charAt(pos) == ']') {
                pos++;
                return out;
            }
            out.add(value());
            skipBlankAndComments();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
            } else if (pos >= text.length() || text.charAt(pos) != ']') {
                throw error("a missing ',' or ']' in an array");
            }
        }
    }

    private Map<String, Object> inlineTable() {
        pos++;
        Map<String, Object> out = new LinkedHashMap<>();
        spaces();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return out;
        }
        while (true) {
            List<String> key = key();
            spaces();
            if (pos >= text.length() || text.charAt(pos) != '=') {
                throw error("a key without '=' in an inline table");
            }
            pos++;
            spaces();
            out.put(String.join(".", key), value());
            spaces();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
            } else if (pos < text.length() && text.charAt(pos) == '}') {
                pos++;
                return out;
            } else {
                throw error("a missing ',' or '}' in an inline table");
            }
        }
    }

    /** true, false, a number, or a date/time (kept as its text). */
    private Object scalar() {
        int start = pos;
        while (pos < text.length() && "\n#,]}\r".indexOf(text.charAt(pos)) < 0
                && !(text.charAt(pos) == ' ' && !dateTimeSpace(start))) {
            pos++;
        }
        String s = text.substring(start, pos).strip();
        if (s.equals("true") || s.equals("false")) {
            return Boolean.valueOf(s);
        }
        String n = s.replace("_", "");
        try {
            if (n.startsWith("0x")) {
                return Long.parseLong(n.substring(2), 16);
            }
            if (n.startsWith("0o")) {
                return Long.parseLong(n.substring(2), 8);
            }
            if (n.startsWith("0b")) {
                return Long.parseLong(n.substring(2), 2);
            }
            if (n.matches("[+-]?\\d+")) {
                return Long.parseLong(n);
            }
            if (n.matches("[+-]?(inf|nan)") || n.matches("[+-]?\\d+(\\.\\d+)?([eE][+-]?\\d+)?")) {
                return n.endsWith("inf") ? (n.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                        : n.endsWith("nan") ? Double.NaN : Double.parseDouble(n);
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        if (s.matches("\\d{4}-\\d{2}-\\d{2}.*|\\d{2}:\\d{2}.*")) {
            return s;
        }
        pos = start;
        throw error("a value that is not a string, number, boolean, array or table");
    }

    /** A date and a time may be separated by one space ({@code 1979-05-27 07:32:00}). */
    private boolean dateTimeSpace(int start) {
        String before = text.substring(start, pos);
        return before.matches("\\d{4}-\\d{2}-\\d{2}") && pos + 1 < text.length()
                && Character.isDigit(text.charAt(pos + 1));
    }
}
