package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The patch format against git itself: names, extended headers, hunks, the missing-newline marker. */
class GitPatchTest {
    /** Names git quotes (and a few it does not), each a file of its own in the tests below. */
    static final List<String> UNUSUAL_NAMES = List.of("plain", "sp ace", "trailing ", "tab\tname", "nl\nname",
            "qu\"ote", "back\\slash", "ünïcödé", "emoji😀", "del\u007f", "bell\u0007bs\bvt\u000bff\fcr\r", "ctl\u0001\u001f",
            "--- x", "+++ y", "@@ z", "d/sp ace", "d/e/\"q\"");

    /**
     * A guest file named {@code x\n+++ b/victim.txt}, modified: unquoted, its header lines are
     * {@code --- a/x}, {@code +++ b/victim.txt}, ... and GNU patch applies its hunk to victim.txt, a
     * file the guest never touched. Quoted as git quotes it, {@code git apply} and {@code patch -p1}
     * change only the oddly named file. Same for an added file named {@code zz\n+++ b}.
     */
    @Test
    void patchHeaderOfNewlineNameCannotTargetAnotherFile(@TempDir Path tmp) throws Exception {
        String forged = "x\n+++ b/victim.txt";
        Map<String, String> baseline = Map.of("victim.txt", "safe\n", forged, "safe\n", "b", "bee\n");
        Map<String, String> current = new TreeMap<>(baseline);
        current.put(forged, "owned\n");
        current.put("zz\n+++ b", "owned too\n");
        String patch = PatchTools.treePatch(baseline, current);
        assertEquals("diff --git \"a/x\\n+++ b/victim.txt\" \"b/x\\n+++ b/victim.txt\"\n"
                + "--- \"a/x\\n+++ b/victim.txt\"\t\n"
                + "+++ \"b/x\\n+++ b/victim.txt\"\t\n"
                + "@@ -1,1 +1,1 @@\n"
                + "-safe\n"
                + "+owned\n"
                + "diff --git \"a/zz\\n+++ b\" \"b/zz\\n+++ b\"\n"
                + "new file mode 100644\n"
                + "--- /dev/null\n"
                + "+++ \"b/zz\\n+++ b\"\t\n"
                + "@@ -0,0 +1,1 @@\n"
                + "+owned too\n", patch);
        assertFalse(patch.lines().anyMatch(l -> l.startsWith("+++ b/victim.txt") || l.equals("+++ b")), patch);
        for (boolean gitApply : new boolean[] {true, false}) {
            Path dir = Files.createDirectories(tmp.resolve(gitApply ? "git" : "patch"));
            assertEquals(current, PatchTools.applied(dir, baseline, patch, gitApply), gitApply ? "git apply" : "patch -p1");
        }
        // the bug: the header the old code wrote for the same change makes GNU patch edit victim.txt
        String unquoted = "--- a/" + forged + "\n+++ b/" + forged + "\n@@ -1,1 +1,1 @@\n-safe\n+owned\n";
        Path old = Files.createDirectories(tmp.resolve("old"));
        Map<String, String> oldResult = PatchTools.applied(old, baseline, unquoted, false);
        assertEquals("owned\n", oldResult.get("victim.txt"), "the unquoted header retargets the patch");
    }

    @Test
    void quoteIsGitsQuoteCStyle() {
        assertEquals("a/plain", UnifiedDiff.quote("a/", "plain"));
        assertEquals("a/sp ace", UnifiedDiff.quote("a/", "sp ace"));
        // the two additions for GNU patch: a trailing space, and a space in the diff --git line
        assertEquals("\"a/trailing \"", UnifiedDiff.quote("a/", "trailing "));
        assertEquals("\"a/sp ace\"", UnifiedDiff.quote("a/", "sp ace", true));
        assertEquals("a/plain", UnifiedDiff.quote("a/", "plain", true));
        assertEquals("\"b/nl\\nx\"", UnifiedDiff.quote("b/", "nl\nx"));
        assertEquals("\"a/\\a\\b\\t\\n\\v\\f\\r\"", UnifiedDiff.quote("a/", "\u0007\b\t\n\u000b\f\r"));
        assertEquals("\"a/\\000\\001\\037\\177\"", UnifiedDiff.quote("a/", "\u0000\u0001\u001f\u007f"));
        assertEquals("\"a/q\\\"b\\\\s\"", UnifiedDiff.quote("a/", "q\"b\\s"));
        assertEquals("\"a/\\303\\274\"", UnifiedDiff.quote("a/", "ü"));
        assertEquals("\"a/\\360\\237\\230\\200\"", UnifiedDiff.quote("a/", "😀"));
    }

    @Test
    void missingFinalNewlineIsMarkedAsGitMarksIt() {
        assertEquals("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
                + "\\ No newline at end of file\n", UnifiedDiff.of("f", "a\nb", "a\nc"));
        assertEquals("--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+a\n\\ No newline at end of file\n",
                UnifiedDiff.of("f", "a\n", "a"));
        assertEquals("--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n+0\n a\n b\n\\ No newline at end of file\n",
                UnifiedDiff.of("f", "a\nb", "0\na\nb"));
    }

    @Test
    void unchangedContentGivesNoGitSection() {
        assertEquals("", UnifiedDiff.git("f", "x\n", "x\n"));
        assertEquals("", UnifiedDiff.git("f", null, null));
        assertEquals("", UnifiedDiff.git("f", "", ""));
    }

    /**
     * The whole patch for modified, added, deleted, empty, newline-less and oddly named files is
     * the one {@code git diff} prints, up to what this format leaves out on purpose: {@code index}
     * lines of non-empty files (blob ids), and the ",1" git omits from one-line ranges.
     */
    @Test
    void patchIsWhatGitDiffPrints(@TempDir Path repo) {
        Map<String, String> before = new LinkedHashMap<>();
        Map<String, String> after = new LinkedHashMap<>();
        for (String n : UNUSUAL_NAMES) {
            before.put(n, "x\n");
            after.put(n, "y\n");
        }
        before.put("deleted", "1\n2\n");
        after.put("added", "1\n");
        after.put("added sp ace", "1\n2\n3\n");
        after.put("empty_new", "");
        before.put("empty_gone", "");
        after.put("nl\n_empty_new", "");
        before.put("emptied", "1\n");
        after.put("emptied", "");
        before.put("filled", "");
        after.put("filled", "1\n");
        before.put("nonl", "1\n2");
        after.put("nonl", "1\n3");
        before.put("addnl", "1");
        after.put("addnl", "1\n");
        before.put("dropnl", "1\n2\n3\n4\n5\n");
        after.put("dropnl", "1\n2\n3\n4\n5");
        String twenty = numbered(20);
        before.put("gap6", twenty);
        after.put("gap6", twenty.replace("\n3\n", "\n3x\n").replace("\n10\n", "\n10x\n"));
        before.put("gap7", twenty);
        after.put("gap7", twenty.replace("\n3\n", "\n3x\n").replace("\n11\n", "\n11x\n"));
        before.put("crlf", "1\r\n2\r\n3\r\n");
        after.put("crlf", "1\r\n2\n3\r\n");
        String hundred = numbered(100);
        before.put("hundred", hundred);
        after.put("hundred", hundred.replace("\n40\n", "\n").replace("\n60\n", "\n60\n60b\n").replace("\n99\n", "\n"));

        PatchTools.write(repo, before);
        git(repo, "init", "-q", ".");
        git(repo, "add", "-A");
        git(repo, "commit", "-q", "-m", "before");
        for (String p : before.keySet()) {
            if (!after.containsKey(p)) {
                delete(repo.resolve(p));
            }
        }
        PatchTools.write(repo, after);
        git(repo, "add", "-A");
        String gits = git(repo, "diff", "--cached", "--no-renames", "--no-color", "--no-ext-diff", "--src-prefix=a/",
                "--dst-prefix=b/");
        String ours = PatchTools.treePatch(new TreeMap<>(before), new TreeMap<>(after));
        assertEquals(normalise(gits), ours);
    }

    private static String numbered(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> i + "\n").collect(Collectors.joining());
    }

    /**
     * git's patch as this format writes it: no index lines for non-empty files, one-line ranges with
     * ",1", no function names after hunk headers, and the two quotings added for GNU patch: a name
     * with a space in the {@code diff --git} line, and a name ending in a space everywhere.
     */
    private static String normalise(String gitDiff) {
        StringBuilder sb = new StringBuilder();
        for (String l : gitDiff.split("\n", -1)) {
            if (l.startsWith("index ") && !l.equals("index 0000000..e69de29") && !l.equals("index e69de29..0000000")) {
                continue;
            }
            String names = l.substring(Math.min(l.length(), "diff --git ".length()));
            if (l.startsWith("diff --git a/") && names.chars().filter(c -> c == ' ').count() > 1) {
                String name = names.substring(2, 2 + (names.length() - 5) / 2);
                assertEquals("a/" + name + " b/" + name, names);
                l = "diff --git \"a/" + name + "\" \"b/" + name + "\"";
            }
            if ((l.startsWith("--- a/") || l.startsWith("+++ b/")) && l.endsWith(" \t")) {
                l = l.substring(0, 4) + "\"" + l.substring(4, l.length() - 1) + "\"\t";
            }
            if (l.startsWith("@@ ")) {
                l = l.replaceAll("^@@ -(\\d+) ", "@@ -$1,1 ").replaceAll(" \\+(\\d+) @@", " +$1,1 @@")
                        .replaceAll(" @@ .*$", " @@");
            }
            sb.append(l).append('\n');
        }
        return sb.substring(0, sb.length() - 1);
    }

    private static String git(Path repo, String... args) {
        PatchTools.Run r = PatchTools.git(repo, args);
        assertEquals(0, r.exit(), "git " + String.join(" ", args) + ":\n" + r.output());
        return r.output();
    }

    private static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
