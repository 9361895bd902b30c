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

    /**
     * Issue 23, row 11: a binary patch applied as an empty file with success, and a symlink, a mode
     * change or a pure rename was skipped with success. Each is refused naming the file and why, from
     * what git itself prints, before anything is read or written.
     */
    @Test
    void binaryPatchesSymlinksModesAndPureRenamesAreRefusedNotSkipped(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path repo) throws Exception {
        java.nio.file.Files.write(repo.resolve("logo.bin"), new byte[] {0, 1, 2, (byte) 0xff, 0, 3});
        java.nio.file.Files.writeString(repo.resolve("old name.txt"), "one\ntwo\nthree\n");
        java.nio.file.Files.writeString(repo.resolve("run.sh"), "echo hi\n");
        java.nio.file.Files.writeString(repo.resolve("keep.txt"), "a\n");
        git(repo, "init", "-q", ".");
        git(repo, "add", "-A");
        git(repo, "commit", "-q", "-m", "before");
        java.nio.file.Files.write(repo.resolve("logo.bin"), new byte[] {0, 1, 2, (byte) 0xfe, 0, 3, 4});
        java.nio.file.Files.write(repo.resolve("new.bin"), new byte[] {0, 9, 0, 9});
        java.nio.file.Files.createSymbolicLink(repo.resolve("link"), java.nio.file.Path.of("keep.txt"));
        java.nio.file.Files.move(repo.resolve("old name.txt"), repo.resolve("new name.txt"));
        java.nio.file.Files.setPosixFilePermissions(repo.resolve("run.sh"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        java.nio.file.Files.writeString(repo.resolve("keep.txt"), "b\n");
        git(repo, "add", "-A");
        java.util.function.Function<String[], String> diff = paths -> {
            List<String> args = new java.util.ArrayList<>(List.of("diff", "--cached", "-M", "--no-color", "--no-ext-diff",
                    "--src-prefix=a/", "--dst-prefix=b/"));
            args.addAll(List.of(paths));
            return git(repo, args.toArray(String[]::new));
        };
        String text = diff.apply(new String[] {"--", "keep.txt"});
        java.util.Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put(diff.apply(new String[] {"--binary", "--", "logo.bin"}),
                "the patch changes logo.bin as a binary file: binary patches are not applied (write the file with"
                        + " workspace file write).");
        refused.put(diff.apply(new String[] {"--binary", "--", "new.bin"}), // was: an empty new.bin, and success
                "the patch changes new.bin as a binary file: binary patches are not applied (write the file with"
                        + " workspace file write).");
        refused.put(diff.apply(new String[] {"--", "logo.bin"}), "the patch changes logo.bin as a binary file: binary"
                + " patches are not applied (write the file with workspace file write).");
        refused.put(diff.apply(new String[] {"--", "link"}),
                "the patch makes link a symlink (mode 120000): only regular files are patched.");
        refused.put(diff.apply(new String[] {"--", "old name.txt", "new name.txt"}), "the patch renames old name.txt to"
                + " new name.txt: renames are not applied (write the new file and delete the old one).");
        refused.put(diff.apply(new String[] {"--", "run.sh"}),
                "the patch changes the mode of run.sh from 100644 to 100755: modes are not applied, only contents.");
        assertEquals("b\n", UnifiedPatch.apply(UnifiedPatch.parse(text).getFirst(), "a\n"), text);
        for (var e : refused.entrySet()) {
            for (String patch : List.of(e.getKey(), text + e.getKey(), e.getKey() + text)) {
                PyroException x = assertThrows(PyroException.class, () -> UnifiedPatch.parse(patch), patch);
                assertEquals(ErrorCode.INVALID_INPUT, x.code(), patch);
                assertEquals(e.getValue(), x.getMessage(), patch);
            }
        }
    }

    private static String git(java.nio.file.Path repo, String... args) {
        PatchTools.Run r = PatchTools.git(repo, args);
        assertEquals(0, r.exit(), "git " + String.join(" ", args) + ":\n" + r.output());
        return r.output();
    }
}
