package pyro.core.internal;

import java.util.ArrayList;
import java.util.List;

/** Unified diffs of text, line based, with three lines of context, as {@code git diff} prints them. */
public final class UnifiedDiff {
    private static final int CONTEXT = 3;
    /** Above this many line pairs the LCS table is too big: the whole file is shown as replaced. */
    private static final long MAX_CELLS = 4_000_000;

    private UnifiedDiff() {}

    private record Op(char kind, String line) {}

    public static String of(String path, String before, String after) {
        List<String> a = before == null ? List.of() : lines(before);
        List<String> b = after == null ? List.of() : lines(after);
        List<Op> ops = ops(a, b);
        StringBuilder sb = new StringBuilder();
        sb.append("--- ").append(before == null ? "/dev/null" : "a/" + path).append('\n');
        sb.append("+++ ").append(after == null ? "/dev/null" : "b/" + path).append('\n');
        int i = 0;
        while (i < ops.size()) {
            if (ops.get(i).kind() == ' ') {
                i++;
                continue;
            }
            int start = Math.max(0, i - CONTEXT);
            int end = i;
            int lastChange = i;
            while (end < ops.size()) {
                if (ops.get(end).kind() != ' ') {
                    lastChange = end;
                } else if (end - lastChange > 2 * CONTEXT) {
                    break;
                }
                end++;
            }
            end = Math.min(ops.size(), lastChange + CONTEXT + 1);
            int aStart = 0;
            int bStart = 0;
            for (int k = 0; k < start; k++) {
                if (ops.get(k).kind() != '+') {
                    aStart++;
                }
                if (ops.get(k).kind() != '-') {
                    bStart++;
                }
            }
            int aLen = 0;
            int bLen = 0;
            StringBuilder hunk = new StringBuilder();
            for (int k = start; k < end; k++) {
                Op op = ops.get(k);
                if (op.kind() != '+') {
                    aLen++;
                }
                if (op.kind() != '-') {
                    bLen++;
                }
                hunk.append(op.kind()).append(op.line()).append('\n');
            }
            sb.append("@@ -").append(aLen == 0 ? aStart : aStart + 1).append(',').append(aLen)
                    .append(" +").append(bLen == 0 ? bStart : bStart + 1).append(',').append(bLen).append(" @@\n");
            sb.append(hunk);
            i = end;
        }
        return sb.toString();
    }

    static List<String> lines(String s) {
        List<String> out = new ArrayList<>(List.of(s.split("\n", -1)));
        if (!out.isEmpty() && out.getLast().isEmpty()) {
            out.removeLast();
        }
        return out;
    }

    private static List<Op> ops(List<String> a, List<String> b) {
        int n = a.size();
        int m = b.size();
        List<Op> out = new ArrayList<>();
        if ((long) n * m > MAX_CELLS) {
            a.forEach(l -> out.add(new Op('-', l)));
            b.forEach(l -> out.add(new Op('+', l)));
            return out;
        }
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < n && j < m) {
            if (a.get(i).equals(b.get(j))) {
                out.add(new Op(' ', a.get(i)));
                i++;
                j++;
            } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
                out.add(new Op('-', a.get(i++)));
            } else {
                out.add(new Op('+', b.get(j++)));
            }
        }
        while (i < n) {
            out.add(new Op('-', a.get(i++)));
        }
        while (j < m) {
            out.add(new Op('+', b.get(j++)));
        }
        return out;
    }
}
