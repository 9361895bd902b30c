package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded property tests of the patch against the real tools: random trees of text files (empty
 * ones, ones without a final newline, CRLF lines, lines that look like patch headers, oddly named
 * files), random edits, adds and deletes; {@code patch -p1} and {@code git apply} on the baseline
 * must give the current tree byte for byte. Replay a failure with its seed (in the test name and
 * the message), or move the whole range with {@code -Dpyro.seed=N}.
 */
class UnifiedDiffPropertyTest {
    /** Lines that a careless patch writer or reader could take for patch syntax. */
    private static final List<String> TRICKY = List.of("--- a/x", "+++ b/x", "@@ -1,1 +1,1 @@",
            "\\ No newline at end of file", "diff --git a/x b/x", "", " ", "\t", "-", "+", "new file mode 100644");

    /** The names a tree may hold: plain, nested, and ones git must quote. */
    private static final List<String> NAMES;

    static {
        List<String> n = new ArrayList<>(List.of("f0", "f1", "f2.txt", "d/f3", "d/e/f4", "d/e/f5"));
        n.addAll(GitPatchTest.UNUSUAL_NAMES);
        NAMES = List.copyOf(n);
    }

    static LongStream seeds() {
        long base = Long.getLong("pyro.seed", 20261201L);
        return LongStream.range(0, 60).map(i -> base + i);
    }

    static LongStream fewSeeds() {
        return seeds().limit(10);
    }

    static LongStream rewriteSeeds() {
        return seeds().limit(3);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void patchMinusP1OnTheBaselineGivesTheCurrentTree(long seed, @TempDir Path tmp) {
        roundTrip(seed, tmp, false);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void gitApplyOnTheBaselineGivesTheCurrentTree(long seed, @TempDir Path tmp) {
        roundTrip(seed, tmp, true);
    }

    private static void roundTrip(long seed, Path tmp, boolean gitApply) {
        Random r = new Random(seed);
        Map<String, String> baseline = new TreeMap<>();
        for (String name : NAMES) {
            if (r.nextInt(3) > 0) {
                baseline.put(name, randomText(r));
            }
        }
        Map<String, String> current = new TreeMap<>(baseline);
        for (String name : NAMES) {
            String old = baseline.get(name);
            int roll = r.nextInt(10);
            if (old == null && roll < 4) {
                current.put(name, r.nextInt(4) == 0 ? "" : randomText(r));
            } else if (old != null && roll < 2) {
                current.remove(name);
            } else if (old != null && roll < 7) {
                current.put(name, edit(old, r));
            }
        }
        String patch = PatchTools.treePatch(baseline, current);
        Map<String, String> got = PatchTools.applied(tmp, baseline, patch, gitApply);
        assertEquals(current, got, "seed " + seed + ", patch:\n" + patch);
    }

    /** A one-line change in a 5,000-line file (5,564 in odd seeds) is one hunk of 3 + 2 + 3 lines at most. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("fewSeeds")
    void oneChangedLineInAFiveThousandLineFileIsOneSmallHunk(long seed, @TempDir Path tmp) {
        Random r = new Random(seed);
        int n = seed % 2 == 0 ? 5000 : 5564;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("line " + r.nextInt(50) + "\n");
        }
        String before = String.join("", lines);
        int at = r.nextInt(n);
        lines.set(at, "changed " + seed + "\n");
        String after = String.join("", lines);
        String patch = UnifiedDiff.git("big.txt", before, after);
        List<String> patchLines = patch.lines().toList();
        assertEquals(1, patchLines.stream().filter(l -> l.startsWith("@@ ")).count(), "seed " + seed + "\n" + patch);
        int hunkLines = patchLines.size() - 3;
        assertTrue(hunkLines < 20, "seed " + seed + ": " + hunkLines + " hunk lines\n" + patch);
        int from = Math.max(0, at - 3);
        int len = Math.min(n, at + 4) - from;
        assertEquals("@@ -" + (from + 1) + "," + len + " +" + (from + 1) + "," + len + " @@", patchLines.get(3),
                "seed " + seed);
        assertEquals(Map.of("big.txt", after), PatchTools.applied(tmp, Map.of("big.txt", before), patch, true),
                "seed " + seed);
    }

    /**
     * Fifty one-line edits spread over a 5,000-line file stay fifty hunks of their own: the work
     * limit leaves real edits to Myers' algorithm.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("fewSeeds")
    void scatteredEditsInALargeFileAreSeparateHunks(long seed, @TempDir Path tmp) {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            lines.add("line " + r.nextInt(50) + "\n");
        }
        String before = String.join("", lines);
        for (int k = 0; k < 50; k++) {
            int at = k * 100 + 10 + r.nextInt(80); // 20 or more equal lines apart: never one hunk
            switch (r.nextInt(3)) {
                case 0 -> lines.set(at, "changed " + k + "\n");
                case 1 -> lines.set(at, lines.get(at) + "inserted " + k + "\n");
                default -> lines.set(at, "");
            }
        }
        String after = String.join("", lines);
        String patch = UnifiedDiff.git("f", before, after);
        assertEquals(50, patch.lines().filter(l -> l.startsWith("@@ ")).count(), "seed " + seed + "\n" + patch);
        assertEquals(Map.of("f", after), PatchTools.applied(tmp, Map.of("f", before), patch, false), "seed " + seed);
    }

    /**
     * Files so scrambled that Myers' algorithm would need far more than {@link UnifiedDiff#WORK_LIMIT}
     * (20,000 random lines over four values each): the changed region is one hunk, and it applies.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("rewriteSeeds")
    void aRewriteBeyondTheWorkLimitIsOneHunkThatApplies(long seed, @TempDir Path tmp) {
        Random r = new Random(seed);
        StringBuilder a = new StringBuilder("head\n");
        StringBuilder b = new StringBuilder("head\n");
        for (int i = 0; i < 20_000; i++) {
            a.append('v').append(r.nextInt(4)).append('\n');
            b.append('v').append(r.nextInt(4)).append('\n');
        }
        a.append("tail\n");
        b.append("tail");
        long t0 = System.nanoTime();
        String patch = UnifiedDiff.git("f", a.toString(), b.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, patch.lines().filter(l -> l.startsWith("@@ ")).count(), "seed " + seed);
        assertTrue(patch.lines().anyMatch(l -> l.equals(" head")), "the common first line is context, seed " + seed);
        assertTrue(ms < 10_000, "seed " + seed + ": " + ms + " ms");
        assertEquals(Map.of("f", b.toString()),
                PatchTools.applied(tmp, Map.of("f", a.toString()), patch, false),
                "seed " + seed);
    }

    static String randomText(Random r) {
        int n = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? 6 : 40);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(randomLine(r)).append(r.nextInt(12) == 0 ? "\r\n" : "\n");
        }
        return r.nextInt(4) == 0 && !sb.isEmpty() ? sb.substring(0, sb.length() - 1) : sb.toString();
    }

    private static String randomLine(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> TRICKY.get(r.nextInt(TRICKY.size()));
            case 1 -> "x" + r.nextInt(1000) + " ünï";
            default -> "l" + r.nextInt(6);
        };
    }

    /** Random inserts, deletes and replacements of lines, and sometimes a change of the last line's end. */
    static String edit(String text, Random r) {
        List<String> lines = new ArrayList<>(UnifiedDiff.terminatedLines(text));
        int edits = 1 + r.nextInt(5);
        for (int e = 0; e < edits; e++) {
            int at = lines.isEmpty() ? 0 : r.nextInt(lines.size());
            switch (r.nextInt(4)) {
                case 0 -> lines.add(Math.min(at + r.nextInt(2), lines.size()), randomLine(r) + "\n");
                case 1 -> {
                    if (!lines.isEmpty()) {
                        lines.remove(at);
                    }
                }
                case 2 -> {
                    if (!lines.isEmpty()) {
                        lines.set(at, randomLine(r) + "\n");
                    }
                }
                default -> {
                    if (!lines.isEmpty()) {
                        String last = lines.getLast();
                        lines.set(lines.size() - 1, last.endsWith("\n") ? last.substring(0, last.length() - 1) : last + "\n");
                    }
                }
            }
        }
        // only the last line may lack its line end
        for (int i = 0; i < lines.size() - 1; i++) {
            if (!lines.get(i).endsWith("\n")) {
                lines.set(i, lines.get(i) + "\n");
            }
        }
        return String.join("", lines);
    }
}
