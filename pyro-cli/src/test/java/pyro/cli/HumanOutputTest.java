package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.model.SeedInfo;
import pyro.core.model.ServiceCounts;
import pyro.core.model.ServiceInfo;
import pyro.core.model.WorkspaceInfo;

/**
 * Issue 26: what people read from {@code workspace list}, {@code status} and {@code service list}:
 * tables with a header whose columns do not move with a long name, relative times, states that say
 * what they mean, commands as a shell would read them. The records are built as the SDK builds them;
 * the renderers are the CLI's own. {@code --json} is not touched here (the record-shape tests pin it).
 */
class HumanOutputTest {
    static final Instant NOW = Instant.parse("2026-11-25T13:00:00Z");

    static WorkspaceInfo workspace(String id, String name, String state, String reason, ServiceCounts counts) {
        return new WorkspaceInfo(id, name, "debian:12", state, "qemu", "tcg", 1, 1024, 600, false,
                "2026-11-25T12:40:00Z", "2026-11-25T13:07:00Z", "2026-11-25T12:57:00Z", SeedInfo.EMPTY, 2,
                List.of("sh", "-c", "make test"), counts, List.of(), reason, null, 0, 0, "off", List.of(), null);
    }

    /** The column each header word starts at must be where that column's cell starts on every row. */
    private static void assertAligned(List<String> lines, String... headers) {
        String header = lines.getFirst();
        for (String h : headers) {
            int at = header.indexOf(h);
            assertTrue(at >= 0, h + " in " + header);
            for (String row : lines.subList(1, lines.size())) {
                if (row.isBlank() || !row.startsWith(lines.get(1).substring(0, 3))) {
                    continue; // a note under the table
                }
                assertTrue(at == 0 || row.charAt(at - 1) == ' ' && row.charAt(at) != ' ',
                        "column " + h + " starts at " + at + " in:\n" + String.join("\n", lines));
            }
        }
        lines.forEach(l -> assertEquals(l.stripTrailing(), l, "no trailing spaces"));
    }

    @Test
    void workspaceListIsATableThatALongNameDoesNotShift() {
        List<WorkspaceInfo> list = List.of(
                workspace("ws-000000000001", "a", "started", null, new ServiceCounts(0, 2, 0, 0, 1)),
                workspace("ws-000000000002", "a-much-longer-workspace-name", "stopped", null, ServiceCounts.NONE),
                workspace("ws-000000000003", null, "stopped", "expired: the ttl of 600 s passed", ServiceCounts.NONE));
        List<String> lines = WorkspaceView.table(list, NOW);
        assertEquals("ID               NAME                          STATE    ENV        SERVICES     LAST USED  EXPIRES",
                lines.getFirst());
        assertAligned(lines.subList(0, 4), "ID", "NAME", "STATE", "ENV", "SERVICES", "LAST USED", "EXPIRES");
        assertEquals("ws-000000000001  a                             started  debian:12  2/3 running  3 min ago  in 7 min",
                lines.get(1));
        assertTrue(lines.get(2).contains("  stopped  ") && lines.get(2).contains("  on start  "), lines.get(2));
        assertTrue(lines.get(3).contains("  expired  ") && lines.get(3).endsWith("  -"), lines.get(3));
        assertEquals("A stopped workspace's services resume with it: pyro workspace start WS.", lines.getLast());
        assertTrue(lines.stream().allMatch(l -> l.length() <= 110), "no absolute timestamps: " + lines);
        assertFalse(String.join("\n", lines).contains("2026-"), "times are relative");
    }

    @Test
    void statusSaysWhatAnExpiredAndAStoppedWorkspaceAre() {
        String expired = String.join("\n", WorkspaceView.block(
                workspace("ws-000000000003", null, "stopped", "expired: the ttl of 600 s passed", ServiceCounts.NONE), NOW));
        assertTrue(expired.contains("state:       expired (its TTL of 600 s passed; its VM was released: delete it)"), expired);
        String stopped = String.join("\n", WorkspaceView.block(
                workspace("ws-000000000002", "demo", "stopped", null, ServiceCounts.NONE), NOW));
        assertTrue(stopped.contains("services:    saved with the machine; 'pyro workspace start ws-000000000002' resumes them"),
                stopped);
        String started = String.join("\n", WorkspaceView.block(
                workspace("ws-000000000001", "demo", "started", null, new ServiceCounts(0, 2, 0, 0, 1)), NOW));
        assertTrue(started.contains("services:    3 (2 running, 1 failed)"), started);
        assertTrue(started.contains("commands:    2, last: sh -c 'make test'"), started);
        assertTrue(started.contains("expires:     in 7 min (idle TTL 600 s: each use renews it; then its VM is stopped)"),
                started);
        assertTrue(started.contains("last used:   3 min ago"), started);
    }

    static ServiceInfo service(String name, String state, Object pid, List<String> command, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service_name", name);
        m.put("command", command);
        m.put("state", state);
        m.put("pid", pid);
        m.put("started_at", Instant.now().minusSeconds(125).toString());
        m.put("stop_reason", reason);
        return new ServiceInfo("ws-000000000001", m);
    }

    @Test
    void serviceListQuotesCommandsAndShowsNoDeadPid() {
        List<String> lines = ServiceCommand.table(List.of(
                service("web", "running", 412, List.of("python3", "-m", "http.server", "8000"), null),
                service("a-worker-with-a-long-name", "failed", 977, List.of("sh", "-c", "sleep 1; echo it's done"),
                        "readiness_timeout")));
        assertEquals(List.of("NAME", "STATE", "PID", "STARTED", "PORTS", "COMMAND"),
                List.of(lines.getFirst().split("\\s{2,}")));
        assertAligned(lines, "NAME", "STATE", "PID", "STARTED", "PORTS", "COMMAND");
        assertTrue(lines.get(1).contains("  412  ") && lines.get(1).endsWith("  python3 -m http.server 8000"), lines.get(1));
        assertTrue(lines.get(1).contains("  2 min ago  "), lines.get(1));
        assertTrue(lines.get(2).endsWith("  sh -c 'sleep 1; echo it'\\''s done'"), lines.get(2));
        assertTrue(lines.get(2).contains("failed (readiness_timeout)"), lines.get(2));
        assertFalse(lines.get(2).contains("977"), "a failed service's pid is dead: " + lines.get(2));
        assertFalse(String.join("\n", lines).contains("[sh, -c"), "no Java lists");
    }

    @Test
    void relativeTimesAndShellWords() {
        assertEquals("just now", Human.ago("2026-11-25T13:00:00Z", NOW));
        assertEquals("42 s ago", Human.ago("2026-11-25T12:59:18Z", NOW));
        assertEquals("3 min ago", Human.ago("2026-11-25T12:57:00Z", NOW));
        assertEquals("5 h ago", Human.ago("2026-11-25T08:00:00Z", NOW));
        assertEquals("3 days ago", Human.ago("2026-11-22T12:00:00Z", NOW));
        assertEquals("in 10 min", Human.ago("2026-11-25T13:10:00Z", NOW));
        assertEquals("-", Human.ago(null, NOW));
        assertEquals("sh -c 'a && b' '' x=1 /p/a.txt", Human.words(List.of("sh", "-c", "a && b", "", "x=1", "/p/a.txt")));
    }
}
