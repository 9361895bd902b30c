package pyro.cli.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import pyro.core.PyroException;

/**
 * Sets keys of one table ({@code [mcp_servers.pyro]}) in a TOML text, changing only what it must: an
 * equal value is left alone, a different one has just its value replaced (its comment kept), a missing
 * key becomes a line after the table's last key, a missing table is added at the end of the file. A
 * table defined another way (dotted keys, an inline table) is refused rather than guessed at.
 */
final class TomlEdit {
    private TomlEdit() {}

    /** The value of {@code key} in {@code [table]}, or null (no such table or key). */
    static Object get(String text, String file, List<String> table, String key) {
        for (Toml.Entry e : Toml.parse(text, file).entries()) {
            if (e.table().equals(table) && e.key().equals(List.of(key))) {
                return e.value();
            }
        }
        return null;
    }

    /** Whether the file has a {@code [table]} header. */
    static boolean hasTable(String text, String file, List<String> table) {
        return Toml.parse(text, file).headers().stream().anyMatch(h -> !h.array() && h.path().equals(table));
    }

    /** {@code text} with each of {@code always} set in {@code [table]}, and each of {@code ifMissing} set if absent. */
    static String set(String text, String file, List<String> table, Map<String, Object> always,
            Map<String, Object> ifMissing) {
        String out = text;
        for (var e : always.entrySet()) {
            out = set(out, file, table, e.getKey(), e.getValue(), true);
        }
        for (var e : ifMissing.entrySet()) {
            out = set(out, file, table, e.getKey(), e.getValue(), false);
        }
        return out;
    }

    private static String set(String text, String file, List<String> table, String key, Object value, boolean replace) {
        Toml.Doc doc = Toml.parse(text, file);
        refuseOtherForms(text, file, doc, table);
        Toml.Header header = doc.headers().stream().filter(h -> !h.array() && h.path().equals(table)).findFirst()
                .orElse(null);
        if (header == null) {
            StringBuilder b = new StringBuilder(text);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                b.append('\n');
            }
            if (!text.isBlank() && !b.toString().endsWith("\n\n")) {
                b.append('\n');
            }
            b.append('[').append(String.join(".", table.stream().map(TomlEdit::key).toList())).append("]\n");
            b.append(key(key)).append(" = ").append(write(value)).append('\n');
            return b.toString();
        }
        Toml.Entry last = null;
        for (Toml.Entry e : doc.entries()) {
            if (!e.table().equals(table) || e.lineStart() < header.lineStart()) {
                continue;
            }
            if (e.key().equals(List.of(key))) {
                if (!replace || Objects.equals(e.value(), value)) {
                    return text;
                }
                return text.substring(0, e.valueStart()) + write(value) + text.substring(e.valueEnd());
            }
            last = e;
        }
        String line = key(key) + " = " + write(value) + "\n";
        if (last == null) {
            String head = text.substring(0, header.lineEnd());
            return head + (head.endsWith("\n") ? "" : "\n") + line + text.substring(header.lineEnd());
        }
        int nl = text.indexOf('\n', last.valueEnd());
        if (nl < 0) {
            return text + "\n" + line;
        }
        return text.substring(0, nl + 1) + line + text.substring(nl + 1);
    }

    /**
     * Refuses a file that defines the table other than by its own header: dotted keys
     * ({@code mcp_servers.pyro.command = ...}) or an inline table ({@code pyro = { ... }}).
     */
    private static void refuseOtherForms(String text, String file, Toml.Doc doc, List<String> table) {
        for (Toml.Entry e : doc.entries()) {
            if (e.table().equals(table)) {
                continue;
            }
            List<String> full = new java.util.ArrayList<>(e.table());
            full.addAll(e.key());
            boolean inside = full.size() >= table.size() && full.subList(0, table.size()).equals(table)
                    && !startsWithSubTable(e.table(), table);
            boolean holds = full.size() < table.size() && table.subList(0, full.size()).equals(full)
                    && holds(e.value(), table.subList(full.size(), table.size()));
            if (inside || holds) {
                int line = (int) text.substring(0, e.lineStart()).chars().filter(c -> c == '\n').count() + 1;
                throw PyroException.invalid(file + " defines " + String.join(".", table) + " on line " + line
                        + " in a form pyro does not edit (dotted keys or an inline table): make it a ["
                        + String.join(".", table) + "] table or remove it, then run the command again.");
            }
        }
    }

    /** Whether {@code t} is a sub-table of {@code table} ({@code [mcp_servers.pyro.env]}). */
    private static boolean startsWithSubTable(List<String> t, List<String> table) {
        return t.size() > table.size() && t.subList(0, table.size()).equals(table);
    }

    private static boolean holds(Object value, List<String> rest) {
        Object v = value;
        for (String k : rest) {
            if (!(v instanceof Map<?, ?> m) || !m.containsKey(k)) {
                return false;
            }
            v = m.get(k);
        }
        return true;
    }

    // ---- writing -----------------------------------------------------------------------------------

    /** {@code value} as a TOML value: a basic string, an integer, a boolean or an inline array. */
    static String write(Object value) {
        return switch (value) {
            case String s -> quote(s);
            case List<?> l -> {
                List<String> parts = new ArrayList<>();
                l.forEach(o -> parts.add(write(o)));
                yield "[" + String.join(", ", parts) + "]";
            }
            case Long n -> n.toString();
            case Integer n -> n.toString();
            case Boolean b -> b.toString();
            default -> throw new IllegalArgumentException("no TOML form for " + value);
        };
    }

    /** A key part: bare when it can be, else a basic string. */
    static String key(String k) {
        return !k.isEmpty() && k.chars().allMatch(c -> Toml.isBare((char) c)) ? k : quote(k);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04X", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }
}
