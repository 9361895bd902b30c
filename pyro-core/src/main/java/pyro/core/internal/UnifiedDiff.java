package pyro.core.internal;

import com.github.difflib.DiffUtils;
import com.github.difflib.algorithm.DiffAlgorithmListener;
import com.github.difflib.algorithm.myers.MyersDiff;
import com.github.difflib.patch.AbstractDelta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Unified diffs of text, line based, with three lines of context, as {@code git diff} prints them:
 * Myers' algorithm (java-diff-utils) over the lines, git's hunk grouping and headers, git's
 * {@code \ No newline at end of file} marker, and git's C-style quoting of unusual path names.
 *
 * <p>{@link #of} prints one file's {@code ---}/{@code +++} header and hunks; {@link #git} prints
 * the file's whole section of a git patch (with the {@code diff --git} line and the extended
 * headers that {@code git apply} and {@code patch -p1} need for added and deleted files).
 */
public final class UnifiedDiff {
    private static final int CONTEXT = 3;
    /**
     * Myers' work (line comparisons plus path nodes) allowed per file; about a quarter of a second.
     * Past it the changed region (common prefix and suffix excluded) is shown as removed and
     * re-added: a correct patch, only not a minimal one. Files that differ that much are rewrites.
     */
    static final long WORK_LIMIT = 10_000_000;
    /** The abbreviated id of git's empty blob, for the index line of an added or deleted empty file. */
    private static final String EMPTY_BLOB = "e69de29";
    private static final String NO_NEWLINE = "\\ No newline at end of file\n";

    private UnifiedDiff() {}

    /** One run of changed lines: {@code a[aFrom, aTo)} became {@code b[bFrom, bTo)}. */
    private record Change(int aFrom, int aTo, int bFrom, int bTo) {}

    /**
     * The unified diff of one file: {@code --- a/path} ({@code /dev/null} when {@code before} is
     * null, the file being added), {@code +++ b/path} ({@code /dev/null} when {@code after} is
     * null), then the hunks. Path names are quoted as git quotes them.
     */
    public static String of(String path, String before, String after) {
        StringBuilder sb = new StringBuilder();
        appendUnified(sb, path, before, after, true);
        return sb.toString();
    }

    /**
     * One file's section of a git patch: {@code diff --git a/path b/path}, {@code new file mode} or
     * {@code deleted file mode} for an added or deleted file, then the unified diff. An added or
     * deleted empty file has no hunk, so, as in git, it has no {@code ---}/{@code +++} lines but an
     * {@code index} line (GNU patch needs it to tell the deletion of an empty file from a reversed
     * patch). Modes are not known here: added and deleted files are written as {@code 100644}.
     * Unchanged content gives the empty string.
     */
    public static String git(String path, String before, String after) {
        if (before == null && after == null || before != null && before.equals(after)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("diff --git ").append(quote("a/", path, true)).append(' ').append(quote("b/", path, true)).append('\n');
        if (before == null) {
            sb.append("new file mode 100644\n");
            if (after.isEmpty()) {
                sb.append("index 0000000..").append(EMPTY_BLOB).append('\n');
            }
        } else if (after == null) {
            sb.append("deleted file mode 100644\n");
            if (before.isEmpty()) {
                sb.append("index ").append(EMPTY_BLOB).append("..0000000\n");
            }
        }
        appendUnified(sb, path, before, after, false);
        return sb.toString();
    }

    private static void appendUnified(StringBuilder sb, String path, String before, String after, boolean headerAlways) {
        List<String> a = before == null ? List.of() : terminatedLines(before);
        List<String> b = after == null ? List.of() : terminatedLines(after);
        List<Change> changes = changes(a, b);
        if (changes.isEmpty() && !headerAlways) {
            return;
        }
        header(sb, "--- ", before == null ? "/dev/null" : quote("a/", path));
        header(sb, "+++ ", after == null ? "/dev/null" : quote("b/", path));
        int first = 0;
        while (first < changes.size()) {
            int last = first;
            while (last + 1 < changes.size() && changes.get(last + 1).aFrom() - changes.get(last).aTo() <= 2 * CONTEXT) {
                last++;
            }
            hunk(sb, a, b, changes.subList(first, last + 1));
            first = last + 1;
        }
    }

    /** A file header line; like git, a name with a space ends with a tab, so patch(1) reads it whole. */
    private static void header(StringBuilder sb, String marker, String name) {
        sb.append(marker).append(name).append(name.indexOf(' ') >= 0 ? "\t" : "").append('\n');
    }

    private static void hunk(StringBuilder sb, List<String> a, List<String> b, List<Change> group) {
        Change head = group.getFirst();
        Change tail = group.getLast();
        int aFrom = Math.max(0, head.aFrom() - CONTEXT);
        int aTo = Math.min(a.size(), tail.aTo() + CONTEXT);
        int bFrom = head.bFrom() - (head.aFrom() - aFrom);
        int bTo = tail.bTo() + (aTo - tail.aTo());
        int aLen = aTo - aFrom;
        int bLen = bTo - bFrom;
        sb.append("@@ -").append(aLen == 0 ? aFrom : aFrom + 1).append(',').append(aLen)
                .append(" +").append(bLen == 0 ? bFrom : bFrom + 1).append(',').append(bLen).append(" @@\n");
        int pos = aFrom;
        for (Change c : group) {
            lines(sb, ' ', a, pos, c.aFrom());
            lines(sb, '-', a, c.aFrom(), c.aTo());
            lines(sb, '+', b, c.bFrom(), c.bTo());
            pos = c.aTo();
        }
        lines(sb, ' ', a, pos, aTo);
    }

    private static void lines(StringBuilder sb, char kind, List<String> src, int from, int to) {
        for (int i = from; i < to; i++) {
            String line = src.get(i);
            sb.append(kind).append(line);
            if (!line.endsWith("\n")) {
                sb.append('\n').append(NO_NEWLINE);
            }
        }
    }

    /**
     * The changed runs between {@code a} and {@code b}, in order. The common prefix and suffix are
     * cut off first (a one-line change in a large file costs next to nothing); Myers' algorithm
     * compares the rest, within {@link #WORK_LIMIT}.
     */
    private static List<Change> changes(List<String> a, List<String> b) {
        int prefix = 0;
        int max = Math.min(a.size(), b.size());
        while (prefix < max && a.get(prefix).equals(b.get(prefix))) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < max - prefix && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
            suffix++;
        }
        List<String> ma = a.subList(prefix, a.size() - suffix);
        List<String> mb = b.subList(prefix, b.size() - suffix);
        List<Change> out = new ArrayList<>();
        if (ma.isEmpty() && mb.isEmpty()) {
            return out;
        }
        Budget budget = new Budget();
        try {
            MyersDiff<String> myers = new MyersDiff<>((x, y) -> {
                budget.spend(1);
                return x.equals(y);
            });
            for (AbstractDelta<String> d : DiffUtils.diff(ma, mb, myers, budget).getDeltas()) {
                int aAt = prefix + d.getSource().getPosition();
                int bAt = prefix + d.getTarget().getPosition();
                out.add(new Change(aAt, aAt + d.getSource().size(), bAt, bAt + d.getTarget().size()));
            }
        } catch (Budget.Exceeded e) {
            out.clear();
            out.add(new Change(prefix, a.size() - suffix, prefix, b.size() - suffix));
        }
        return out;
    }

    /** Counts Myers' work: each comparison, and each step's new path nodes (step d makes d + 1). */
    private static final class Budget implements DiffAlgorithmListener {
        private long spent;

        static final class Exceeded extends RuntimeException {
            Exceeded() {
                super("diff work limit exceeded", null, false, false);
            }
        }

        void spend(long units) {
            spent += units;
            if (spent > WORK_LIMIT) {
                throw new Exceeded();
            }
        }

        @Override
        public void diffStart() {}

        @Override
        public void diffStep(int value, int max) {
            spend(value + 1L);
        }

        @Override
        public void diffEnd() {}
    }

    /** The lines of {@code s}, each with its {@code \n}; a last line without one stays without. */
    static List<String> terminatedLines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < s.length()) {
            int nl = s.indexOf('\n', start);
            int end = nl < 0 ? s.length() : nl + 1;
            out.add(s.substring(start, end));
            start = end;
        }
        return out;
    }

    /** The lines of {@code s} without their line ends (a final line end adds no empty line). */
    static List<String> lines(String s) {
        List<String> out = new ArrayList<>(List.of(s.split("\n", -1)));
        if (!out.isEmpty() && out.getLast().isEmpty()) {
            out.removeLast();
        }
        return out;
    }

    /**
     * {@code prefix + path} as git's {@code quote_c_style} writes a name (with core.quotePath on, the
     * default): unchanged unless it holds a double quote, a backslash, a control character or any
     * byte of 0x7f or above; then in double quotes, with {@code \a \b \t \n \v \f \r \" \\} and
     * three-digit octal for other such bytes (every byte of a non-ASCII character's UTF-8 form). So
     * a name with a line break cannot end the header line and forge another one.
     *
     * <p>One addition to git's rule, for GNU patch: a name ending in a space is quoted too (patch
     * drops trailing blanks of an unquoted name, tab or not, and then finds no such file).
     */
    static String quote(String prefix, String path) {
        return quote(prefix, path, false);
    }

    /**
     * As {@link #quote(String, String)}; with {@code quoteSpaces}, a name holding a space is quoted
     * as well. For the {@code diff --git} line, where nothing ends a name: GNU patch reads the names
     * of a section without {@code ---}/{@code +++} lines (an added or deleted empty file) from it,
     * and cannot split an unquoted name with a space there. git reads quoted names anywhere.
     */
    static String quote(String prefix, String path, boolean quoteSpaces) {
        byte[] bytes = (prefix + path).getBytes(StandardCharsets.UTF_8);
        boolean plain = !path.endsWith(" ") && !(quoteSpaces && path.indexOf(' ') >= 0);
        for (int i = 0; i < bytes.length && plain; i++) {
            int c = bytes[i] & 0xff;
            plain = c >= 0x20 && c != '"' && c != '\\' && c < 0x7f;
        }
        if (plain) {
            return prefix + path;
        }
        StringBuilder sb = new StringBuilder(bytes.length + 8).append('"');
        for (byte x : bytes) {
            int c = x & 0xff;
            switch (c) {
                case 0x07 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case 0x0b -> sb.append("\\v");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append('\\').append((char) ('0' + (c >> 6))).append((char) ('0' + ((c >> 3) & 7)))
                                .append((char) ('0' + (c & 7)));
                    } else {
                        sb.append((char) c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
