package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServiceState;

/**
 * The public JSON of what the agent reports, made from the protocol's records: the fields in the
 * contract's order, the ones left out while null, and numbers as JSON read back gives them.
 */
class GuestJsonTest {
    private static Reply.ServiceRecord service(ServiceState state, Reply.ServiceReadiness r, String tail, String note) {
        return new Reply.ServiceRecord("web", List.of("sleep", "9"), "/workspace", state, 42L, "t0", null, null, null,
                null, null, r, Request.Restart.ON_FAILURE, 5, List.of("db:ready"), 0, null, null, null, tail, tail, note);
    }

    @Test
    void aRunningServiceShowsEveryFieldButTheFailureTailsAndNote() {
        Reply.ServiceReadiness none = new Reply.ServiceReadiness(Request.ProbeType.NONE, null, null, null, null, null,
                null, null, 0L, null);
        Map<String, Object> m = GuestJson.service(service(ServiceState.RUNNING, none, null, null));
        assertEquals(List.of("service_name", "command", "cwd", "state", "pid", "started_at", "ready_at", "ended_at",
                "exit_code", "signal", "stop_reason", "readiness", "restart", "max_restarts", "after", "restart_count",
                "last_exit", "next_restart_at", "time_to_ready_ms"), List.copyOf(m.keySet()));
        assertEquals("running", m.get("state"));
        assertEquals("on-failure", m.get("restart"));
        assertEquals(42, m.get("pid"), "an int, as JSON read back gives it");
        assertEquals(java.util.Arrays.asList("none", 0, null),
                java.util.Arrays.asList(((Map<?, ?>) m.get("readiness")).values().toArray()));
        assertEquals(List.of("type", "attempts", "last_error"), List.copyOf(((Map<?, ?>) m.get("readiness")).keySet()));
    }

    @Test
    void aFailedServiceAddsItsTailsAndNoteAndAProbeShowsSecondsAsTheRecordAlwaysDid() {
        Reply.ServiceReadiness tcp = new Reply.ServiceReadiness(Request.ProbeType.TCP, null, "127.0.0.1", 8080, null,
                null, 1500L, 500L, 3L, "refused");
        Map<String, Object> m = GuestJson.service(service(ServiceState.FAILED, tcp, "", "gave up"));
        assertEquals(List.of("last_stdout", "last_stderr", "note"), List.copyOf(m.keySet()).subList(19, 22));
        Map<?, ?> r = (Map<?, ?>) m.get("readiness");
        assertEquals(List.of("type", "host", "port", "timeout_seconds", "interval_ms", "attempts", "last_error"),
                List.copyOf(r.keySet()));
        assertEquals(1.5, r.get("timeout_seconds"));
        Reply.ServiceReadiness whole = new Reply.ServiceReadiness(Request.ProbeType.FILE, "ready", null, null, null,
                null, 30_000L, 500L, 0L, null);
        assertEquals(30, ((Map<?, ?>) GuestJson.service(service(ServiceState.STARTING, whole, null, null))
                .get("readiness")).get("timeout_seconds"));
    }

    @Test
    void optionalFieldsOfShellsEntriesAndWritesAreLeftOutWhileNull() {
        assertEquals(List.of("shell_id", "state", "cwd", "cols", "rows", "pid", "started_at"), List.copyOf(GuestJson
                .shell(new Reply.ShellRecord("sh-1", "running", "/workspace", 80L, 24L, 7L, "t", null)).keySet()));
        assertEquals(3, GuestJson.shell(new Reply.ShellRecord("sh-1", "exited", "/w", 80L, 24L, 7L, "t", 3))
                .get("exit_code"));
        assertEquals(List.of("path", "type", "size", "mode"), List.copyOf(GuestJson
                .fileEntry(new Reply.FileEntry("a", "file", 3L, 420L, null)).keySet()));
        assertEquals("b", GuestJson.fileEntry(new Reply.FileEntry("a", "symlink", 0L, 511L, "b")).get("target"));
        assertEquals(List.of("path", "action", "bytes"), List.copyOf(GuestJson
                .written(new Reply.FileWritten("a", "deleted", 0L, null)).keySet()));
        assertEquals(List.of("guest_port", "host_port", "host_address"), List.copyOf(GuestJson
                .publishedPort(new Reply.Forward("web", 80, 8080, "127.0.0.1")).keySet()));
    }
}
