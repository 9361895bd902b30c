package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UnifiedDiffTest {
    @Test
    void oneChangedLineWithContext() {
        String d = UnifiedDiff.of("README.md", "a\nb\nc\n", "a\nB\nc\n");
        assertEquals("--- a/README.md\n+++ b/README.md\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", d);
    }

    @Test
    void addedAndDeletedFilesUseDevNull() {
        assertTrue(UnifiedDiff.of("n.txt", null, "x\n").startsWith("--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,1 @@\n+x\n"));
        assertTrue(UnifiedDiff.of("o.txt", "x\n", null).startsWith("--- a/o.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n"));
    }

    static LongStream seeds() {
        return LongStream.range(1, 101);
    }

    /** Applying the patch's hunks to the old text gives the new text (seeded random edits). */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void patchAppliesBack(long seed) {
        Random r = new Random(seed);
        List<String> a = new ArrayList<>();
        for (int i = 0; i < r.nextInt(40); i++) {
            a.add("l" + r.nextInt(8));
        }
        List<String> b = new ArrayList<>(a);
        for (int i = 0; i < r.nextInt(6); i++) {
            int at = b.isEmpty() ? 0 : r.nextInt(b.size());
            if (r.nextBoolean() && !b.isEmpty()) {
                b.remove(at);
            } else {
                b.add(at, "n" + r.nextInt(8));
            }
        }
        String before = a.isEmpty() ? "" : String.join("\n", a) + "\n";
        String after = b.isEmpty() ? "" : String.join("\n", b) + "\n";
        String patch = UnifiedDiff.of("f", before, after);
        assertEquals(after, apply(before, patch), "seed " + seed + "\n" + patch);
    }

    private static String apply(String before, String patch) {
        List<String> src = UnifiedDiff.lines(before);
        List<String> out = new ArrayList<>();
        int pos = 0;
        String[] lines = patch.split("\n");
        for (int i = 2; i < lines.length; i++) {
            String l = lines[i];
            if (l.startsWith("@@")) {
                int start = Integer.parseInt(l.substring(4, l.indexOf(',')));
                int len = Integer.parseInt(l.substring(l.indexOf(',') + 1, l.indexOf(' ', 4)));
                int from = len == 0 ? start : start - 1;
                while (pos < from) {
                    out.add(src.get(pos++));
                }
            } else if (l.startsWith(" ")) {
                out.add(src.get(pos++));
            } else if (l.startsWith("-")) {
                pos++;
            } else if (l.startsWith("+")) {
                out.add(l.substring(1));
            }
        }
        while (pos < src.size()) {
            out.add(src.get(pos++));
        }
        return out.isEmpty() ? "" : String.join("\n", out) + "\n";
    }
}
