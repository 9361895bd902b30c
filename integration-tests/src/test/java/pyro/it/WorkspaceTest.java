package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The agent loop through the packaged CLI, every call a separate OS process, on a shared workspace. */
class WorkspaceTest {
    @Test
    void seedIsInWorkspaceAndCallsFromSeparateProcessesSeeTheSameWorkspace() {
        String ws = SharedWorkspace.id();
        Cli.Result cat = SharedWorkspace.cli("workspace", "exec", ws, "--", "cat", "README.md", "src/pkg/main.py");
        assertEquals(0, cat.exitCode(), cat.toString());
        assertTrue(cat.stdout().contains("# seeded") && cat.stdout().contains("hello from the seed"), cat.toString());
        Map<String, Object> status = SharedWorkspace.json("workspace", "status", ws, "--json");
        assertEquals("started", status.get("state"));
        assertEquals("/workspace", status.get("workspace_path"));
        @SuppressWarnings("unchecked")
        Map<String, Object> seed = (Map<String, Object>) status.get("workspace_seed");
        assertEquals("directory", seed.get("mode"));
        assertTrue(((Number) status.get("command_count")).longValue() >= 1);
        Map<String, Object> list = SharedWorkspace.json("workspace", "list", "--json");
        assertTrue(list.toString().contains(ws));
    }

    /** The file tools through the packaged CLI in a real guest: write, read by bytes and lines, list, patch. */
    @Test
    void fileWriteReadListAndPatchApplyInTheGuest() throws Exception {
        String ws = SharedWorkspace.id();
        try {
            Map<String, Object> w = SharedWorkspace.json("workspace", "file", "write", ws, "ft/a.txt", "--content",
                    "one\ntwo\nthree\n", "--expected-sha256", "new", "--json");
            @SuppressWarnings("unchecked")
            String sha = (String) ((List<Map<String, Object>>) w.get("files")).getFirst().get("sha256");
            Cli.Result cat = SharedWorkspace.cli("workspace", "exec", ws, "--", "sha256sum", "ft/a.txt");
            assertTrue(cat.stdout().startsWith(sha), cat + " vs " + sha);
            Cli.Result read = SharedWorkspace.cli("workspace", "file", "read", ws, "ft/a.txt");
            assertEquals(0, read.exitCode(), read.toString());
            assertEquals("one\ntwo\nthree\n", read.stdout());
            assertEquals("two\n", SharedWorkspace.cli("workspace", "file", "read", ws, "/workspace/ft/a.txt", "--lines", "2:1").stdout());
            Map<String, Object> list = SharedWorkspace.json("workspace", "file", "list", ws, "ft", "--json");
            assertTrue(list.toString().contains("path=ft/a.txt"), list.toString());

            Cli.Result stale = SharedWorkspace.cli("workspace", "file", "write", ws, "ft/a.txt", "--content", "x",
                    "--expected-sha256", "0".repeat(64));
            assertEquals(2, stale.exitCode(), stale.toString());
            assertTrue(stale.stderr().contains("changed since it was read"), stale.toString());

            Path patch = Files.createTempFile(SharedWorkspace.state(), "edit", ".patch");
            Files.writeString(patch, "--- a/ft/a.txt\n+++ b/ft/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n");
            Cli.Result applied = SharedWorkspace.cli("workspace", "patch", "apply", ws, patch.toString());
            assertEquals(0, applied.exitCode(), applied.toString());
            assertEquals("one\nTWO\nthree\n", SharedWorkspace.cli("workspace", "file", "read", ws, "ft/a.txt").stdout());
            Cli.Result again = SharedWorkspace.cli("workspace", "patch", "apply", ws, patch.toString());
            assertEquals(2, again.exitCode(), again.toString());
            assertTrue(again.stderr().contains("hunk 1 of ft/a.txt") && again.stderr().contains("line 2 is 'TWO'"),
                    again.toString());
            Cli.Result outside = SharedWorkspace.cli("workspace", "file", "read", ws, "../etc/passwd");
            assertEquals(2, outside.exitCode(), outside.toString());
        } finally {
            SharedWorkspace.cli("workspace", "exec", ws, "--", "rm", "-rf", "ft");
        }
    }

    @Test
    void execReportsExitCodeCwdAndTheJournal() {
        String ws = SharedWorkspace.id();
        SharedWorkspace.cli("workspace", "exec", ws, "--", "mkdir", "-p", "wt/sub");
        Cli.Result pwd = SharedWorkspace.cli("workspace", "exec", ws, "--cwd", "wt/sub", "--", "sh", "-c", "pwd; exit 4");
        assertEquals(4, pwd.exitCode(), pwd.toString());
        assertEquals("/workspace/wt/sub", pwd.stdout().strip());
        Cli.Result bad = SharedWorkspace.cli("workspace", "exec", ws, "--cwd", "../etc", "--", "true");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("'../etc'"), bad.toString());
        Map<String, Object> logs = SharedWorkspace.json("workspace", "logs", ws, "--json");
        assertTrue(logs.toString().contains("exit_code=4"), logs.toString());
    }

    @Test
    void syncPushThenDiffThenExport() throws Exception {
        String ws = SharedWorkspace.id();
        Path push = Files.createTempDirectory(SharedWorkspace.state(), "push");
        Files.writeString(push.resolve("pushed.txt"), "pushed content\n");
        Map<String, Object> r = SharedWorkspace.json("workspace", "sync", "push", ws, push.toString(), "--dest", "pushed", "--json");
        assertEquals("/workspace/pushed", r.get("dest"));
        SharedWorkspace.cli("workspace", "exec", ws, "--", "sh", "-c",
                "printf '# seeded\\nline 2 changed\\nline three\\n' > README.md && rm to-delete.txt");
        Map<String, Object> diff = SharedWorkspace.json("workspace", "diff", ws, "--json");
        assertEquals(true, diff.get("changed"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) diff.get("entries");
        Map<String, String> status = new java.util.HashMap<>();
        entries.forEach(e -> status.put(e.get("path").toString(), e.get("status").toString()));
        assertEquals("modified", status.get("README.md"), entries.toString());
        assertEquals("deleted", status.get("to-delete.txt"), entries.toString());
        assertEquals("added", status.get("pushed/pushed.txt"), entries.toString());
        assertFalse(status.containsKey("src/pkg/main.py"), "unchanged files are not in the diff");
        assertTrue(entries.stream().noneMatch(e -> e.get("path").toString().contains("pyro")), entries.toString());
        String patch = diff.get("patch").toString();
        assertTrue(patch.contains("-line two") && patch.contains("+line 2 changed"), patch);

        Path out = SharedWorkspace.state().resolve("exported-readme.md");
        Map<String, Object> ex = SharedWorkspace.json("workspace", "export", ws, "README.md", "--output", out.toString(), "--json");
        assertEquals("file", ex.get("artifact_type"));
        assertEquals("# seeded\nline 2 changed\nline three\n", Files.readString(out));
        Path dirOut = SharedWorkspace.state().resolve("exported-src");
        SharedWorkspace.json("workspace", "export", ws, "src", "--output", dirOut.toString(), "--json");
        assertEquals("print('hello from the seed')\n", Files.readString(dirOut.resolve("pkg/main.py")));
    }

    @Test
    void unsafeArchivesAndPathsAreRefusedAndLeaveTheWorkspaceAsItWas() throws Exception {
        String ws = SharedWorkspace.id();
        Path evil = SharedWorkspace.state().resolve("evil.tar");
        Path src = Files.createTempDirectory(SharedWorkspace.state(), "evil");
        Files.writeString(src.resolve("ok.txt"), "fine\n");
        Files.writeString(src.getParent().resolve("escape.txt"), "nope\n");
        Process tar = new ProcessBuilder("tar", "-cf", evil.toString(), "-C", src.toString(), "ok.txt",
                "../escape.txt", "--absolute-names").redirectErrorStream(true).start();
        assertEquals(0, tar.waitFor(), new String(tar.getInputStream().readAllBytes()));
        Cli.Result r = SharedWorkspace.cli("workspace", "sync", "push", ws, evil.toString());
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("../escape.txt"), r.toString());
        Cli.Result ls = SharedWorkspace.cli("workspace", "exec", ws, "--", "sh", "-c", "ls /workspace/ok.txt /escape.txt");
        assertTrue(ls.exitCode() != 0, "nothing of a refused archive may land: " + ls);

        Cli.Result dest = SharedWorkspace.cli("workspace", "sync", "push", ws, src.toString(), "--dest", "/etc");
        assertEquals(2, dest.exitCode(), dest.toString());
        assertTrue(dest.stderr().contains("'/etc'"), dest.toString());
        Cli.Result export = SharedWorkspace.cli("workspace", "export", ws, "/etc/passwd", "--output",
                SharedWorkspace.state().resolve("passwd").toString());
        assertEquals(2, export.exitCode(), export.toString());

        SharedWorkspace.cli("workspace", "exec", ws, "--", "ln", "-sf", "/etc/passwd", "outlink");
        Path linkOut = SharedWorkspace.state().resolve("outlink");
        Cli.Result out = SharedWorkspace.cli("workspace", "export", ws, "outlink", "--output", linkOut.toString());
        assertEquals(2, out.exitCode(), "a symlink out of /workspace is neither followed nor exported: " + out);
        assertTrue(out.stderr().contains("outlink"), out.toString());
        assertFalse(Files.exists(linkOut, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        Path inside = SharedWorkspace.state().resolve("inside-link");
        Map<String, Object> ex = SharedWorkspace.json("workspace", "export", ws, "link-to-readme", "--output", inside.toString(), "--json");
        assertEquals("symlink", ex.get("artifact_type"));
        assertEquals("README.md", Files.readSymbolicLink(inside).toString());
    }

    @Test
    void theNameWorksWhereTheIdDoesAndMustBeUnique() {
        String ws = SharedWorkspace.id();
        Cli.Result byName = SharedWorkspace.cli("workspace", "exec", SharedWorkspace.NAME, "--", "cat", "README.md");
        assertEquals(0, byName.exitCode(), byName.toString());
        Map<String, Object> status = SharedWorkspace.json("workspace", "status", SharedWorkspace.NAME, "--json");
        assertEquals(ws, status.get("workspace_id"));
        assertEquals(SharedWorkspace.NAME, status.get("name"));
        Cli.Result dup = SharedWorkspace.cli("workspace", "create", Guests.ENV, "--name", SharedWorkspace.NAME);
        assertEquals(2, dup.exitCode(), dup.toString());
        assertTrue(dup.stderr().contains("'" + SharedWorkspace.NAME + "' is already used by " + ws), dup.toString());
        Cli.Result bad = SharedWorkspace.cli("workspace", "create", Guests.ENV, "--name", "bad name!");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("'bad name!'"), bad.toString());
        Cli.Result unknown = SharedWorkspace.cli("workspace", "status", "no-such-name");
        assertEquals(3, unknown.exitCode(), unknown.toString());
    }

    @Test
    void unknownWorkspaceIsExitThreeWithTheIdNamed() {
        Cli.Result r = Cli.run(SharedWorkspace.state(), "workspace", "status", "ws-0123456789ab");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("'ws-0123456789ab'"), r.toString());
    }

    @Test
    void twoCallsAtOnceBothComplete() {
        String ws = SharedWorkspace.id();
        CompletableFuture<Cli.Result> slow = CompletableFuture.supplyAsync(
                () -> SharedWorkspace.cli("workspace", "exec", ws, "--", "sh", "-c", "sleep 10; echo slow-done"),
                Cli.VIRTUAL);
        try {
            Thread.sleep(2500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Cli.Result fast = SharedWorkspace.cli("workspace", "exec", ws, "--", "true");
        assertEquals(0, fast.exitCode(), fast.toString());
        assertFalse(slow.isDone(), "the quick exec must return while the 10 s exec still runs");
        Cli.Result s = slow.join();
        assertEquals(0, s.exitCode(), s.toString());
        assertEquals("slow-done", s.stdout().strip());
    }

    @Test
    void stateFolderAndSocketsArePrivate() throws Exception {
        String ws = SharedWorkspace.id();
        Path dir = SharedWorkspace.state().resolve("instances").resolve(ws);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("supervisor.sock"))));
    }
}
