package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded property tests for the workspace diff over random trees: a tree diffed with itself is
 * empty, and applying the reported changes to the baseline yields the current tree. Replay a
 * failure with its seed (printed in the test name and the message).
 */
class TreeDiffPropertyTest {
    static LongStream seeds() {
        long base = Long.getLong("pyro.seed", 20261125L);
        return LongStream.range(0, 200).map(i -> base + i);
    }

    static Map<String, TreeDiff.Node> randomTree(Random r) {
        Map<String, TreeDiff.Node> t = new TreeMap<>();
        int n = r.nextInt(40);
        for (int i = 0; i < n; i++) {
            String path = "d" + r.nextInt(4) + "/f" + r.nextInt(15);
            t.put(path, randomNode(r));
        }
        return t;
    }

    static TreeDiff.Node randomNode(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> new TreeDiff.Node("file", r.nextBoolean() ? 0644 : 0755, Integer.toHexString(r.nextInt(4)), null);
            case 1 -> new TreeDiff.Node("dir", 0755, null, null);
            default -> new TreeDiff.Node("symlink", 0777, null, "t" + r.nextInt(3));
        };
    }

    /** The current tree: the baseline with random edits (adds, deletes, content, mode and type changes). */
    static Map<String, TreeDiff.Node> mutate(Map<String, TreeDiff.Node> base, Random r) {
        Map<String, TreeDiff.Node> t = new TreeMap<>(base);
        int edits = r.nextInt(12);
        for (int i = 0; i < edits; i++) {
            String path = "d" + r.nextInt(4) + "/f" + r.nextInt(15);
            if (r.nextInt(4) == 0) {
                t.remove(path);
            } else {
                t.put(path, randomNode(r));
            }
        }
        return t;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aTreeDiffedWithItselfIsEmpty(long seed) {
        Map<String, TreeDiff.Node> tree = randomTree(new Random(seed));
        assertTrue(TreeDiff.diff(tree, new TreeMap<>(tree)).isEmpty(), "seed " + seed);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void applyingTheChangesToTheBaselineYieldsTheTree(long seed) {
        Random r = new Random(seed);
        Map<String, TreeDiff.Node> baseline = randomTree(r);
        Map<String, TreeDiff.Node> current = mutate(baseline, r);
        List<TreeDiff.Change> changes = TreeDiff.diff(baseline, current);
        assertEquals(current, TreeDiff.apply(baseline, changes), "seed " + seed);
        for (TreeDiff.Change c : changes) {
            String expected = !baseline.containsKey(c.path()) ? "added"
                    : !current.containsKey(c.path()) ? "deleted"
                    : !baseline.get(c.path()).type().equals(current.get(c.path()).type()) ? "type_changed"
                    : "modified";
            assertEquals(expected, c.status(), "seed " + seed + " path " + c.path());
        }
        assertEquals(changes.stream().map(TreeDiff.Change::path).sorted().toList(),
                changes.stream().map(TreeDiff.Change::path).toList(), "entries sorted by path, seed " + seed);
    }
}
