package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.Pyro;

/** The server over real stdio JSON-RPC, in a child JVM on the module path (as {@code pyro mcp serve} runs it). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class McpServerStdioTest {
    static final List<String> CONTRACT_TOOLS = List.of("vm_run", "vm_list_environments", "vm_create", "vm_start",
            "vm_exec", "vm_stop", "vm_delete", "vm_status", "vm_reap_expired", "workspace_create", "workspace_list",
            "workspace_status", "workspace_exec", "workspace_logs", "workspace_sync_push", "workspace_diff",
            "workspace_export", "workspace_delete", "shell_open", "shell_read", "shell_write", "shell_signal",
            "shell_close", "service_start", "service_list", "service_status", "service_logs", "service_stop",
            // 2.8.0
            "vm_pull_environment", "workspace_update", "workspace_file_list", "workspace_file_read",
            "workspace_file_write", "workspace_patch_apply", "workspace_snapshot_create", "workspace_snapshot_list",
            "workspace_snapshot_delete", "workspace_reset", "workspace_stop", "workspace_start", "workspace_fork");

    @TempDir
    static Path tmp;

    static StdioClient client;
    static Map<String, Object> initializeReply;

    @BeforeAll
    static void start() throws Exception {
        client = new StdioClient(StdioClient.Mode.MODULE_PATH, Files.createDirectories(tmp.resolve("state")),
                Files.createDirectories(tmp.resolve("cache")), List.of("--profile", "workspace-full"));
        initializeReply = client.initialize();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) assertInstanceOf(Map.class, o);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) assertInstanceOf(List.class, o);
    }

    static String text(Map<String, Object> result, int index) {
        return (String) map(list(result.get("content")).get(index)).get("text");
    }

    @Test
    @Order(1)
    void initializeNamesTheServer() {
        Map<String, Object> result = map(initializeReply.get("result"));
        Map<String, Object> info = map(result.get("serverInfo"));
        assertEquals("pyro", info.get("name"));
        assertEquals(Pyro.VERSION, info.get("version"));
        assertNotNull(map(result.get("capabilities")).get("tools"), "tools capability");
    }

    @Test
    @Order(2)
    void toolsListShowsEveryToolWithADescribedSchema() throws Exception {
        Map<String, Object> result = map(client.request("tools/list", Map.of()).get("result"));
        Set<String> names = new HashSet<>();
        for (Object o : list(result.get("tools"))) {
            Map<String, Object> tool = map(o);
            String name = (String) tool.get("name");
            names.add(name);
            assertTrue(((String) tool.get("description")).length() > 30, name + " has a real description");
            Map<String, Object> schema = map(tool.get("inputSchema"));
            assertEquals("object", schema.get("type"), name);
            assertEquals(Boolean.FALSE, schema.get("additionalProperties"), name);
            Map<String, Object> props = map(schema.get("properties"));
            for (var e : props.entrySet()) {
                Map<String, Object> p = map(e.getValue());
                assertNotNull(p.get("type"), name + "." + e.getKey() + " type");
                assertTrue(p.get("description") instanceof String d && !d.isBlank(),
                        name + "." + e.getKey() + " description");
            }
            List<Object> required = schema.get("required") == null ? List.of() : list(schema.get("required"));
            assertTrue(props.keySet().containsAll(required), name + ": required are properties");
        }
        assertTrue(names.containsAll(CONTRACT_TOOLS), "missing: " + CONTRACT_TOOLS.stream()
                .filter(n -> !names.contains(n)).toList());
        assertEquals(Tools.all().stream().map(ToolDef::name).collect(java.util.stream.Collectors.toSet()), names);
        Map<String, Object> vmRun = list(result.get("tools")).stream().map(McpServerStdioTest::map)
                .filter(t -> t.get("name").equals("vm_run")).findFirst().orElseThrow();
        Map<String, Object> schema = map(vmRun.get("inputSchema"));
        assertEquals(List.of("environment", "command"), schema.get("required"));
        assertEquals(Set.of("environment", "command", "vcpu_count", "mem_mib", "timeout_seconds", "network",
                        "cold", "output_budget_chars"),
                map(schema.get("properties")).keySet());
    }

    @Test
    @Order(3)
    void vmListEnvironmentsReturnsTheThreeEnvironments() throws Exception {
        Map<String, Object> result = client.callTool("vm_list_environments", Map.of());
        assertEquals(Boolean.FALSE, result.get("isError"), String.valueOf(result));
        Map<String, Object> fromText = JSON.std.mapFrom(text(result, 0));
        assertEquals(3, ((Number) fromText.get("count")).intValue());
        List<Object> names = list(fromText.get("environments")).stream().map(e -> map(e).get("name")).toList();
        assertEquals(List.of("debian:12", "debian:12-base", "debian:12-build"), names);
        assertEquals(fromText, map(result.get("structuredContent")), "structuredContent is the record");
    }

    @Test
    @Order(4)
    void unknownEnvironmentIsAToolErrorNamingIt() throws Exception {
        Map<String, Object> result = client.callTool("vm_run", Map.of("environment", "nope:1", "command", "true"));
        assertEquals(Boolean.TRUE, result.get("isError"));
        String message = text(result, 0);
        assertTrue(message.contains("'nope:1'"), message);
        Map<String, Object> error = map(JSON.std.mapFrom(text(result, 1)).get("error"));
        assertEquals("not_found", error.get("code"));
        assertEquals(message, error.get("message"));
    }

    @Test
    @Order(5)
    void missingRequiredArgumentIsAToolErrorNamingIt() throws Exception {
        Map<String, Object> result = client.callTool("vm_run", Map.of("command", "true"));
        assertEquals(Boolean.TRUE, result.get("isError"));
        assertTrue(text(result, 0).contains("'environment'"), text(result, 0));
        assertEquals("invalid_input", map(JSON.std.mapFrom(text(result, 1)).get("error")).get("code"));

        Map<String, Object> status = client.callTool("workspace_status", Map.of());
        assertTrue(text(status, 0).contains("'workspace_id'"), text(status, 0));
    }

    @Test
    @Order(6)
    void wrongTypesAndUnknownArgumentsAreToolErrorsNamingThem() throws Exception {
        Map<String, Object> wrongType = client.callTool("vm_run",
                Map.of("environment", "debian:12", "command", "true", "vcpu_count", "two"));
        assertEquals(Boolean.TRUE, wrongType.get("isError"));
        assertTrue(text(wrongType, 0).contains("'vcpu_count'"), text(wrongType, 0));

        Map<String, Object> notBool = client.callTool("vm_create",
                Map.of("environment", "debian:12", "network", "yes"));
        assertTrue(text(notBool, 0).contains("'network'"), text(notBool, 0));

        Map<String, Object> unknown = client.callTool("vm_status", Map.of("vm_id", "vm-000000000000", "vmid", "x"));
        assertEquals(Boolean.TRUE, unknown.get("isError"));
        assertTrue(text(unknown, 0).contains("'vmid'"), text(unknown, 0));

        Map<String, Object> range = client.callTool("vm_run",
                Map.of("environment", "debian:12", "command", "true", "vcpu_count", 99));
        assertEquals(Boolean.TRUE, range.get("isError"));
        assertTrue(text(range, 0).contains("99"), text(range, 0));
    }

    @Test
    @Order(7)
    void sdkNotFoundErrorsComeBackAsToolErrors() throws Exception {
        Map<String, Object> result = client.callTool("workspace_status", Map.of("workspace_id", "ws-000000000000"));
        assertEquals(Boolean.TRUE, result.get("isError"));
        assertTrue(text(result, 0).contains("ws-000000000000"), text(result, 0));
        Map<String, Object> list = client.callTool("workspace_list", Map.of());
        assertEquals(Boolean.FALSE, list.get("isError"), String.valueOf(list));
    }

    @Test
    @Order(8)
    void serverKeepsAnsweringAfterErrors() throws Exception {
        Map<String, Object> result = client.callTool("vm_list_environments", Map.of());
        assertEquals(Boolean.FALSE, result.get("isError"));
        Map<String, Object> unknownTool = client.request("tools/call", Map.of("name", "no_such_tool", "arguments", Map.of()));
        assertTrue(unknownTool.containsKey("error") || map(unknownTool.get("result")).get("isError") == Boolean.TRUE,
                String.valueOf(unknownTool));
        assertEquals(Boolean.FALSE, client.callTool("vm_reap_expired", Map.of()).get("isError"));
    }

    @Test
    @Order(100)
    void stdoutCarriesOnlyJsonRpcAndTheServerExitsWhenStdinCloses() throws Exception {
        int status = client.closeAndWait();
        assertEquals(0, status, client.stderr());
        assertFalse(client.stdoutLines.isEmpty());
        for (String line : client.stdoutLines) {
            Map<String, Object> m;
            try {
                m = JSON.std.mapFrom(line);
            } catch (Exception e) {
                throw new AssertionError("not JSON on stdout: " + line, e);
            }
            assertEquals("2.0", m.get("jsonrpc"), line);
        }
        assertFalse(client.stderr().contains("\tat "), "no stack traces: " + client.stderr());
    }
}
