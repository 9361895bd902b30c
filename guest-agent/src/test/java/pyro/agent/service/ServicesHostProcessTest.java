package pyro.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.Frame;

/**
 * Workspace services against the real agent in its own JVM (workspace and service roots in a temp dir):
 * every probe type ready and failing, fail-fast, readiness timeout, stop of a whole process tree, log
 * cursors, a log flood, and the error codes.
 */
class ServicesHostProcessTest {
    /** A tiny TCP/HTTP server used as a service: {@code Tiny MODE PORT DELAY_MS}. */
    static final String TINY = """
            import java.io.*;
            import java.net.*;
            public class Tiny {
                public static void main(String[] a) throws Exception {
                    Thread.sleep(Long.parseLong(a[2]));
                    try (ServerSocket ss = new ServerSocket()) {
                        ss.setReuseAddress(true);
                        ss.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[1])));
                        System.out.println("listening on " + a[1]);
                        while (true) {
                            try (Socket s = ss.accept()) {
                                if (a[0].equals("http")) {
                                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream()));
                                    String line = r.readLine();
                                    String path = line == null ? "" : line.split(" ")[1];
                                    while ((line = r.readLine()) != null && !line.isEmpty()) { }
                                    String status = path.equals("/") ? "200 OK" : "404 Not Found";
                                    s.getOutputStream().write(("HTTP/1.0 " + status + "\\r\\nContent-Length: 0\\r\\n\\r\\n").getBytes());
                                    System.out.println("GET " + path + " -> " + status);
                                }
                            }
                        }
                    }
                }
            }
            """;

    @TempDir
    static Path tmp;

    static Path ws;
    static Path svcRoot;
    static Path classes;
    static ServiceAgent agent;

    @BeforeAll
    static void startAgent() throws Exception {
        ws = Files.createDirectories(tmp.resolve("ws"));
        svcRoot = tmp.resolve("svc");
        classes = Files.createDirectories(tmp.resolve("tiny"));
        Path src = classes.resolve("Tiny.java");
        Files.writeString(src, TINY);
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        Process p = new ProcessBuilder(javac.toString(), "-d", classes.toString(), src.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "javac Tiny.java");
        agent = new ServiceAgent(ws, svcRoot);
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent == null) {
            return;
        }
        agent.stopServicesAndClose();
    }

    // ---- helpers

    static Map<String, Object> start(String name, List<String> argv, Map<String, Object> readiness) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_start");
        m.put("name", name);
        m.put("argv", argv);
        m.put("readiness", readiness);
        return m;
    }

    static Map<String, Object> probe(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static List<String> sh(String script) {
        return List.of("sh", "-c", script);
    }

    static List<String> tiny(String mode, int port, long delayMs) {
        return List.of(ServiceAgent.java(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classes.toString(),
                "Tiny", mode, Integer.toString(port), Long.toString(delayMs));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(Frame f) {
        assertEquals("service_result", f.type(), f.toString());
        return (Map<String, Object>) f.header().get("service");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readiness(Map<String, Object> rec) {
        return (Map<String, Object>) rec.get("readiness");
    }

    static Map<String, Object> ok(Map<String, Object> request) throws Exception {
        return service(agent.call(request));
    }

    static void assertError(Frame f, String code, String mentions) {
        assertEquals("error", f.type(), f.toString());
        assertEquals(code, f.string("code"), f.toString());
        assertTrue(f.string("message").contains(mentions), f.toString());
    }

    static Map<String, Object> stop(String name) throws Exception {
        return ok(Map.of("type", "service_stop", "name", name, "grace_ms", 2000));
    }

    static Map<String, Object> status(String name) throws Exception {
        return ok(Map.of("type", "service_status", "name", name));
    }

    static long pid(Map<String, Object> rec) {
        return ((Number) rec.get("pid")).longValue();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static boolean gone(long pid) {
        return ProcessHandle.of(pid).map(h -> !h.isAlive() || zombie(pid)).orElse(true);
    }

    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static Map<String, Object> awaitState(String name, String state, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        Map<String, Object> rec;
        do {
            rec = status(name);
            if (state.equals(rec.get("state"))) {
                return rec;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(name + " never reached " + state + ": " + rec);
    }

    // ---- file probe

    @Test
    void fileProbeIsReadyTheMomentTheFileAppears() throws Exception {
        // interval 10 s: only the directory watch can see the file within the 300 ms we allow
        Map<String, Object> rec = ok(start("file-ok", sh("sleep 1; mkdir -p run; touch run/ready; exec sleep 1000"),
                probe("type", "file", "path", "run/ready", "interval_ms", 10_000)));
        Instant replied = Instant.now();
        assertEquals("running", rec.get("state"), rec.toString());
        Instant created = Files.getLastModifiedTime(ws.resolve("run/ready")).toInstant();
        long lag = java.time.Duration.between(created, replied).toMillis();
        assertTrue(lag < 300, "reply came " + lag + " ms after the file appeared");
        assertNotNull(rec.get("ready_at"));
        assertNull(rec.get("stop_reason"));
        assertEquals("file", readiness(rec).get("type"));
        assertEquals("run/ready", readiness(rec).get("path"));
        assertEquals(30_000L, ((Number) readiness(rec).get("timeout_ms")).longValue());
        assertEquals(10_000L, ((Number) readiness(rec).get("interval_ms")).longValue());
        assertNull(rec.get("last_stderr"), "last lines only on failure");
        assertTrue(Files.isRegularFile(svcRoot.resolve("file-ok/service.json")));
        assertEquals("stopped", stop("file-ok").get("state"));
    }

    @Test
    void fileProbeTimeoutKillsTheServiceAndSaysReadinessTimeout() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Object> rec = ok(start("file-timeout", sh("echo waiting; echo nope >&2; exec sleep 1000"),
                probe("type", "file", "path", "never", "timeout_ms", 1500, "interval_ms", 200)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("failed", rec.get("state"), rec.toString());
        assertEquals("readiness_timeout", rec.get("stop_reason"));
        assertTrue(ms >= 1400 && ms < 6000, "took " + ms + " ms");
        assertTrue(((Number) readiness(rec).get("attempts")).longValue() >= 2, rec.toString());
        assertTrue(readiness(rec).get("last_error").toString().contains("never"), rec.toString());
        assertEquals("waiting", rec.get("last_stdout"));
        assertEquals("nope", rec.get("last_stderr"));
        assertTrue(gone(pid(rec)), "pid " + pid(rec) + " survived");
        assertNotNull(rec.get("ended_at"));
    }

    @Test
    void exitBeforeReadyFailsFastWithTheLastStderrLines() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Object> rec = ok(start("fail-fast", sh("echo starting; for i in 1 2 3; do echo oops $i >&2; done; exit 3"),
                probe("type", "file", "path", "ready", "timeout_ms", 30_000)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3000, "took " + ms + " ms");
        assertEquals("failed", rec.get("state"), rec.toString());
        assertEquals("exited_before_ready", rec.get("stop_reason"));
        assertEquals(3, ((Number) rec.get("exit_code")).intValue());
        assertEquals("oops 1\noops 2\noops 3", rec.get("last_stderr"));
        assertEquals("starting", rec.get("last_stdout"));
        assertTrue(readiness(rec).get("last_error").toString().contains("exited with code 3"), rec.toString());
        assertNotNull(readiness(rec).get("attempts"));
    }

    // ---- tcp probe

    @Test
    void tcpProbeWaitsForTheListener() throws Exception {
        int port = freePort();
        Map<String, Object> rec = ok(start("tcp-ok", tiny("tcp", port, 800),
                probe("type", "tcp", "port", port, "interval_ms", 100)));
        assertEquals("running", rec.get("state"), rec.toString());
        assertEquals("127.0.0.1", readiness(rec).get("host"));
        assertEquals(port, ((Number) readiness(rec).get("port")).intValue());
        assertTrue(((Number) readiness(rec).get("attempts")).longValue() >= 2, "the listener came up late: " + rec);
        stop("tcp-ok");
    }

    /** The interval is the slowest a probe may be: it starts fast and backs off to it. */
    @Test
    void readinessIsSeenLongBeforeTheIntervalWhenTheServiceComesUpQuickly() throws Exception {
        int port = freePort();
        long t0 = System.nanoTime();
        Map<String, Object> rec = ok(start("tcp-fast", tiny("tcp", port, 300),
                probe("type", "tcp", "port", port, "interval_ms", 10_000, "timeout_ms", 30_000)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("running", rec.get("state"), rec.toString());
        assertTrue(ms < 8_000, "ready after " + ms + " ms with a 10 s interval: the probe waited the whole interval");
        stop("tcp-fast");
    }

    @Test
    void tcpProbeOnAClosedPortTimesOut() throws Exception {
        int port = freePort();
        Map<String, Object> rec = ok(start("tcp-fail", List.of("sleep", "1000"),
                probe("type", "tcp", "host", "127.0.0.1", "port", port, "timeout_ms", 1000, "interval_ms", 100)));
        assertEquals("failed", rec.get("state"), rec.toString());
        assertEquals("readiness_timeout", rec.get("stop_reason"));
        assertTrue(readiness(rec).get("last_error").toString().contains("127.0.0.1:" + port), rec.toString());
        assertTrue(gone(pid(rec)));
    }

    // ---- http probe

    @Test
    void httpProbeIsReadyOn200() throws Exception {
        int port = freePort();
        Map<String, Object> rec = ok(start("http-ok", tiny("http", port, 300),
                probe("type", "http", "url", "http://127.0.0.1:" + port + "/", "interval_ms", 100)));
        assertEquals("running", rec.get("state"), rec.toString());
        assertEquals("http://127.0.0.1:" + port + "/", readiness(rec).get("url"));
        stop("http-ok");
    }

    @Test
    void httpProbeOn404TimesOutNamingTheStatus() throws Exception {
        int port = freePort();
        Map<String, Object> rec = ok(start("http-404", tiny("http", port, 0),
                probe("type", "http", "url", "http://localhost:" + port + "/missing", "timeout_ms", 4000,
                        "interval_ms", 200)));
        assertEquals("failed", rec.get("state"), rec.toString());
        assertEquals("readiness_timeout", rec.get("stop_reason"));
        assertTrue(readiness(rec).get("last_error").toString().contains("HTTP 404"), rec.toString());
        assertTrue(gone(pid(rec)));
    }

    // ---- command probe

    @Test
    void commandProbeIsReadyWhenItExitsZero() throws Exception {
        Map<String, Object> rec = ok(start("cmd-ok", sh("sleep 0.5; touch flag; exec sleep 1000"),
                probe("type", "command", "command", "test -f flag", "interval_ms", 100)));
        assertEquals("running", rec.get("state"), rec.toString());
        assertEquals("test -f flag", readiness(rec).get("command"));
        assertTrue(Files.exists(ws.resolve("flag")));
        stop("cmd-ok");
    }

    @Test
    void commandProbeThatNeverPassesTimesOut() throws Exception {
        Map<String, Object> rec = ok(start("cmd-fail", List.of("sleep", "1000"),
                probe("type", "command", "command", "echo not yet >&2; exit 1", "timeout_ms", 1000, "interval_ms", 100)));
        assertEquals("failed", rec.get("state"), rec.toString());
        assertEquals("readiness_timeout", rec.get("stop_reason"));
        String err = readiness(rec).get("last_error").toString();
        assertTrue(err.contains("exited with 1") && err.contains("not yet"), err);
        assertTrue(gone(pid(rec)));
    }

    // ---- stop

    @Test
    void stopKillsChildrenAndGrandchildren() throws Exception {
        Map<String, Object> rec = ok(start("tree", sh("sleep 1000 & sh -c 'sleep 1000 & sleep 1000' & sleep 1000"), null));
        assertEquals("running", rec.get("state"), rec.toString());
        long pid = pid(rec);
        List<Long> tree = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (tree.size() < 5 && System.nanoTime() < deadline) {
            tree = new ArrayList<>(ProcessHandle.of(pid).orElseThrow().descendants().map(ProcessHandle::pid).toList());
            Thread.sleep(50);
        }
        assertTrue(tree.size() >= 4, "descendants: " + tree);
        tree.add(pid);
        Map<String, Object> stopped = stop("tree");
        assertEquals("stopped", stopped.get("state"));
        assertEquals("stopped", stopped.get("stop_reason"));
        assertNotNull(stopped.get("ended_at"));
        assertEquals("SIGTERM", stopped.get("signal"), stopped.toString());
        for (long p : tree) {
            assertTrue(gone(p), "pid " + p + " survived the stop");
        }
        // stopping again keeps the record
        assertEquals("stopped", stop("tree").get("state"));
    }

    @Test
    void stopEscalatesToSigkillAfterTheGrace() throws Exception {
        Map<String, Object> rec = ok(start("stubborn", sh("trap '' TERM; sleep 1000 & while true; do sleep 0.1; done"), null));
        long t0 = System.nanoTime();
        Map<String, Object> stopped = ok(Map.of("type", "service_stop", "name", "stubborn", "grace_ms", 500));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("stopped", stopped.get("state"));
        assertEquals("SIGKILL", stopped.get("signal"), stopped.toString());
        assertTrue(ms >= 450 && ms < 5000, "took " + ms + " ms");
        assertTrue(gone(pid(rec)));
        assertTrue(ProcessHandle.allProcesses().noneMatch(h -> h.info().commandLine().orElse("").equals("sleep 1000")
                && h.parent().map(pp -> pp.pid() == pid(rec)).orElse(false)));
    }

    // ---- logs

    @Test
    void logsWithCursorsReturnOnlyNewBytes() throws Exception {
        ok(start("chatty", sh("echo one; echo e1 >&2; while [ ! -f next ]; do sleep 0.05; done; echo two; echo e2 >&2;"
                + " exec sleep 1000"), null));
        Frame first = awaitLogs("chatty", null, null, "one\n", "e1\n");
        assertEquals(4L, ((Number) first.header().get("stdout_offset")).longValue());
        assertEquals(3L, ((Number) first.header().get("stderr_offset")).longValue());
        assertEquals(false, first.header().get("truncated"));
        Files.createFile(ws.resolve("next"));
        Frame second = awaitLogs("chatty", 4L, 3L, "two\n", "e2\n");
        assertEquals(8L, ((Number) second.header().get("stdout_offset")).longValue());
        assertEquals(6L, ((Number) second.header().get("stderr_offset")).longValue());
        Frame nothing = agent.call(logs("chatty", 8L, 6L, null, null));
        assertEquals("", nothing.string("stdout"));
        assertEquals("", nothing.string("stderr"));
        Frame tail = agent.call(logs("chatty", null, null, 1, "stdout"));
        assertEquals("two\n", tail.string("stdout"));
        assertEquals("", tail.string("stderr"));
        assertEquals(8L, ((Number) tail.header().get("stdout_offset")).longValue());
        stop("chatty");
        Frame after = agent.call(logs("chatty", null, null, null, "both"));
        assertEquals("one\ntwo\n", after.string("stdout"));
        assertError(agent.call(logs("chatty", null, null, null, "syslog")), "invalid_input", "syslog");
        assertError(agent.call(logs("chatty", -1L, null, null, null)), "invalid_input", "after_stdout");
    }

    static Map<String, Object> logs(String name, Long afterOut, Long afterErr, Integer tail, String stream) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_logs");
        m.put("name", name);
        if (afterOut != null) {
            m.put("after_stdout", afterOut);
        }
        if (afterErr != null) {
            m.put("after_stderr", afterErr);
        }
        if (tail != null) {
            m.put("tail_lines", tail);
        }
        if (stream != null) {
            m.put("stream", stream);
        }
        return m;
    }

    static Frame awaitLogs(String name, Long afterOut, Long afterErr, String out, String err) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Frame f;
        do {
            f = agent.call(logs(name, afterOut, afterErr, null, null));
            assertEquals("service_logs_result", f.type(), f.toString());
            if (out.equals(f.string("stdout")) && err.equals(f.string("stderr"))) {
                return f;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("logs never became " + out + "/" + err + ": " + f);
    }

    @Test
    void a200MegabyteFloodWithoutNewlinesStaysUnderTheCap() throws Exception {
        Map<String, Object> rec = ok(start("flood", sh("head -c 200000000 /dev/zero | tr '\\0' a; echo done >&2"), null));
        assertEquals("running", rec.get("state"), rec.toString());
        Map<String, Object> ended = awaitState("flood", "exited", 120_000);
        assertEquals(0, ((Number) ended.get("exit_code")).intValue());
        assertEquals("exited", ended.get("stop_reason"));
        long size = Files.size(svcRoot.resolve("flood/stdout.log"));
        assertTrue(size <= LogFile.DEFAULT_CAP, "stdout.log is " + size + " bytes");
        Frame all = agent.call(logs("flood", null, null, null, null));
        assertEquals(true, all.header().get("truncated"));
        assertEquals(200_000_000L, ((Number) all.header().get("stdout_offset")).longValue());
        assertEquals(LogFile.READ_LIMIT, all.string("stdout").length());
        assertEquals("done\n", all.string("stderr"));
        Frame fromStart = agent.call(logs("flood", 0L, null, null, "stdout"));
        assertEquals(true, fromStart.header().get("truncated"));
        long next = ((Number) fromStart.header().get("stdout_offset")).longValue();
        assertEquals(200_000_000L - size + LogFile.READ_LIMIT, next, "reads on from the oldest kept byte");
        Frame tail = agent.call(logs("flood", null, null, 3, "stdout"));
        assertEquals(true, tail.header().get("truncated"), "one line longer than a reply");
        assertEquals("pong", agent.call(Map.of("type", "ping")).type());
        assertTrue(agent.process.isAlive());
    }

    // ---- errors, conflicts, list

    @Test
    void aRunningNameConflictsAndAnEndedOneIsReplaced() throws Exception {
        assertEquals("running", ok(start("dup", List.of("sleep", "1000"), null)).get("state"));
        assertError(agent.call(start("dup", List.of("sleep", "5"), null)), "conflict", "dup");
        long pid = pid(status("dup"));
        assertEquals("stopped", stop("dup").get("state"));
        Map<String, Object> again = ok(start("dup", sh("echo second; exec sleep 1000"), null));
        assertEquals("running", again.get("state"));
        assertTrue(pid(again) != pid);
        Frame l = awaitLogs("dup", null, null, "second\n", "");
        assertEquals(7L, ((Number) l.header().get("stdout_offset")).longValue());
        stop("dup");
    }

    @Test
    void badInputIsRejectedBeforeAnythingStarts() throws Exception {
        Files.createDirectories(ws.resolve("sub"));
        Object[][] cases = {
            {start("bad-port", sh("touch m1"), probe("type", "tcp", "port", 70000)), "70000"},
            {start("bad-port0", sh("touch m2"), probe("type", "tcp", "port", 0)), "port 0"},
            {start("bad-url", sh("touch m3"), probe("type", "http", "url", "ftp://example.com/")), "ftp://example.com/"},
            {start("bad-url2", sh("touch m4"), probe("type", "http", "url", "http:///nohost")), "http:///nohost"},
            {start("bad-path", sh("touch m5"), probe("type", "file", "path", "../outside")), "../outside"},
            // an absolute ready file may be anywhere in the guest (/tmp/app.ready), but not the root folder
            {start("bad-abs", sh("touch m6"), probe("type", "file", "path", "/")), "'/'"},
            {start("bad-type", sh("touch m7"), probe("type", "smoke")), "smoke"},
            {start("bad-timeout", sh("touch m8"), probe("type", "file", "path", "x", "timeout_ms", 0)), "timeout_ms"},
            {start("-bad-name", sh("touch m9"), null), "-bad-name"},
            {start("x".repeat(65), sh("touch m10"), null), "xxxx"},
            {start("no-argv", List.of(), null), "argv"},
            {start("no-such-cmd", List.of("definitely-not-a-command-42"), null), "definitely-not-a-command-42"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, Object> req = (Map<String, Object>) c[0];
            assertError(agent.call(req), "invalid_input", (String) c[1]);
        }
        Map<String, Object> badCwd = start("bad-cwd", sh("touch m11"), null);
        badCwd.put("cwd", "/workspace/missing");
        assertError(agent.call(badCwd), "invalid_input", "/workspace/missing");
        // relative escape from a sub-directory cwd, and an absolute path inside the workspace is fine
        Map<String, Object> esc = start("bad-sub", sh("touch m12"), probe("type", "file", "path", "../../x"));
        esc.put("cwd", "/workspace/sub");
        assertError(agent.call(esc), "invalid_input", "../../x");
        Thread.sleep(300);
        for (int i = 1; i <= 12; i++) {
            assertFalse(Files.exists(ws.resolve("m" + i)) || Files.exists(ws.resolve("sub/m" + i)), "m" + i + " ran");
        }
        assertError(agent.call(Map.of("type", "service_status", "name", "bad-port")), "not_found", "bad-port");
        Map<String, Object> abs = start("abs-ok", sh("touch sub/ready; exec sleep 1000"),
                probe("type", "file", "path", "/workspace/sub/ready"));
        assertEquals("running", ok(abs).get("state"));
        stop("abs-ok");
    }

    @Test
    void unknownServicesAreNotFound() throws Exception {
        assertError(agent.call(Map.of("type", "service_status", "name", "ghost")), "not_found", "ghost");
        assertError(agent.call(Map.of("type", "service_logs", "name", "ghost")), "not_found", "ghost");
        assertError(agent.call(Map.of("type", "service_stop", "name", "ghost")), "not_found", "ghost");
    }

    @Test
    void listAndStatusShowEveryState() throws Exception {
        ok(start("st-b-running", List.of("sleep", "1000"), null));
        ok(start("st-a-exits", sh("sleep 0.5"), null));
        ok(start("st-c-fails", sh("sleep 0.5; echo bad >&2; exit 4"), null));
        ok(start("st-d-stopped", List.of("sleep", "1000"), null));
        stop("st-d-stopped");
        Map<String, Object> exited = awaitState("st-a-exits", "exited", 5000);
        assertEquals("exited", exited.get("stop_reason"));
        assertEquals(0, ((Number) exited.get("exit_code")).intValue());
        Map<String, Object> failed = awaitState("st-c-fails", "failed", 5000);
        assertEquals("exited", failed.get("stop_reason"));
        assertEquals(4, ((Number) failed.get("exit_code")).intValue());
        assertEquals("bad", failed.get("last_stderr"));
        Frame list = agent.call(Map.of("type", "service_list"));
        assertEquals("service_list_result", list.type());
        List<String> names = new ArrayList<>();
        Map<String, Object> states = new LinkedHashMap<>();
        for (Object o : (List<?>) list.header().get("services")) {
            Map<?, ?> s = (Map<?, ?>) o;
            names.add((String) s.get("service_name"));
            states.put((String) s.get("service_name"), s.get("state"));
        }
        assertEquals(names.stream().sorted().toList(), names, "sorted by name");
        assertEquals("exited", states.get("st-a-exits"));
        assertEquals("running", states.get("st-b-running"));
        assertEquals("failed", states.get("st-c-fails"));
        assertEquals("stopped", states.get("st-d-stopped"));
        Map<String, Object> running = status("st-b-running");
        assertEquals(List.of("sleep", "1000"), running.get("command"));
        assertEquals(ws.toString(), running.get("cwd"));
        // none is just the type and attempts (every other field of the readiness is null)
        assertEquals("none", readiness(running).get("type"));
        assertEquals(0, ((Number) readiness(running).get("attempts")).intValue());
        assertNull(readiness(running).get("last_error"));
        stop("st-b-running");
    }
}
