package pyro.cli.host;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import pyro.core.PyroException;

/**
 * Sets one value at a path of keys in a JSON (or JSONC) text, changing only the text it must: an
 * equal value leaves the text as it is (so connecting twice changes nothing), a different one replaces
 * just that value's span, a missing key is inserted after its object's last member in the indentation
 * the file already uses. Everything else (other servers, other settings, comments) is kept byte for byte.
 */
final class JsonEdit {
    private JsonEdit() {}

    /** The value at {@code path} in {@code text}, or null when a key on the way is missing. */
    static Object get(String text, String file, List<String> path) {
        Jsonc.Node node = Jsonc.parse(text, file);
        for (String key : path) {
            if (node == null || !node.isObject()) {
                return null;
            }
            Jsonc.Member m = node.member(key);
            node = m == null ? null : m.value();
        }
        return node == null ? null : node.value();
    }

    /** {@code text} with {@code value} at {@code path} (objects on the way made as needed). */
    static String set(String text, String file, List<String> path, Object value) {
        Jsonc.Node root = Jsonc.parse(text, file);
        if (root == null) {
            return Jsonc.write(nested(path, value), "", "  ") + "\n";
        }
        if (!root.isObject()) {
            throw PyroException.invalid(file + " holds JSON that is not an object at the top: fix it or move it aside, "
                    + "then run the command again.");
        }
        String unit = unit(text, root);
        Jsonc.Node obj = root;
        for (int i = 0; i < path.size(); i++) {
            Jsonc.Member m = obj.member(path.get(i));
            if (m == null) {
                return insert(text, obj, path.get(i), nested(path.subList(i + 1, path.size()), value), unit);
            }
            if (i == path.size() - 1) {
                if (Objects.equals(m.value().value(), value)) {
                    return text;
                }
                String indent = indentAt(text, m.start());
                return text.substring(0, m.value().start()) + Jsonc.write(value, indent == null ? "" : indent, unit)
                        + text.substring(m.value().end());
            }
            if (!m.value().isObject()) {
                throw PyroException.invalid(file + ": \"" + String.join(".", path.subList(0, i + 1))
                        + "\" is not a JSON object: fix it or move the file aside, then run the command again.");
            }
            obj = m.value();
        }
        throw new IllegalArgumentException("an empty path");
    }

    /** {@code {k1: {k2: ... value}}} for the keys of {@code path}; {@code value} itself for none. */
    private static Object nested(List<String> path, Object value) {
        Object v = value;
        for (int i = path.size() - 1; i >= 0; i--) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(path.get(i), v);
            v = m;
        }
        return v;
    }

    /** {@code "key": value} added as the last member of {@code obj}. */
    private static String insert(String text, Jsonc.Node obj, String key, Object value, String unit) {
        StringBuilder member = new StringBuilder();
        if (obj.members().isEmpty()) {
            String outer = lineIndent(text, obj.start());
            Jsonc.quote(member, key);
            member.append(": ").append(Jsonc.write(value, outer + unit, unit));
            return text.substring(0, obj.start()) + "{\n" + outer + unit + member + "\n" + outer + "}"
                    + text.substring(obj.end());
        }
        Jsonc.Member last = obj.members().getLast();
        String indent = indentAt(text, last.start());
        Jsonc.quote(member, key);
        if (indent == null) { // members on one line: stay on it
            member.insert(0, ", ").append(": ").append(Jsonc.write(value, "", unit).replaceAll("\\s*\n\\s*", " "));
            int at = obj.trailingComma() ? text.lastIndexOf(',', obj.end() - 1) : last.value().end();
            return text.substring(0, at) + member + text.substring(at);
        }
        member.append(": ").append(Jsonc.write(value, indent, unit));
        int anchor = last.value().end();
        if (obj.trailingComma()) {
            anchor = text.indexOf(',', anchor) + 1;
            member.append(',');
        }
        int at = restOfLineIsBlank(text, anchor) ? lineEnd(text, anchor) : anchor;
        String comma = obj.trailingComma() ? "" : ",";
        return text.substring(0, last.value().end()) + comma + text.substring(last.value().end(), at) + "\n" + indent
                + member + text.substring(at);
    }

    /** The white space before {@code pos} on its line when only white space is there, else null. */
    static String indentAt(String text, int pos) {
        int i = pos;
        while (i > 0 && (text.charAt(i - 1) == ' ' || text.charAt(i - 1) == '\t')) {
            i--;
        }
        return i == 0 || text.charAt(i - 1) == '\n' ? text.substring(i, pos) : null;
    }

    /** The leading white space of the line {@code pos} is on. */
    private static String lineIndent(String text, int pos) {
        int start = text.lastIndexOf('\n', pos - 1) + 1;
        int i = start;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return text.substring(start, i);
    }

    /** Whether nothing but white space or a line comment follows {@code pos} on its line. */
    private static boolean restOfLineIsBlank(String text, int pos) {
        int end = lineEnd(text, pos);
        String rest = text.substring(pos, end).strip();
        return rest.isEmpty() || rest.startsWith("//");
    }

    private static int lineEnd(String text, int pos) {
        int nl = text.indexOf('\n', pos);
        return nl < 0 ? text.length() : (nl > 0 && text.charAt(nl - 1) == '\r' ? nl - 1 : nl);
    }

    /** The file's indentation step: its first member's indentation, or two spaces. */
    private static String unit(String text, Jsonc.Node root) {
        if (!root.members().isEmpty()) {
            String i = indentAt(text, root.members().getFirst().start());
            if (i != null && !i.isEmpty()) {
                return i;
            }
        }
        return "  ";
    }
}
