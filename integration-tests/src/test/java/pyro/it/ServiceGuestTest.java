package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ServiceLogs;

/** Services in a real guest: probes, fail-fast, stop, logs, and the release smoke through the CLI. */
class ServiceGuestTest {
    static String ws;
    static Pyro pyro;

    @BeforeAll
    static void setUp() {
        ws = SharedWorkspace.id();
        pyro = Guests.sdk(SharedWorkspace.state());
        pyro.execWorkspace(ws, List.of("mkdir", "-p", "svc"), null, 30);
    }

    private static ServiceInfo start(String name, String cmd, Readiness r) {
        return pyro.startService(ws, name, List.of("sh", "-c", cmd), "svc", Map.of(), r);
    }

    /** Issue 11's small fix: the natural place for a ready marker, /tmp, is allowed and stays out of the diff. */
    @Test
    void aReadyFileOutsideTheWorkspaceIsAllowedAndStaysOutOfTheDiff() {
        ServiceInfo s = start("tmp-ready", "sleep 0.3; touch /tmp/tmp-ready.marker; exec sleep 1000",
                Readiness.file("/tmp/tmp-ready.marker"));
        try {
            assertEquals("running", s.state(), s.toString());
            assertFalse(pyro.diffWorkspace(ws).toString().contains("tmp-ready.marker"));
        } finally {
            pyro.stopService(ws, "tmp-ready", 1);
        }
        PyroException e = assertThrows(PyroException.class, () -> start("escape", "true", Readiness.file("../../x.ready")));
        assertTrue(e.getMessage().contains("escapes the service's cwd"), e.getMessage());
    }

    @Test
    void releaseSmokeThroughTheCliAsSeparateProcesses() {
        Cli.Result web = SharedWorkspace.cli("workspace", "service", "start", ws, "web", "--cwd", "svc",
                "--ready-http", "http://127.0.0.1:8081/", "--json", "--", "python3", "-m", "http.server", "8081");
        assertEquals(0, web.exitCode(), web.toString());
        Cli.Result worker = SharedWorkspace.cli("workspace", "service", "start", ws, "worker", "--cwd", "svc",
                "--ready-file", "worker.ready", "--json", "--", "sh", "-c",
                "sleep 1; touch worker.ready; while true; do echo tick; sleep 1; done");
        assertEquals(0, worker.exitCode(), worker.toString());
        Map<String, Object> list = SharedWorkspace.json("workspace", "service", "list", ws, "--json");
        assertTrue(((Number) list.get("running_count")).intValue() >= 2, list.toString());
        Map<String, Object> status = SharedWorkspace.json("workspace", "status", ws, "--json");
        assertTrue(((Number) status.get("running_service_count")).intValue() >= 2, status.toString());
        Map<String, Object> st = SharedWorkspace.json("workspace", "service", "status", ws, "web", "--json");
        assertEquals("running", st.get("state"));
        Map<String, Object> logs = SharedWorkspace.json("workspace", "service", "logs", ws, "worker", "--json");
        assertTrue(logs.get("stdout").toString().contains("tick"), logs.toString());
        Map<String, Object> diff = SharedWorkspace.json("workspace", "diff", ws, "--json");
        assertFalse(diff.toString().contains("/var/lib/pyro") || diff.toString().contains("stdout.log"),
                "service records and logs live outside /workspace: " + diff);
        for (String name : List.of("web", "worker")) {
            Map<String, Object> stop = SharedWorkspace.json("workspace", "service", "stop", ws, name, "--json");
            assertEquals("stopped", stop.get("state"), stop.toString());
        }
    }

    @Test
    void eachProbeTypePassesAndFails() {
        assertEquals("running", start("tcp-ok", "exec python3 -m http.server 8082", Readiness.tcp("127.0.0.1", 8082)).state());
        assertEquals("running", start("cmd-ok", "sleep 1000", Readiness.command("test -d /proc")).state());
        assertEquals("running", start("file-ok", "sleep 1; touch f.ok; sleep 1000", Readiness.file("f.ok")).state());
        for (var bad : List.of(
                Map.entry("tcp-bad", Readiness.tcp("127.0.0.1", 8099).withTimeout(3, 200)),
                Map.entry("http-bad", Readiness.http("http://127.0.0.1:8082/missing-page").withTimeout(3, 200)),
                Map.entry("cmd-bad", Readiness.command("false").withTimeout(3, 200)),
                Map.entry("file-bad", Readiness.file("never.there").withTimeout(3, 200)))) {
            PyroException e = assertThrows(PyroException.class, () -> start(bad.getKey(), "sleep 1000", bad.getValue()));
            assertTrue(e.getMessage().contains("readiness timeout") && e.getMessage().contains("attempts"),
                    e.getMessage());
            ServiceInfo s = pyro.statusService(ws, bad.getKey());
            assertEquals("failed", s.state());
            assertEquals("readiness_timeout", s.stopReason());
        }
        for (String n : List.of("tcp-ok", "cmd-ok", "file-ok")) {
            pyro.stopService(ws, n, 2);
        }
    }

    @Test
    void aServiceThatExitsBeforeReadyFailsAtOnce() {
        long t0 = System.nanoTime();
        PyroException e = assertThrows(PyroException.class,
                () -> start("early-exit", "echo boom >&2; exit 3", Readiness.file("never").withTimeout(30, 500)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 15_000, "fail-fast took " + ms + " ms against a 30 s timeout");
        assertTrue(e.getMessage().contains("boom"), e.getMessage());
    }

    @Test
    void stopKillsGrandchildren() {
        start("tree", "sh -c 'sleep 1001 & sleep 1002' & sleep 1003", Readiness.none());
        String before = pyro.execWorkspace(ws, "pgrep -fx 'sleep 100[123]' | wc -l", null, 30).stdout().strip();
        assertEquals("3", before);
        ServiceInfo s = pyro.stopService(ws, "tree", 2);
        assertEquals("stopped", s.state());
        String after = pyro.execWorkspace(ws, "pgrep -fx 'sleep 100[123]' | wc -l", null, 30).stdout().strip();
        assertEquals("0", after);
    }

    @Test
    void logsWorkWhileALongExecRunsAndCursorsReadOnlyWhatIsNew() throws Exception {
        start("counter", "i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.2; done", Readiness.none());
        CompletableFuture<?> longExec = CompletableFuture.runAsync(() -> pyro.execWorkspace(ws, "sleep 8", null, 30),
                Cli.VIRTUAL);
        Thread.sleep(1500);
        long t0 = System.nanoTime();
        ServiceLogs first = pyro.logsService(ws, "counter", null, "stdout", null);
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 6000, "logs must not wait for the long exec");
        assertFalse(longExec.isDone());
        assertTrue(first.stdout().contains("line-1\n"));
        Thread.sleep(1000);
        ServiceLogs next = pyro.logsService(ws, "counter", null, "stdout", first.after());
        assertFalse(next.stdout().contains("line-1\n"), "a cursor read returns only new bytes: " + next.stdout());
        assertTrue(next.stdoutOffset() > first.stdoutOffset());
        longExec.join();
        pyro.stopService(ws, "counter", 2);
    }

    @Test
    void badInputIsRefusedAndStartsNothing() {
        assertThrows(PyroException.class, () -> start("bad name!", "true", Readiness.none()));
        assertThrows(PyroException.class, () -> start("port", "true", Readiness.tcp("127.0.0.1", 70000)));
        assertThrows(PyroException.class, () -> start("url", "true", Readiness.http("ftp://x/")));
        assertThrows(PyroException.class, () -> start("escape", "true", Readiness.file("../../etc/passwd")));
        PyroException unknown = assertThrows(PyroException.class, () -> pyro.statusService(ws, "no-such-service"));
        assertEquals(3, unknown.code().exitStatus(), unknown.getMessage());
        start("dup", "sleep 1000", Readiness.none());
        PyroException dup = assertThrows(PyroException.class, () -> start("dup", "sleep 1000", Readiness.none()));
        assertTrue(dup.getMessage().contains("dup"), dup.getMessage());
        pyro.stopService(ws, "dup", 1);
        for (String n : List.of("port", "url", "escape")) {
            assertThrows(PyroException.class, () -> pyro.statusService(ws, n), "no half-started service " + n);
        }
    }
}
