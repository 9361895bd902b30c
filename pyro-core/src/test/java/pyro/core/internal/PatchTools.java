package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real patch tools for the diff tests: writes trees to folders, applies a patch with GNU
 * {@code patch -p1} or {@code git apply}, reads the result back. Both tools are host packages
 * (scripts/install-host-packages installs them); a missing one fails the test, naming it.
 */
final class PatchTools {
    private PatchTools() {}

    /** The result of a tool run: exit code and its output (stdout and stderr together). */
    record Run(int exit, String output) {}

    static void write(Path dir, Map<String, String> tree) {
        try {
            for (Map.Entry<String, String> e : tree.entrySet()) {
                Path f = dir.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.write(f, e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every regular file under {@code dir} (but {@code .git}), by path relative to it, as text. */
    static Map<String, String> read(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                if (!rel.equals(".git") && !rel.startsWith(".git/")) {
                    out.put(rel, new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** {@code patch -p1} in {@code dir}, reading the patch from a file beside it. */
    static Run patch(Path dir, String patch) {
        Path file = patchFile(dir, patch);
        return run(dir, "patch", "-p1", "--batch", "--no-backup-if-mismatch", "-i", file.toString());
    }

    /**
     * {@code git apply} in {@code dir}, which is not (and is not inside) a git repository. An empty
     * patch (an unchanged tree) is allowed; the caller compares the trees either way.
     */
    static Run gitApply(Path dir, String patch) {
        Path file = patchFile(dir, patch);
        return run(dir, "git", "apply", "-v", "--allow-empty", file.toString());
    }

    static Run git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "core.quotePath=true", "-c", "user.name=t",
                "-c", "user.email=t@t"));
        cmd.addAll(List.of(args));
        return run(dir, cmd.toArray(String[]::new));
    }

    /** Applies with {@code tool} to a copy of {@code baseline} in {@code dir} and returns the tree. */
    static Map<String, String> applied(Path dir, Map<String, String> baseline, String patch, boolean gitApply) {
        Path work = dir.resolve("work");
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(work, baseline);
        Run r = gitApply ? gitApply(work, patch) : patch(work, patch);
        assertEquals(0, r.exit(), (gitApply ? "git apply" : "patch -p1") + " failed:\n" + r.output() + "\npatch:\n" + patch);
        return read(work);
    }

    private static Path patchFile(Path dir, String patch) {
        try {
            Path file = Files.createTempFile(dir.getParent(), "p", ".diff");
            Files.write(file, patch.getBytes(StandardCharsets.UTF_8));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Run run(Path dir, String... cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        // no repository above the folder, no user or system configuration: the tool's defaults
        pb.environment().put("GIT_CEILING_DIRECTORIES", dir.getParent().toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.environment().put("LC_ALL", "C");
        pb.environment().remove("POSIXLY_CORRECT");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd[0] + " did not finish");
            return new Run(p.exitValue(), out);
        } catch (IOException e) {
            throw new AssertionError(cmd[0] + " cannot be run (" + e.getMessage()
                    + "): the diff tests need GNU patch and git, see scripts/install-host-packages", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * A whole-tree patch as {@code WorkspaceFiles.diff} builds it: one {@link UnifiedDiff#git} section
     * per changed path, in path order.
     */
    static String treePatch(Map<String, String> before, Map<String, String> after) {
        TreeMap<String, Boolean> paths = new TreeMap<>();
        before.keySet().forEach(p -> paths.put(p, true));
        after.keySet().forEach(p -> paths.put(p, true));
        StringBuilder sb = new StringBuilder();
        for (String p : paths.keySet()) {
            sb.append(UnifiedDiff.git(p, before.get(p), after.get(p)));
        }
        return sb.toString();
    }
}
