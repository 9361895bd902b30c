package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.protocol.ErrorCode;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.core.internal.StateStore;
import pyro.core.model.WorkspaceInfo;

/**
 * What a hostile or broken guest does to the host, reproduced with the real agent as a host process
 * (the guest-side attacks that need a kernel of their own are in the guest-backed suite). Each test
 * is named after the numbered item of the hostile-guest issue it pins.
 */
class HostileGuestHostProcessTest {
    private final Path state = HostProcess.stateDir("hostile");
    private final Pyro pyro = HostProcess.pyro(state);
    private final StateStore store = new StateStore(state);

    private static void signal(long pid, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    }

    @Test
    void item2_anAgentThatStopsAnsweringGivesTimeoutsNeverHangs() throws Exception {
        WorkspaceInfo ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256));
        String id = ws.workspaceId();
        long agent = Long.parseLong(Files.readString(store.paths(id).vmmPid()).trim());
        try {
            signal(agent, "STOP");
            long t0 = System.nanoTime();
            PyroException e = assertThrows(PyroException.class, () -> pyro.execWorkspace(id, List.of("true"), null, 3));
            long execMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ErrorCode.TIMEOUT, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("unresponsive"), e.getMessage());
            assertTrue(execMs < 25_000, "exec with a 3 s timeout took " + execMs + " ms against a stopped agent");

            t0 = System.nanoTime();
            WorkspaceInfo status = pyro.statusWorkspace(id);
            long statusMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(statusMs < 10_000, "status took " + statusMs + " ms against a stopped agent");
            assertEquals("started", status.state());
            assertTrue(status.stateReason() != null && status.stateReason().startsWith("unresponsive"),
                    String.valueOf(status.stateReason()));

            t0 = System.nanoTime();
            assertEquals(1, pyro.listWorkspaces().workspaces().size());
            long listMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(listMs < 10_000, "list took " + listMs + " ms against a stopped agent");
        } finally {
            signal(agent, "CONT");
        }
        // it comes back: the next call works and the note goes
        assertEquals(0, pyro.execWorkspace(id, List.of("true"), null, 10).exitCode());
        assertNull(pyro.statusWorkspace(id).stateReason());
        pyro.deleteWorkspace(id);
    }

    @Test
    void item5_aFrameJustUnderTheLimitDoesNotKillTheSupervisor() throws Exception {
        Pyro forged = Pyro.create(new pyro.core.PyroConfig(state, state.resolve("cache"), null, "host-process", 8),
                new HostProcessBackend(ForgedAgent.class.getName()));
        var vm = forged.startVm(forged.createVm(HostProcessBackend.ENV, 1, 256, 600, false).vmId());
        try {
            for (int i = 0; i < 2; i++) {
                var r = forged.execVm(vm.vmId(), List.of("true"), 10);
                assertEquals(ForgedAgent.STDOUT_CHARS, r.stdout().length());
            }
            assertEquals("started", forged.statusVm(vm.vmId()).state());
            assertTrue(HostProcess.alive(store.paths(vm.vmId()).supervisorPid()), "the supervisor died");
        } finally {
            forged.deleteVm(vm.vmId());
        }
    }

    @Test
    void item6_aCorruptRecordIsSkippedNamedAndStillDeletable() throws Exception {
        String bad = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).name("bad").memMib(256))
                .workspaceId();
        String empty = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        String good = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).name("good").memMib(256))
                .workspaceId();
        var badPaths = store.paths(bad);
        var emptyPaths = store.paths(empty);
        String text = Files.readString(badPaths.record());
        Files.writeString(badPaths.record(), text.substring(0, text.length() / 2));
        Files.writeString(emptyPaths.record(), "{}");

        List<String> warnings = new java.util.ArrayList<>();
        Pyro observed = HostProcess.pyro(state).withProgress(warnings::add);
        assertEquals(List.of(good), observed.listWorkspaces().workspaces().stream().map(WorkspaceInfo::workspaceId)
                .toList());
        assertTrue(warnings.stream().anyMatch(w -> w.contains(badPaths.record().toString())), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains(emptyPaths.record().toString())), warnings.toString());
        assertEquals(good, pyro.statusWorkspace("good").workspaceId());
        assertEquals(0, pyro.execWorkspace("good", List.of("true"), null, 10).exitCode());
        PyroException e = assertThrows(PyroException.class, () -> pyro.statusWorkspace(bad));
        assertTrue(e.getMessage().contains(badPaths.record().toString()), e.getMessage());
        assertTrue(pyro.reapExpired().reaped().isEmpty());

        for (var p : List.of(badPaths, emptyPaths)) {
            assertTrue(HostProcess.alive(p.vmmPid()));
            assertEquals("corrupt", pyro.deleteWorkspace(p.dir().getFileName().toString()).previousState());
            assertTrue(HostProcess.within(java.time.Duration.ofSeconds(10),
                    () -> !HostProcess.alive(p.vmmPid()) && !HostProcess.alive(p.supervisorPid())));
            assertTrue(!Files.exists(p.dir()), p.dir() + " is still there");
        }
        pyro.deleteWorkspace(good);
    }

    @Test
    void item7_parallelCreatesHonourTheLimitAndUniqueNames() throws Exception {
        Pyro limited = HostProcess.pyro(HostProcess.stateDir("race"), 1);
        List<Object> results = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Runnable create = () -> {
            try {
                results.add(limited.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)));
            } catch (PyroException e) {
                results.add(e);
            }
        };
        Thread a = Thread.ofPlatform().start(create);
        Thread b = Thread.ofPlatform().start(create);
        a.join();
        b.join();
        assertEquals(1, results.stream().filter(r -> r instanceof WorkspaceInfo).count(), results.toString());
        assertEquals(ErrorCode.CONFLICT, results.stream().filter(r -> r instanceof PyroException)
                .map(r -> ((PyroException) r).code()).findFirst().orElseThrow());
        limited.listWorkspaces().workspaces().forEach(w -> limited.deleteWorkspace(w.workspaceId()));

        results.clear();
        Runnable named = () -> {
            try {
                results.add(pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).name("dupname")
                        .memMib(256)));
            } catch (PyroException e) {
                results.add(e);
            }
        };
        a = Thread.ofPlatform().start(named);
        b = Thread.ofPlatform().start(named);
        a.join();
        b.join();
        assertEquals(1, results.stream().filter(r -> r instanceof WorkspaceInfo).count(), results.toString());
        pyro.deleteWorkspace("dupname");
    }

    @Test
    void item8_aClientKilledDuringCreateLeavesNoVmAndNoStartingRecord() throws Exception {
        Path seed = Files.createTempDirectory(state, "seed");
        for (int i = 0; i < 2000; i++) {
            Files.writeString(seed.resolve("f" + i), "x".repeat(1000));
        }
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), CreateThenWait.class.getName(), state.toString(), seed.toString());
        Process client = new ProcessBuilder(cmd).inheritIO().start();
        String[] id = new String[1];
        assertTrue(HostProcess.within(java.time.Duration.ofSeconds(30), () -> {
            var all = store.list();
            if (all.isEmpty() || !Files.exists(store.paths(all.getFirst().id()).vmmPid())) {
                return false;
            }
            id[0] = all.getFirst().id();
            return true;
        }), "the client never got as far as booting");
        client.destroyForcibly().waitFor();
        var paths = store.paths(id[0]);
        assertTrue(HostProcess.within(java.time.Duration.ofSeconds(10),
                () -> !HostProcess.alive(paths.vmmPid()) && !HostProcess.alive(paths.supervisorPid())),
                "the VM of a create whose client died is still running");
        var rec = pyro.statusWorkspace(id[0]);
        assertEquals("failed", rec.state(), rec.toString());
        assertTrue(rec.stateReason().contains("exited before the create finished"), rec.stateReason());
        pyro.deleteWorkspace(id[0]);
    }

    @Test
    void item10_stateFilesArePrivate() throws Exception {
        String id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        pyro.execWorkspace(id, List.of("true"), null, 10);
        var p = store.paths(id);
        for (Path f : List.of(p.record(), p.recordLock(), p.journal(), p.launchFile(), p.hello(), p.supervisorPid(),
                p.vmmPid(), p.supervisorLog(), p.vmmLog())) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f)), f.toString());
        }
        pyro.deleteWorkspace(id);
    }

    @Test
    void item1_aSparseTerabyteIsRefusedBeforeAByteIsWrittenAndNoStagingStays() throws Exception {
        String id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        try {
            assertEquals(0, pyro.execWorkspace(id, "truncate -s 1T huge && mkdir d && echo hi > d/f && "
                    + "head -c 1000 /dev/zero > k", null, 10).exitCode());
            Path out = Files.createTempDirectory(state, "out");
            Path stale = Files.createDirectory(out.resolve(".old.pyro-export-123"));
            Files.writeString(stale.resolve("owner.pid"), "999999999\n");
            Files.writeString(stale.resolve("export.tar"), "left by a killed export");

            long t0 = System.nanoTime();
            PyroException e = assertThrows(PyroException.class, () -> pyro.exportWorkspace(id, "huge", out.resolve("h")));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000, "refusing took too long");
            assertEquals(ErrorCode.INVALID_INPUT, e.code());
            assertTrue(e.getMessage().contains("1099511627776") && e.getMessage().contains("sparse"), e.getMessage());

            PyroException small = assertThrows(PyroException.class,
                    () -> pyro.exportWorkspace(id, "k", out.resolve("k"), 999));
            assertTrue(small.getMessage().contains("999"), small.getMessage());
            assertEquals(1000, Files.size(pyro.exportWorkspace(id, "k", out.resolve("k"), 1000).outputPath()
                    .transform(Path::of)));

            Files.writeString(out.resolve("file"), "x");
            PyroException onto = assertThrows(PyroException.class, () -> pyro.exportWorkspace(id, "d", out.resolve("file")));
            assertEquals(ErrorCode.INVALID_INPUT, onto.code(), onto.getMessage());

            try (var left = Files.list(out)) {
                assertEquals(List.of("file", "k"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                        "staging or partial output left behind (the stale folder must go too)");
            }
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    @Test
    void item10_malformedArchivesAndOverlongNamesAreInvalidInput() throws Exception {
        String id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        try {
            Path dir = Files.createTempDirectory(state, "archives");
            Path notTar = Files.writeString(dir.resolve("notes.tar"), "this is not a tar archive at all\n".repeat(40));
            Path src = Files.createDirectories(dir.resolve("src"));
            Files.writeString(src.resolve("a.txt"), "a".repeat(100_000));
            Path tgz = dir.resolve("t.tgz");
            assertEquals(0, new ProcessBuilder("tar", "czf", tgz.toString(), "-C", src.toString(), ".")
                    .inheritIO().start().waitFor());
            byte[] whole = Files.readAllBytes(tgz);
            Path truncated = Files.write(dir.resolve("cut.tgz"), java.util.Arrays.copyOf(whole, whole.length / 2));
            Path longName = Files.createDirectories(dir.resolve("long"));
            Path tarLong = dir.resolve("long.tar");
            // a 300-byte name needs GNU tar's long-name record: the host file system refuses it as a file name
            Path staging = Files.createDirectories(dir.resolve("staging"));
            String name = "n".repeat(200);
            Files.createDirectories(staging.resolve(name));
            Files.writeString(staging.resolve(name).resolve("m".repeat(200)), "x");
            assertEquals(0, new ProcessBuilder("sh", "-c", "cd " + staging + " && tar cf " + tarLong + " --transform "
                    + "'s|/|_|' " + name).inheritIO().start().waitFor());
            for (Path bad : List.of(notTar, truncated, tarLong)) {
                PyroException e = assertThrows(PyroException.class, () -> pyro.pushWorkspaceSync(id, bad, null),
                        bad.toString());
                assertEquals(ErrorCode.INVALID_INPUT, e.code(), bad + ": " + e.getMessage());
            }
            assertTrue(longName.toFile().exists());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    @Test
    void item2_aDiffOverAHugeSparseFileAnswersPromptly() throws Exception {
        String id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        try {
            assertEquals(0, pyro.execWorkspace(id, "truncate -s 1T sparse", null, 10).exitCode());
            long t0 = System.nanoTime();
            var d = pyro.diffWorkspace(id);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 10_000, "diff took " + ms + " ms");
            assertTrue(d.entries().stream().anyMatch(e -> e.path().equals("sparse") && e.status().equals("added")),
                    d.toString());
            assertEquals(0, pyro.execWorkspace(id, "truncate -s 2T sparse", null, 10).exitCode());
            assertTrue(pyro.diffWorkspace(id).entries().stream().anyMatch(e -> e.path().equals("sparse")));
        } finally {
            pyro.deleteWorkspace(id);
        }
    }
}
