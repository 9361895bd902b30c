package pyro.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows for people, in the layout of {@code docker ps} and {@code kubectl get}: a header in capitals,
 * each column as wide as its widest cell, two spaces between columns, the last column unpadded (so a
 * long command or name never shifts the columns before it).
 */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int width;

    Table(String... header) {
        width = header.length;
        rows.add(header);
    }

    Table row(Object... cells) {
        if (cells.length != width) {
            throw new IllegalArgumentException(cells.length + " cells for " + width + " columns");
        }
        String[] r = new String[width];
        for (int i = 0; i < width; i++) {
            r[i] = cells[i] == null ? "-" : cells[i].toString();
        }
        rows.add(r);
        return this;
    }

    /** The table's lines, each without trailing spaces. */
    List<String> lines() {
        int[] w = new int[width];
        for (String[] r : rows) {
            for (int i = 0; i < width; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < width; i++) {
                sb.append(r[i]);
                if (i < width - 1) {
                    sb.append(" ".repeat(w[i] - r[i].length() + 2));
                }
            }
            out.add(sb.toString().stripTrailing());
        }
        return out;
    }

    void print(PrintStream out) {
        lines().forEach(out::println);
    }
}
