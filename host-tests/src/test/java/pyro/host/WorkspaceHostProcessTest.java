package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.ErrorCode;
import pyro.core.LogQuery;
import pyro.core.WorkspaceOptions;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.internal.UnifiedDiff;
import pyro.core.model.DiffResult;
import pyro.core.model.ExportResult;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ServiceLogs;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;
import pyro.core.model.WorkspaceInfo;

/**
 * WorkspaceManager, WorkspaceFiles, ServiceManager and ShellManager through the SDK, over core's
 * supervisor, with the real agent as a host process. One workspace for the class, as the
 * guest-backed tests share one booted guest.
 */
class WorkspaceHostProcessTest {
    static Path state;
    static Pyro pyro;
    static String ws;

    @BeforeAll
    static void create(@TempDir Path seed) throws Exception {
        Files.writeString(seed.resolve("README.md"), "hello\n");
        Files.createDirectories(seed.resolve("src"));
        StringBuilder big = new StringBuilder();
        for (int i = 1; i <= 5000; i++) {
            big.append("line ").append(i).append('\n');
        }
        Files.writeString(seed.resolve("src/big.txt"), big);
        // hostile-guest item 10: special files of a seed are counted, not silently skipped
        assertEquals(0, new ProcessBuilder("mkfifo", seed.resolve("a-fifo").toString()).start().waitFor());
        state = HostProcess.stateDir("ws");
        pyro = HostProcess.pyro(state);
        WorkspaceInfo info = pyro.createWorkspace(
                WorkspaceOptions.of(HostProcessBackend.ENV).name("shared").seed(seed).memMib(256).ttlSeconds(600));
        ws = info.workspaceId();
        assertEquals("started", info.state());
        assertEquals(2, info.workspaceSeed().files(), info.toString());
        assertEquals(1, info.workspaceSeed().skippedSpecialFiles(), info.toString());
    }

    @AfterAll
    static void delete() {
        if (ws != null) {
            pyro.deleteWorkspace(ws);
        }
    }

    /** The host-process stand-in has no machine to save: every whole-machine call says so and changes nothing. */
    @Test
    void aBackendThatCannotSaveMachinesRefusesSnapshotStopAndForkLeavingStateAsItWas() throws Exception {
        long before;
        try (var s = java.nio.file.Files.list(state.resolve("instances"))) {
            before = s.count();
        }
        for (Runnable call : java.util.List.<Runnable>of(() -> pyro.createSnapshot(ws, "s1"),
                () -> pyro.stopWorkspace(ws), () -> pyro.forkWorkspace(ws, "twin"))) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(PyroException.class, call::run);
            assertEquals(ErrorCode.HOST_UNSUPPORTED, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("cannot save a running machine"), e.getMessage());
        }
        assertEquals("started", pyro.statusWorkspace(ws).state());
        assertEquals(0, pyro.listSnapshots(ws).snapshots().size());
        assertEquals(0, pyro.statusWorkspace(ws).snapshotBytes());
        try (var s = java.nio.file.Files.list(state.resolve("instances"))) {
            assertEquals(before, s.count(), "a failed fork left a workspace behind");
        }
        assertEquals(ErrorCode.NOT_FOUND, org.junit.jupiter.api.Assertions.assertThrows(
                PyroException.class, () -> pyro.resetWorkspace(ws, "never-made")).code());
        assertEquals(ErrorCode.INVALID_INPUT, org.junit.jupiter.api.Assertions.assertThrows(
                PyroException.class, () -> pyro.createSnapshot(ws, "bad/name")).code());
        assertEquals("started", pyro.statusWorkspace(ws).state());
    }

    /** The TTL is an idle timeout: uses renew it, status does not; update changes it and the name. */
    @Test
    void useRenewsTheTtlStatusDoesNotAndUpdateChangesItAndTheName() throws Exception {
        WorkspaceInfo w = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256).ttlSeconds(60));
        String id = w.workspaceId();
        try {
            assertEquals("idle", w.toMap().get("ttl_policy"));
            java.time.Instant first = java.time.Instant.parse(w.expiresAt());
            Thread.sleep(1_200);
            assertEquals(first, java.time.Instant.parse(pyro.statusWorkspace(id).expiresAt()), "status renewed the TTL");
            assertEquals(0, pyro.execWorkspace(id, "true", null, 10).exitCode());
            java.time.Instant renewed = java.time.Instant.parse(pyro.statusWorkspace(id).expiresAt());
            assertTrue(renewed.isAfter(first.plusMillis(1_000)), first + " -> " + renewed);

            WorkspaceInfo u = pyro.updateWorkspace(id, 7200L, "renamed-ws");
            assertEquals(7200, u.ttlSeconds());
            assertEquals("renamed-ws", u.name());
            assertTrue(java.time.Instant.parse(u.expiresAt()).isAfter(java.time.Instant.now().plusSeconds(7000)));
            assertEquals(id, pyro.statusWorkspace("renamed-ws").workspaceId());
            assertEquals(ErrorCode.CONFLICT, assertThrows(PyroException.class,
                    () -> pyro.updateWorkspace(id, null, "shared")).code(), "a name in use");
            assertEquals(ErrorCode.INVALID_INPUT, assertThrows(PyroException.class,
                    () -> pyro.updateWorkspace(id, 5L, null)).code(), "a TTL out of range");
            assertEquals(ErrorCode.INVALID_INPUT, assertThrows(PyroException.class,
                    () -> pyro.updateWorkspace(id, null, null)).code(), "nothing to update");
            WorkspaceInfo after = pyro.statusWorkspace(id);
            assertEquals(7200, after.ttlSeconds());
            assertEquals("renamed-ws", after.name());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    /** The file tools end to end against the real agent: list, read by bytes and lines, conditional writes, patches. */
    @Test
    void fileToolsReadWriteAndPatchByPathAllOrNothing() throws Exception {
        Path root = HostProcessBackend.workspaceRoot(state.resolve("instances").resolve(ws));
        try {
            fileTools(root);
        } finally { // the other tests' diffs stay theirs
            pyro.execWorkspace(ws, "rm -rf edit link blob.bin", null, 10);
        }
    }

    private static void fileTools(Path root) throws Exception {
        var w = pyro.writeFile(ws, "edit/notes.txt", "alpha\nbeta\ngamma\n", "new");
        assertEquals("created", w.files().getFirst().get("action"));
        String sha = (String) w.files().getFirst().get("sha256");
        assertEquals("alpha\nbeta\ngamma\n", Files.readString(root.resolve("edit/notes.txt")));

        var read = pyro.readFile(ws, "/workspace/edit/notes.txt", null, null);
        assertEquals(sha, read.sha256());
        assertTrue(read.eof());
        assertEquals(17, read.size());
        var lines = pyro.readFile(ws, "edit/notes.txt", null, null, 2L, 1L, false);
        assertEquals("beta\n", lines.content());
        assertEquals(3, lines.totalLines());
        var part = pyro.readFile(ws, "edit/notes.txt", 6L, 4L);
        assertEquals("beta", part.content());
        assertFalse(part.eof());

        var listing = pyro.listFiles(ws, null, true);
        assertTrue(listing.entries().stream().anyMatch(e -> "edit/notes.txt".equals(e.get("path"))
                && "file".equals(e.get("type"))), listing.toString());

        // a stale digest, 'new' on an existing file, an escape, a symlink: refused, nothing written
        assertEquals(ErrorCode.CONFLICT, assertThrows(PyroException.class,
                () -> pyro.writeFile(ws, "edit/notes.txt", "x", "0".repeat(64))).code());
        assertEquals(ErrorCode.CONFLICT, assertThrows(PyroException.class,
                () -> pyro.writeFile(ws, "edit/notes.txt", "x", "new")).code());
        assertEquals(ErrorCode.INVALID_INPUT, assertThrows(PyroException.class,
                () -> pyro.writeFile(ws, "../outside.txt", "x", null)).code());
        Files.createSymbolicLink(root.resolve("link"), Path.of("/etc"));
        PyroException viaLink = assertThrows(PyroException.class, () -> pyro.writeFile(ws, "link/passwd", "x", null));
        assertEquals(ErrorCode.INVALID_INPUT, viaLink.code());
        assertTrue(viaLink.getMessage().contains("symlink"), viaLink.getMessage());
        assertEquals(ErrorCode.INVALID_INPUT, assertThrows(PyroException.class,
                () -> pyro.readFile(ws, "link", null, null)).code());
        Files.write(root.resolve("blob.bin"), new byte[] {1, 0, 2, 3});
        PyroException binary = assertThrows(PyroException.class, () -> pyro.readFile(ws, "blob.bin", null, null));
        assertTrue(binary.getMessage().contains("binary") && binary.getMessage().contains("base64"), binary.getMessage());
        assertEquals("AQACAw==", pyro.readFile(ws, "blob.bin", null, null, null, null, true).content());
        assertEquals("alpha\nbeta\ngamma\n", Files.readString(root.resolve("edit/notes.txt")));

        // a two-file patch: one hunk of the second does not apply, so neither file changes
        String good = UnifiedDiff.git("edit/notes.txt", "alpha\nbeta\ngamma\n", "alpha\nBETA\ngamma\n");
        String bad = UnifiedDiff.git("README.md", "not what it says\n", "x\n");
        PyroException conflict = assertThrows(PyroException.class, () -> pyro.applyPatch(ws, good + bad));
        assertEquals(ErrorCode.CONFLICT, conflict.code());
        assertTrue(conflict.getMessage().contains("hunk 1 of README.md"), conflict.getMessage());
        assertEquals("alpha\nbeta\ngamma\n", Files.readString(root.resolve("edit/notes.txt")));
        assertEquals("hello\n", Files.readString(root.resolve("README.md")));

        String added = UnifiedDiff.git("edit/new/file.txt", null, "fresh\n");
        var applied = pyro.applyPatch(ws, good + added);
        assertEquals(2, applied.files().size());
        assertEquals("alpha\nBETA\ngamma\n", Files.readString(root.resolve("edit/notes.txt")));
        assertEquals("fresh\n", Files.readString(root.resolve("edit/new/file.txt")));
        String removed = UnifiedDiff.git("edit/new/file.txt", "fresh\n", null);
        assertEquals("deleted", pyro.applyPatch(ws, removed).files().getFirst().get("action"));
        assertFalse(Files.exists(root.resolve("edit/new/file.txt")));
    }

    @Test
    void theSeedIsInTheWorkspaceAndExecRunsThereByName() {
        var r = pyro.execWorkspace("shared", "cat README.md && pwd", null, 10);
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("hello\n"), r.stdout());
        assertTrue(pyro.logsWorkspace(ws).entries().size() >= 1);
    }

    @Test
    void aOneLineChangeGivesOneSmallHunkAndExportBringsTheFileBack(@TempDir Path out) throws Exception {
        var r = pyro.execWorkspace(ws, "sed -i 's/^line 250$/line 250 changed/' src/big.txt", null, 10);
        assertEquals(0, r.exitCode(), r.stderr());
        DiffResult d = pyro.diffWorkspace(ws);
        assertTrue(d.entries().stream().anyMatch(e -> e.path().equals("src/big.txt") && e.status().equals("modified")),
                d.toString());
        String patch = d.patch();
        assertTrue(patch.contains("-line 250\n+line 250 changed\n"), patch);
        long hunks = patch.lines().filter(l -> l.startsWith("@@")).count();
        assertEquals(1, hunks, patch);
        assertTrue(patch.lines().count() < 20, patch);

        ExportResult e = pyro.exportWorkspace(ws, "src/big.txt", out.resolve("big.txt"));
        assertEquals("file", e.artifactType());
        assertTrue(Files.readString(out.resolve("big.txt")).contains("line 250 changed\n"));
    }

    @Test
    void aPushedFolderLandsUnderItsDest(@TempDir Path src) throws Exception {
        Files.writeString(src.resolve("new.txt"), "pushed", StandardCharsets.UTF_8);
        var s = pyro.pushWorkspaceSync(ws, src, "/workspace/incoming");
        assertEquals(1, s.files());
        assertEquals("pushed", pyro.execWorkspace(ws, "cat incoming/new.txt", null, 10).stdout());
    }

    @Test
    void aServiceBecomesReadyLogsAndStops() throws Exception {
        ServiceInfo s = pyro.startService(ws, "web", "echo started; touch ready.flag; exec sleep 600", null, Map.of(),
                Readiness.file("ready.flag").withTimeout(10, 20));
        assertEquals("running", s.state(), s.toString());
        assertEquals(ErrorCode.CONFLICT, assertThrows(PyroException.class, () -> pyro.startService(ws, "web",
                "sleep 1", null, Map.of(), null)).code());
        assertTrue(pyro.listServices(ws).services().stream().anyMatch(x -> x.serviceName().equals("web")));
        assertEquals(1, pyro.statusWorkspace(ws).serviceCounts().running());
        ServiceLogs logs = null;
        for (int i = 0; i < 50; i++) {
            logs = pyro.logsService(ws, "web", LogQuery.stdout());
            if (logs.stdout().contains("started")) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals("started\n", logs.stdout());
        ServiceLogs after = pyro.logsService(ws, "web", LogQuery.all().after(logs.after()));
        assertEquals("", after.stdout());
        assertEquals("stopped", pyro.stopService(ws, "web", 1).state());
        // the service's state lives outside /workspace: the diff never sees it
        assertFalse(pyro.diffWorkspace(ws).patch().contains("service.json"));
    }

    @Test
    void agentErrorsKeepTheirCodes() {
        PyroException missing = assertThrows(PyroException.class, () -> pyro.statusService(ws, "nope"));
        assertEquals(ErrorCode.NOT_FOUND, missing.code());
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
        PyroException badCwd = assertThrows(PyroException.class,
                () -> pyro.execWorkspace(ws, List.of("true"), "/workspace/does-not-exist", 5));
        assertEquals(ErrorCode.INVALID_INPUT, badCwd.code());
        assertTrue(badCwd.getMessage().contains("does-not-exist"), badCwd.getMessage());
        PyroException port = assertThrows(PyroException.class, () -> pyro.startService(ws, "p", "sleep 1", null,
                Map.of(), Readiness.tcp("127.0.0.1", 70000)));
        assertEquals(ErrorCode.INVALID_INPUT, port.code());
        assertTrue(port.getMessage().contains("70000"), port.getMessage());
        PyroException export = assertThrows(PyroException.class,
                () -> pyro.exportWorkspace(ws, "no/such/file", state.resolve("x")));
        assertEquals(ErrorCode.NOT_FOUND, export.code());
    }

    @Test
    void aShellTakesInputAndAnswersWithinTheWait() {
        ShellInfo sh = pyro.openShell(ws, null, 80, 24);
        try {
            pyro.writeShell(ws, sh.shellId(), "echo marker-$((6*7))", true);
            StringBuilder seen = new StringBuilder();
            long cursor = 0;
            for (int i = 0; i < 20 && !seen.toString().contains("marker-42"); i++) {
                ShellRead r = pyro.readShell(ws, sh.shellId(), cursor, 65536, 500);
                seen.append(r.output());
                cursor = r.nextCursor();
            }
            assertTrue(seen.toString().contains("marker-42"), seen.toString());
        } finally {
            assertEquals("closed", pyro.closeShell(ws, sh.shellId()).state());
        }
    }

    /** Issue 23 row 8: what a killed save or push left is cleared by the next operation, and not counted meanwhile. */
    @Test
    void leftoversOfAKilledSaveOrPushAreClearedByTheNextOperation() throws Exception {
        Path instance = state.resolve("instances").resolve(ws);
        Path partial = Files.createDirectories(instance.resolve("snapshots").resolve(".before.partial"));
        Files.write(partial.resolve("memory.bin"), new byte[1 << 20]);
        Path forkPartial = Files.createDirectories(instance.resolve(".fork-source.partial"));
        Files.write(forkPartial.resolve("memory.bin"), new byte[1024]);
        assertEquals(0, pyro.statusWorkspace(ws).snapshotBytes(), "a leftover is not a saved machine");
        assertThrows(PyroException.class, () -> pyro.deleteSnapshot(ws, "no-such-snapshot"));
        assertFalse(Files.exists(partial) || Files.exists(forkPartial), "the next machine operation clears them");

        Path staging = HostProcessBackend.workspaceRoot(instance).resolveSibling(".pyro-staging");
        Path stale = Files.createDirectories(staging.resolve("import-killed"));
        Files.write(stale.resolve("half.bin"), new byte[4096]);
        Path more = Files.createDirectories(state.resolve("more-seed"));
        Files.writeString(more.resolve("more.txt"), "more\n");
        pyro.pushWorkspaceSync(ws, more, "more");
        assertFalse(Files.exists(stale), "the next push clears what a killed push staged");
        assertEquals("more\n", pyro.execWorkspace(ws, "cat more/more.txt && rm -rf more", null, 30).stdout());
    }
}
