package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/** The packaged {@code pyro mcp serve} over real stdio JSON-RPC, against real guests. */
class McpGuestTest {
    @Test
    @SuppressWarnings("unchecked")
    void toolsListHasSchemasAndVmRunRunsInAGuest() throws Exception {
        Guests.requireGuests();
        try (McpClient mcp = new McpClient(Guests.newStateDir("mcp"))) {
            Map<String, Object> list = mcp.request("tools/list", Map.of());
            List<Map<String, Object>> tools = (List<Map<String, Object>>) ((Map<String, Object>) list.get("result")).get("tools");
            List<String> names = tools.stream().map(t -> t.get("name").toString()).toList();
            for (String n : List.of("vm_run", "vm_list_environments", "workspace_create", "workspace_exec",
                    "service_start", "service_list", "service_status", "service_logs", "service_stop",
                    "shell_open", "shell_read", "shell_write", "shell_signal", "shell_close")) {
                assertTrue(names.contains(n), n + " missing from " + names);
            }
            for (Map<String, Object> t : tools) {
                Map<String, Object> schema = (Map<String, Object>) t.get("inputSchema");
                assertEquals("object", schema.get("type"), t.get("name").toString());
                assertTrue(t.get("description").toString().length() > 20);
            }
            Map<String, Object> run = mcp.call("vm_run", Map.of("environment", Guests.ENV,
                    "command", "uname -r && echo $((6*7))"));
            assertNotEquals(Boolean.TRUE, run.get("isError"), run.toString());
            Map<String, Object> rec = Json.readMap(McpClient.text(run));
            String[] lines = rec.get("stdout").toString().strip().split("\n");
            assertNotEquals(System.getProperty("os.version"), lines[0]);
            assertEquals("42", lines[1]);

            // a client that sends a progress token hears the boot as it happens, counting up
            mcp.notifications.clear();
            Map<String, Object> withProgress = mcp.callWithProgress("vm_run", Map.of("environment", Guests.ENV,
                    "command", "true"), "tok-1");
            assertNotEquals(Boolean.TRUE, withProgress.get("isError"), withProgress.toString());
            List<Map<String, Object>> progress = mcp.notifications.stream()
                    .filter(n -> "notifications/progress".equals(n.get("method"))).toList();
            assertFalse(progress.isEmpty(), "no progress notifications: " + mcp.notifications);
            double last = 0;
            for (Map<String, Object> n : progress) {
                Map<String, Object> p = (Map<String, Object>) n.get("params");
                assertEquals("tok-1", p.get("progressToken"));
                double v = ((Number) p.get("progress")).doubleValue();
                assertTrue(v > last, "progress must increase: " + progress);
                last = v;
                assertFalse(p.get("message").toString().isBlank());
            }
            assertTrue(progress.stream().anyMatch(n -> ((Map<String, Object>) n.get("params")).get("message").toString()
                    .contains("debian:12")), progress.toString());
        }
    }

    @Test
    void anMcpServerStartedLaterCanExecInAWorkspaceTheCliCreated() throws Exception {
        String ws = SharedWorkspace.id();
        try (McpClient mcp = new McpClient(SharedWorkspace.state())) {
            Map<String, Object> r = mcp.call("workspace_exec", Map.of("workspace_id", ws, "command", "cat README.md | head -1"));
            assertNotEquals(Boolean.TRUE, r.get("isError"), r.toString());
            assertEquals("# seeded", Json.readMap(McpClient.text(r)).get("stdout").toString().strip());
            Map<String, Object> started = mcp.call("service_start", Map.of("workspace_id", ws, "service_name", "mcp-svc",
                    "command", "sleep 1000", "ready_command", "true"));
            assertNotEquals(Boolean.TRUE, started.get("isError"), started.toString());
            Cli.Result fromCli = SharedWorkspace.cli("workspace", "service", "status", ws, "mcp-svc", "--json");
            assertEquals("running", Json.readMap(fromCli.stdout()).get("state"), fromCli.toString());
            Map<String, Object> stopped = mcp.call("service_stop", Map.of("workspace_id", ws, "service_name", "mcp-svc",
                    "grace_seconds", 1));
            assertEquals("stopped", Json.readMap(McpClient.text(stopped)).get("state"), stopped.toString());
            // the file tools over stdio: write new, read back with its digest, patch, a stale patch refused
            try {
                Map<String, Object> w = mcp.call("workspace_file_write", Map.of("workspace_id", ws, "path", "mcpf/a.txt",
                        "content", "one\ntwo\n", "expected_sha256", "new"));
                assertNotEquals(Boolean.TRUE, w.get("isError"), w.toString());
                Map<String, Object> read = Json.readMap(McpClient.text(mcp.call("workspace_file_read",
                        Map.of("workspace_id", ws, "path", "mcpf/a.txt"))));
                assertEquals("one\ntwo\n", read.get("content"));
                assertEquals(Boolean.TRUE, read.get("eof"));
                String patch = "--- a/mcpf/a.txt\n+++ b/mcpf/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n";
                Map<String, Object> applied = mcp.call("workspace_patch_apply", Map.of("workspace_id", ws, "patch", patch));
                assertNotEquals(Boolean.TRUE, applied.get("isError"), applied.toString());
                assertEquals("one\nTWO\n", Json.readMap(McpClient.text(mcp.call("workspace_file_read",
                        Map.of("workspace_id", ws, "path", "mcpf/a.txt")))).get("content"));
                Map<String, Object> again = mcp.call("workspace_patch_apply", Map.of("workspace_id", ws, "patch", patch));
                assertEquals(Boolean.TRUE, again.get("isError"), again.toString());
                assertTrue(McpClient.text(again).contains("hunk 1 of mcpf/a.txt"), again.toString());
            } finally {
                mcp.call("workspace_exec", Map.of("workspace_id", ws, "command", "rm -rf mcpf"));
            }
            Map<String, Object> bad = mcp.call("workspace_exec", Map.of("workspace_id", "ws-000000000000", "command", "true"));
            assertEquals(Boolean.TRUE, bad.get("isError"));
            assertTrue(McpClient.text(bad).contains("'ws-000000000000'"), bad.toString());
        }
    }

    /**
     * Issue 23 row 9: {@code notifications/cancelled} for a running {@code workspace_exec} stops the
     * command in the guest, and the server sends nothing for the cancelled request.
     */
    @Test
    void mcpCancellationOfARunningExecStopsTheGuestCommandAndSendsNoReply() throws Exception {
        String ws = SharedWorkspace.id();
        try (McpClient mcp = new McpClient(SharedWorkspace.state())) {
            int id = mcp.start("tools/call", Map.of("name", "workspace_exec", "arguments", Map.of("workspace_id", ws,
                    "command", "echo $$ > /tmp/mcp-cancel.pid; exec sleep 300", "timeout_seconds", 600)));
            String pid = null;
            long until = System.nanoTime() + 120_000_000_000L;
            while (pid == null && System.nanoTime() < until) {
                Cli.Result r = SharedWorkspace.cli("workspace", "exec", ws, "--", "cat", "/tmp/mcp-cancel.pid");
                if (r.exitCode() == 0 && !r.stdout().isBlank()) {
                    pid = r.stdout().strip();
                } else {
                    Thread.sleep(500);
                }
            }
            assertTrue(pid != null && pid.matches("\\d+"), "the exec never started in the guest: " + pid);
            mcp.notify("notifications/cancelled", Map.of("requestId", id, "reason", "the user pressed stop"));
            String state = "";
            until = System.nanoTime() + 60_000_000_000L;
            while (!state.equals("gone") && System.nanoTime() < until) {
                state = SharedWorkspace.cli("workspace", "exec", ws, "--", "sh", "-c",
                        "kill -0 " + pid + " 2>/dev/null && echo alive || echo gone").stdout().strip();
                if (!state.equals("gone")) {
                    Thread.sleep(500);
                }
            }
            assertEquals("gone", state, "the cancelled command still runs in the guest (pid " + pid + ")");
            Thread.sleep(1_000); // had a reply to the cancelled call been sent, it would be read before the next one
            Map<String, Object> after = mcp.call("workspace_exec", Map.of("workspace_id", ws, "command", "echo after"));
            assertEquals("after", Json.readMap(McpClient.text(after)).get("stdout").toString().strip(), after.toString());
            assertFalse(mcp.otherReplies.stream().anyMatch(o -> o instanceof Number n && n.intValue() == id), "a reply was sent for the cancelled request " + id + ": "
                    + mcp.otherReplies);
        }
    }
}
