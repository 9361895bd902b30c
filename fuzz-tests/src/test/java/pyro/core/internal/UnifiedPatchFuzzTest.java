package pyro.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.core.PyroException;
import pyro.fuzz.Fuzzer;

/**
 * Patches: {@code workspace patch apply} takes an agent's or a user's unified diff. Parsing it and
 * applying each file's hunks to a text must give a text or refuse with a PyroException (one sentence
 * naming what is wrong), never another exception.
 */
class UnifiedPatchFuzzTest {
    static final String BASE = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";

    static List<byte[]> seeds() {
        return List.of(
                ("--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n").getBytes(StandardCharsets.UTF_8),
                ("diff --git a/f.txt b/f.txt\nindex 1234567..89abcde 100644\n--- a/f.txt\n+++ b/f.txt\n"
                        + "@@ -6,3 +6,4 @@ five\n six\n seven\n+seven and a half\n eight\n").getBytes(StandardCharsets.UTF_8),
                ("--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n").getBytes(StandardCharsets.UTF_8),
                ("--- a/f.txt\n+++ /dev/null\n@@ -1,8 +0,0 @@\n-one\n-two\n-three\n-four\n-five\n-six\n-seven\n-eight\n")
                        .getBytes(StandardCharsets.UTF_8),
                ("--- a/f.txt\n+++ b/f.txt\n@@ -8 +8 @@\n-eight\n\\ No newline at end of file\n+EIGHT\n")
                        .getBytes(StandardCharsets.UTF_8),
                ("diff --git \"a/sp ace.txt\" \"b/sp ace.txt\"\n--- \"a/sp ace.txt\"\n+++ \"b/sp ace.txt\"\n"
                        + "@@ -1 +1 @@\n-one\n+\\303\\251\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void patchesApplyOrAreRefusedInOneSentence() {
        Fuzzer.run("unified-patch", seeds(), input -> {
            for (UnifiedPatch.FilePatch fp : UnifiedPatch.parse(new String(input, StandardCharsets.UTF_8))) {
                UnifiedPatch.apply(fp, BASE);
            }
        }, PyroException.class);
    }
}
