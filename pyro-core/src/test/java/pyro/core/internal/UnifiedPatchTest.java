package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;

/**
 * The patch reader and applier against the patches pyro's own diff writes: for random texts and
 * random edits (the diff property test's generators: empty files, no final newline, CRLF, lines
 * that look like patch syntax, names git must quote), applying {@code UnifiedDiff.git(old, new)}
 * to old gives new, byte for byte. Replay a failure with its seed, or move the range with
 * {@code -Dpyro.seed=N}.
 */
class UnifiedPatchTest {
    static LongStream seeds() {
        long base = Long.getLong("pyro.seed", 20261202L);
        return LongStream.range(0, 200).map(i -> base + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void applyingOurOwnDiffOfARandomEditGivesTheEditedText(long seed) {
        Random r = new Random(seed);
        List<String> names = GitPatchTest.UNUSUAL_NAMES;
        String name = r.nextInt(3) == 0 ? names.get(r.nextInt(names.size())) : "d/f" + r.nextInt(9) + ".txt";
        String before = r.nextInt(10) == 0 ? null : UnifiedDiffPropertyTest.randomText(r);
        String after = r.nextInt(10) == 0 && before != null ? null
                : before == null ? UnifiedDiffPropertyTest.randomText(r) : UnifiedDiffPropertyTest.edit(before, r);
        String patch = UnifiedDiff.git(name, before, after);
        String why = "seed " + seed + ", patch:\n" + patch;
        if (patch.isEmpty()) {
            return; // nothing changed
        }
        List<UnifiedPatch.FilePatch> files = UnifiedPatch.parse(patch);
        assertEquals(1, files.size(), why);
        assertEquals(name, files.getFirst().path(), why);
        assertEquals(after, UnifiedPatch.apply(files.getFirst(), before), why);
    }

    @Test
    void aHunkThatDoesNotApplyNamesTheFileTheHunkAndTheLine() {
        String patch = UnifiedDiff.git("src/a.txt", "one\ntwo\nthree\n", "one\n2\nthree\n");
        var fp = UnifiedPatch.parse(patch).getFirst();
        PyroException e = assertThrows(PyroException.class, () -> UnifiedPatch.apply(fp, "one\nTWO\nthree\n"));
        assertEquals(ErrorCode.CONFLICT, e.code());
        assertTrue(e.getMessage().contains("hunk 1 of src/a.txt") && e.getMessage().contains("line 2 is 'TWO'")
                && e.getMessage().contains("expects 'two'"), e.getMessage());
    }

    @Test
    void aHunkFoundElsewhereStillAppliesLikePatchDoes() {
        var fp = UnifiedPatch.parse(UnifiedDiff.git("f", "a\nb\nc\n", "a\nB\nc\n")).getFirst();
        assertEquals("x\ny\na\nB\nc\n", UnifiedPatch.apply(fp, "x\ny\na\nb\nc\n"));
    }

    @Test
    void creatingAnExistingFileOrChangingAMissingOneIsRefused() {
        var create = UnifiedPatch.parse(UnifiedDiff.git("new.txt", null, "hi\n")).getFirst();
        assertEquals(ErrorCode.CONFLICT, assertThrows(PyroException.class, () -> UnifiedPatch.apply(create, "x\n")).code());
        var change = UnifiedPatch.parse(UnifiedDiff.git("gone.txt", "a\n", "b\n")).getFirst();
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(PyroException.class, () -> UnifiedPatch.apply(change, null)).code());
    }

    @Test
    void emptyFilesAddedAndDeletedHaveNoHunksInGitsFormatAndStillApply() {
        var add = UnifiedPatch.parse(UnifiedDiff.git("sp ace/empty", null, "")).getFirst();
        assertEquals("", UnifiedPatch.apply(add, null));
        var del = UnifiedPatch.parse(UnifiedDiff.git("e", "", null)).getFirst();
        assertNull(UnifiedPatch.apply(del, ""));
    }

    @Test
    void malformedPatchesAreInvalidInputNamingTheLine() {
        for (String bad : List.of("", "just text\n", "--- a/x\nno plus line\n", "--- a/x\n+++ b/x\n@@ bad @@\n",
                "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n")) {
            PyroException e = assertThrows(PyroException.class, () -> UnifiedPatch.parse(bad), bad);
            assertEquals(ErrorCode.INVALID_INPUT, e.code(), bad);
        }
    }
}
