package pyro.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares two snapshots of a tree (path to {@link Node}) and reports what changed. Pure: the
 * agent produces the snapshots, the host keeps the baseline.
 */
public final class TreeDiff {
    /** One path in a snapshot: type file, dir or symlink; digest for files; target for symlinks. */
    public record Node(String type, int mode, String sha256, String target) {}

    /** A change: status is added, modified, deleted or type_changed. */
    public record Change(String path, String status, Node before, Node after) {}

    private TreeDiff() {}

    public static List<Change> diff(Map<String, Node> baseline, Map<String, Node> current) {
        TreeSet<String> paths = new TreeSet<>(baseline.keySet());
        paths.addAll(current.keySet());
        List<Change> out = new ArrayList<>();
        for (String p : paths) {
            Node a = baseline.get(p);
            Node b = current.get(p);
            if (a == null) {
                out.add(new Change(p, "added", null, b));
            } else if (b == null) {
                out.add(new Change(p, "deleted", a, null));
            } else if (!a.type().equals(b.type())) {
                out.add(new Change(p, "type_changed", a, b));
            } else if (!Objects.equals(a.sha256(), b.sha256()) || !Objects.equals(a.target(), b.target())
                    || a.mode() != b.mode()) {
                out.add(new Change(p, "modified", a, b));
            }
        }
        return out;
    }

    /** Applies changes to a copy of {@code baseline}: the inverse the property tests check. */
    public static Map<String, Node> apply(Map<String, Node> baseline, List<Change> changes) {
        Map<String, Node> out = new TreeMap<>(baseline);
        for (Change c : changes) {
            if (c.after() == null) {
                out.remove(c.path());
            } else {
                out.put(c.path(), c.after());
            }
        }
        return out;
    }

    /** Parses the agent's snapshot entries ({@code path, type, mode, sha256, target}). */
    public static Map<String, Node> fromEntries(List<?> entries) {
        Map<String, Node> out = new TreeMap<>();
        for (Object o : entries) {
            Map<?, ?> e = (Map<?, ?>) o;
            Object mode = e.get("mode");
            out.put(String.valueOf(e.get("path")), new Node(String.valueOf(e.get("type")),
                    mode instanceof Number n ? n.intValue() : 0,
                    e.get("sha256") == null ? null : e.get("sha256").toString(),
                    e.get("target") == null ? null : e.get("target").toString()));
        }
        return out;
    }
}
