package pyro.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.archive.TarEntry;
import pyro.protocol.archive.TarReader;
import pyro.protocol.archive.TarWriter;

/** The real agent as a separate JVM on a temp workspace root, driven over the framed protocol on stdio. */
class AgentHostProcessTest {
    @TempDir
    static Path tmp;

    static Path root;
    static AgentProcess agent;

    @BeforeAll
    static void startAgent() throws IOException {
        root = Files.createDirectories(tmp.resolve("ws"));
        agent = new AgentProcess(root);
    }

    @AfterAll
    static void stopAgent() throws Exception {
        agent.close();
    }

    static Map<String, Object> exec(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("type", "exec");
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void helloThenPing() throws Exception {
        assertNotNull(agent.hello);
        assertEquals("hello", agent.hello.type());
        assertEquals(0L, agent.hello.id());
        assertEquals(1L, agent.hello.longValue("version", -1));
        assertEquals("2.8.0", agent.hello.string("agent_version"));
        assertNotNull(agent.hello.string("kernel_release"));
        assertTrue(agent.hello.longValue("uptime_ms", -1) >= 0);
        assertEquals("pong", agent.call(Map.of("type", "ping")).type());
    }

    @Test
    void execReportsExitCodeOutputCwdAndEnv() throws Exception {
        AgentProcess.Reply r = agent.call(exec("argv", List.of("sh", "-c", "echo out; echo err >&2; exit 3")));
        assertEquals("exec_result", r.type(), r.frame().toString());
        assertEquals(3, ((Number) r.get("exit_code")).intValue());
        assertEquals("out\n", r.get("stdout"));
        assertEquals("err\n", r.get("stderr"));
        assertEquals(false, r.get("timed_out"));
        assertEquals(false, r.get("stdout_truncated"));
        assertTrue(((Number) r.get("duration_ms")).longValue() >= 0);

        Files.createDirectories(root.resolve("sub"));
        r = agent.call(exec("argv", List.of("pwd"), "cwd", "/workspace/sub"));
        assertEquals(root.resolve("sub").toRealPath().toString() + "\n", r.get("stdout"));
        r = agent.call(exec("argv", List.of("pwd")));
        assertEquals(root.toRealPath() + "\n", r.get("stdout"), "default cwd is the workspace root");

        r = agent.call(exec("argv", List.of("sh", "-c", "echo $FOO-$BAR"), "env", Map.of("FOO", "x y", "BAR", "2")));
        assertEquals("x y-2\n", r.get("stdout"));
    }

    @Test
    void missingExecutableIsExit127NotAnAgentError() throws Exception {
        AgentProcess.Reply r = agent.call(exec("argv", List.of("no-such-program-xyz", "a")));
        assertEquals("exec_result", r.type());
        assertEquals(127, ((Number) r.get("exit_code")).intValue());
        assertTrue(r.get("stderr").toString().contains("no-such-program-xyz"), r.get("stderr").toString());
    }

    /**
     * Issue 23, row 6: a one-letter secret made every create fail, because redaction rewrote the
     * frame's type ("po[redacted:N]g"). Only the values of a reply's fields are redacted; its keys, type
     * and error code are the protocol's own words. (The SDK refuses values under 8 characters; this
     * agent, driven directly, takes them, which makes every such word a target.)
     */
    @Test
    void aShortSecretRedactsOnlyValuesNeverTheFramesTypeCodeOrKeys() throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("short-secret-ws"));
        try (AgentProcess a = new AgentProcess(ws, "--secret-root", tmp.resolve("short-secret").toString())) {
            AgentProcess.Reply put = a.call(Map.of("type", "secrets_put", "secrets", Map.of("N", "n")));
            assertEquals("secrets_result", put.type(), put.frame().toString());
            AgentProcess.Reply pong = a.call(Map.of("type", "ping"));
            assertEquals("pong", pong.type(), pong.frame().toString());
            assertTrue(pong.frame().header().containsKey("agent_version"), pong.frame().toString());
            AgentProcess.Reply r = a.call(exec("argv", List.of("echo", "nine")));
            assertEquals("exec_result", r.type(), r.frame().toString());
            assertEquals("[redacted:N]i[redacted:N]e\n", r.get("stdout"));
            AgentProcess.Reply err = a.call(Map.of("type", "frobnicate"));
            assertEquals("error", err.type(), err.frame().toString());
            assertEquals("invalid_input", err.get("code"), err.frame().toString());
            assertFalse(err.get("message").toString().contains("n"), "the message is still redacted: " + err.frame());
        }
    }

    @Test
    void badExecRequestsAreInvalidInput() throws Exception {
        AgentProcess.Reply r = agent.call(exec("argv", List.of()));
        assertEquals("error", r.type());
        assertEquals("invalid_input", r.get("code"));
        r = agent.call(exec("argv", List.of("true"), "cwd", "/workspace/does-not-exist"));
        assertEquals("invalid_input", r.get("code"));
        assertTrue(r.get("message").toString().contains("does-not-exist"), r.get("message").toString());
        r = agent.call(Map.of("type", "frobnicate"));
        assertEquals("invalid_input", r.get("code"));
        assertTrue(r.get("message").toString().contains("frobnicate"));
    }

    @Test
    void timeoutKillsTheWholeTreeAndReportsTimedOut() throws Exception {
        Path marker = root.resolve("tree-survivor");
        long start = System.nanoTime();
        AgentProcess.Reply r = agent.call(exec(
                "argv", List.of("sh", "-c", "(sleep 3; touch " + marker + ") & sleep 30; wait"),
                "timeout_ms", 1000));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(true, r.get("timed_out"), r.frame().toString());
        assertEquals(124, ((Number) r.get("exit_code")).intValue());
        assertTrue(elapsedMs < 1000 + 2000, "took " + elapsedMs + " ms");
        Thread.sleep(3000);
        assertFalse(Files.exists(marker), "a grandchild survived the timeout");
    }

    @Test
    void floodIsTruncatedAndDrained() throws Exception {
        AgentProcess.Reply r = agent.call(exec(
                "argv", List.of("sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' a; head -c 5000000 /dev/zero | tr '\\0' b >&2; echo done >&2")));
        assertEquals(0, ((Number) r.get("exit_code")).intValue());
        assertEquals(true, r.get("stdout_truncated"));
        assertEquals(true, r.get("stderr_truncated"));
        assertEquals(1024 * 1024, r.get("stdout").toString().length());
        assertEquals(1024 * 1024, r.get("stderr").toString().length());
        r = agent.call(exec("argv", List.of("sh", "-c", "head -c 5000 /dev/zero | tr '\\0' c"), "output_limit_bytes", 100));
        assertEquals("c".repeat(100), r.get("stdout"));
        assertEquals(true, r.get("stdout_truncated"));
    }

    @Test
    void concurrentExecsDoNotBlockEachOther() throws Exception {
        long slow = agent.start(exec("argv", List.of("sleep", "3")));
        long fast = agent.start(exec("argv", List.of("true")));
        long ping = agent.start(Map.of("type", "ping"));
        long t0 = System.nanoTime();
        assertEquals("pong", agent.await(ping, Duration.ofSeconds(2)).type());
        AgentProcess.Reply f = agent.await(fast, Duration.ofSeconds(2));
        assertEquals(0, ((Number) f.get("exit_code")).intValue());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000);
        AgentProcess.Reply s = agent.await(slow, Duration.ofSeconds(10));
        assertEquals(0, ((Number) s.get("exit_code")).intValue());
        assertTrue(((Number) s.get("duration_ms")).longValue() >= 2900);
    }

    static byte[] tar(TarEntry... entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out)) {
            for (TarEntry e : entries) {
                byte[] data = new byte[(int) e.size()];
                java.util.Arrays.fill(data, (byte) 'z');
                w.write(e, new ByteArrayInputStream(data));
            }
        }
        return out.toByteArray();
    }

    static TreeMap<String, String> listing(Path dir) throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                m.put(dir.relativize(p).toString(), Files.isSymbolicLink(p) ? "l" : Files.isDirectory(p) ? "d"
                        : "f" + Files.size(p));
            }
        }
        return m;
    }

    @Test
    void discardCountsEveryUploadedByteAndWritesNothing() throws Exception {
        byte[] data = new byte[5_000_003];
        new java.util.Random(7).nextBytes(data);
        AgentProcess.Reply r = agent.upload(Map.of("type", "discard"), data, 300_000);
        assertEquals("discard_result", r.type(), r.frame().toString());
        assertEquals(5_000_003L, ((Number) r.get("bytes")).longValue());
    }

    @Test
    void importGoodArchivePlainAndGzip() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(new GZIPOutputStream(bytes))) {
            w.writeDirectory("proj", 0755, 0);
            w.writeFile("proj/README.md", 0644, 0, "# hi\n".getBytes(StandardCharsets.UTF_8));
            w.writeFile("proj/" + "long".repeat(40) + ".txt", 0600, 0, new byte[3_000_000]);
            w.writeSymlink("proj/link", "README.md", 0);
        }
        AgentProcess.Reply r = agent.upload(Map.of("type", "import", "dest", "/workspace/imp"), bytes.toByteArray(), 256 * 1024);
        assertEquals("import_result", r.type(), r.frame().toString());
        assertEquals(2, ((Number) r.get("files")).intValue());
        assertEquals(3_000_005L, ((Number) r.get("bytes")).longValue());
        assertEquals("# hi\n", Files.readString(root.resolve("imp/proj/link")));
        assertEquals(3_000_000L, Files.size(root.resolve("imp/proj/" + "long".repeat(40) + ".txt")));

        r = agent.upload(Map.of("type", "import", "dest", "imp"), tar(TarEntry.file("plain.txt", 0644, 7, 0)), 1000);
        assertEquals("import_result", r.type(), r.frame().toString());
        assertEquals("zzzzzzz", Files.readString(root.resolve("imp/plain.txt")));
    }

    @Test
    void importRefusesEachKindOfBadArchiveAndLeavesRootUntouched() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createDirectories(root.resolve("bad"));
        Files.createSymbolicLink(root.resolve("bad/ext"), outside);
        TarEntry good = TarEntry.file("ok.txt", 0644, 5, 0);
        TarEntry[] bad = {
            TarEntry.file("/etc/abs", 0644, 1, 0),
            TarEntry.file("x/../../escape", 0644, 1, 0),
            TarEntry.symlink("evil", "/etc", 0),
            TarEntry.symlink("evil2", "../../..", 0),
            TarEntry.hardlink("hard", "../../outside/secret", 0),
            new TarEntry("dev", TarEntry.Type.BLOCK_DEVICE, 0644, 0, "", 0),
            new TarEntry("pipe", TarEntry.Type.FIFO, 0644, 0, "", 0),
            TarEntry.file("ext/through-symlink", 0644, 1, 0),
        };
        TreeMap<String, String> before = listing(root);
        TreeMap<String, String> outsideBefore = listing(outside);
        for (TarEntry b : bad) {
            AgentProcess.Reply r = agent.upload(Map.of("type", "import", "dest", "/workspace/bad"), tar(good, b), 700);
            assertEquals("error", r.type(), b + " -> " + r.frame());
            assertEquals("invalid_input", r.get("code"));
            assertTrue(r.get("message").toString().contains(b.name()), r.get("message").toString());
            assertEquals(before, listing(root), "changed after " + b);
            assertEquals(outsideBefore, listing(outside), "outside changed after " + b);
        }
        // not a tar at all, and a dest outside the root
        AgentProcess.Reply r = agent.upload(Map.of("type", "import", "dest", "/workspace/bad"),
                "this is not a tar archive, just text".repeat(20).getBytes(StandardCharsets.UTF_8), 100);
        assertEquals("invalid_input", r.get("code"), r.frame().toString());
        r = agent.upload(Map.of("type", "import", "dest", "/etc"), tar(good), 1000);
        assertEquals("invalid_input", r.get("code"), r.frame().toString());
        r = agent.upload(Map.of("type", "import", "dest", "/workspace/bad/ext/x"), tar(good), 1000);
        assertEquals("invalid_input", r.get("code"), r.frame().toString());
        assertEquals(before, listing(root));
        assertEquals(outsideBefore, listing(outside));
        // the agent still answers
        assertEquals("pong", agent.call(Map.of("type", "ping")).type());
    }

    @Test
    void exportRoundTripsDirectoriesFilesAndSymlinks() throws Exception {
        Path dir = Files.createDirectories(root.resolve("exp/tree/deep"));
        Files.writeString(dir.resolve("a.txt"), "alpha");
        Files.write(root.resolve("exp/tree/big.bin"), new byte[2_500_000]);
        Files.createSymbolicLink(root.resolve("exp/tree/out"), Path.of("/etc/passwd"));
        AgentProcess.Reply r = agent.call(Map.of("type", "export", "path", "/workspace/exp/tree"));
        assertEquals("export_result", r.type(), r.frame().toString());
        assertTrue(r.sawDataEnd());
        assertEquals("directory", r.get("artifact_type"));
        assertEquals(2_500_005L, ((Number) r.get("bytes")).longValue());
        Map<String, String> seen = new TreeMap<>();
        try (TarReader reader = TarReader.open(new ByteArrayInputStream(r.data()))) {
            TarEntry e;
            while ((e = reader.next()) != null) {
                String v = switch (e.type()) {
                    case FILE -> "file " + reader.content().readAllBytes().length;
                    case SYMLINK -> "symlink " + e.linkName();
                    default -> e.type().word();
                };
                seen.put(e.name(), v);
            }
        }
        assertEquals(Map.of("tree/", "directory", "tree/big.bin", "file 2500000", "tree/deep/", "directory",
                "tree/deep/a.txt", "file 5", "tree/out", "symlink /etc/passwd"), seen);

        r = agent.call(Map.of("type", "export", "path", "/workspace"));
        assertEquals("directory", r.get("artifact_type"));
        try (TarReader reader = TarReader.open(new ByteArrayInputStream(r.data()))) {
            assertEquals("./", reader.next().name(), "the root exports as ./");
            String next = reader.next().name();
            assertFalse(next.startsWith("/") || next.startsWith("ws/"), next);
        }

        r = agent.call(Map.of("type", "export", "path", "exp/tree/out"));
        assertEquals("symlink", r.get("artifact_type"));
        r = agent.call(Map.of("type", "export", "path", "exp/tree/deep/a.txt"));
        assertEquals("file", r.get("artifact_type"));
        assertEquals(5L, ((Number) r.get("bytes")).longValue());
        r = agent.call(Map.of("type", "export", "path", "exp/nope"));
        assertEquals("error", r.type());
        assertEquals("not_found", r.get("code"));
        r = agent.call(Map.of("type", "export", "path", "exp/tree/out/x"));
        assertEquals("invalid_input", r.get("code"), "never follow a symlink out of the root");
        r = agent.call(Map.of("type", "export", "path", "/workspace/../etc/passwd"));
        assertEquals("invalid_input", r.get("code"));
    }

    @Test
    void snapshotListsTheTreeSorted() throws Exception {
        Path s = Files.createDirectories(root.resolve("snap/b"));
        Files.writeString(s.resolve("f.txt"), "hello");
        Files.createSymbolicLink(root.resolve("snap/a-link"), Path.of("b/f.txt"));
        AgentProcess.Reply r = agent.call(Map.of("type", "snapshot", "path", "/workspace/snap"));
        assertEquals("snapshot_result", r.type(), r.frame().toString());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) r.get("entries");
        assertEquals(List.of("a-link", "b", "b/f.txt"), entries.stream().map(e -> e.get("path")).toList());
        assertEquals("symlink", entries.get(0).get("type"));
        assertEquals("b/f.txt", entries.get(0).get("target"));
        assertEquals("dir", entries.get(1).get("type"));
        Map<String, Object> f = entries.get(2);
        assertEquals("file", f.get("type"));
        assertEquals(5L, ((Number) f.get("size")).longValue());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("hello".getBytes(StandardCharsets.UTF_8))), f.get("sha256"));
        assertEquals(TarWriter.modeOf(Files.getPosixFilePermissions(s.resolve("f.txt"))), ((Number) f.get("mode")).intValue());
        // whole root by default
        r = agent.call(Map.of("type", "snapshot"));
        assertEquals("snapshot_result", r.type());
        // without digests (the host hashes a seed it sent itself): the same listing, files without sha256
        r = agent.call(Map.of("type", "snapshot", "path", "/workspace/snap", "digests", false));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> plain = (List<Map<String, Object>>) r.get("entries");
        assertEquals(List.of("a-link", "b", "b/f.txt"), plain.stream().map(e -> e.get("path")).toList());
        assertEquals(5L, ((Number) plain.get(2).get("size")).longValue());
        assertNull(plain.get(2).get("sha256"), plain.toString());
    }

    @Test
    void selfTestExitsZero() throws Exception {
        Process p = new ProcessBuilder(AgentProcess.command("--self-test", "--workspace-root", root.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
