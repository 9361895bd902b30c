package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.PyroException;
import pyro.core.model.ServiceInfo;

/**
 * service_start's restart policy and start order arguments (restart, max_restarts, after), and the new
 * fields of the service record in the outputSchema of every tool returning a service.
 */
class ServiceStartToolTest {
    @SuppressWarnings("unchecked")
    static Map<String, Object> property(ToolDef t, String name) {
        return (Map<String, Object>) ((Map<String, Object>) t.inputSchema().get("properties")).get(name);
    }

    @Test
    void restartMaxRestartsAndAfterAreArgumentsWithTheCliDefaults() {
        ToolDef start = ToolRunnerTest.tool("service_start");
        assertEquals(List.of("no", "on-failure", "always"), property(start, "restart").get("enum"));
        assertEquals("no", property(start, "restart").get("default"));
        assertEquals(5, property(start, "max_restarts").get("default"));
        assertEquals("array", property(start, "after").get("type"));
        assertEquals(Map.of("type", "string"), property(start, "after").get("items"));

        Args a = new Args(start, Map.of("workspace_id", "ws-1", "service_name", "web", "command", "x",
                "restart", "on-failure", "max_restarts", 2, "after", List.of("db", "migrate:exited-ok")));
        assertEquals("on-failure", a.string("restart"));
        assertEquals(2, a.intValue("max_restarts"));
        assertEquals(List.of("db", "migrate:exited-ok"), a.strings("after"));
        Args none = new Args(start, Map.of("workspace_id", "ws-1", "service_name", "web", "command", "x"));
        assertEquals(List.of(), none.strings("after"));
        assertEquals("no", none.string("restart"));

        PyroException policy = assertThrows(PyroException.class, () -> new Args(start, Map.of("workspace_id", "ws-1",
                "service_name", "web", "command", "x", "restart", "sometimes")));
        assertTrue(policy.getMessage().contains("'sometimes'"), policy.getMessage());
        PyroException notList = assertThrows(PyroException.class, () -> new Args(start, Map.of("workspace_id", "ws-1",
                "service_name", "web", "command", "x", "after", "db")));
        assertTrue(notList.getMessage().contains("an array of strings"), notList.getMessage());
        PyroException notStrings = assertThrows(PyroException.class, () -> new Args(start, Map.of("workspace_id",
                "ws-1", "service_name", "web", "command", "x", "after", List.of("db", 3))));
        assertTrue(notStrings.getMessage().contains("the number 3"), notStrings.getMessage());
    }

    /** The 2.9 names of the network policy, published ports and secrets, as docs/contract.md lists them. */
    @Test
    void networkPolicyPublishAndSecretArgumentsHaveTheirContractNames() {
        ToolDef create = ToolRunnerTest.tool("workspace_create");
        assertEquals(List.of("off", "egress", "egress+published-ports"), property(create, "network_policy").get("enum"));
        assertEquals("object", property(create, "secrets").get("type"));
        assertEquals("object", property(create, "secret_files").get("type"));
        for (String tool : List.of("service_start", "workspace_exec", "shell_open")) {
            assertEquals("array", property(ToolRunnerTest.tool(tool), "secret_env").get("type"), tool);
        }
        assertEquals("array", property(ToolRunnerTest.tool("service_start"), "publish").get("type"));

        PyroException both = assertThrows(PyroException.class, () -> Tools.networkPolicy(new Args(create, Map.of(
                "environment", "debian:12", "network", true, "network_policy", "off"))));
        assertTrue(both.getMessage().contains("network is true but network_policy is 'off'"), both.getMessage());
        assertEquals(pyro.core.NetworkPolicy.EGRESS, Tools.networkPolicy(new Args(create, Map.of(
                "environment", "debian:12", "network", true))));
    }

    @Test
    void theServiceRecordsRestartFieldsFitTheOutputSchema() {
        Map<String, Object> svc = new LinkedHashMap<>();
        svc.put("service_name", "web");
        svc.put("command", List.of("sh", "-c", "x"));
        svc.put("cwd", "/workspace");
        svc.put("state", "starting");
        svc.put("pid", null);
        svc.put("readiness", Map.of("type", "none"));
        svc.put("restart", "on-failure");
        svc.put("max_restarts", 5);
        svc.put("after", List.of("db:ready"));
        svc.put("restart_count", 2);
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("exit_code", 1);
        last.put("signal", null);
        last.put("stop_reason", "exited");
        last.put("ended_at", "2026-12-01T00:00:00Z");
        svc.put("last_exit", last);
        svc.put("next_restart_at", "2026-12-01T00:00:01Z");
        svc.put("time_to_ready_ms", null);
        for (String tool : List.of("service_start", "service_status", "service_stop")) {
            var v = OutputBudgetTest.VALIDATOR.validate(ToolRunnerTest.tool(tool).outputSchema(),
                    new ServiceInfo("ws-1", svc).toMap());
            assertTrue(v.valid(), tool + ": " + v.errorMessage());
        }
        Map<String, Object> broken = new LinkedHashMap<>(svc);
        broken.put("restart_count", "two");
        assertFalse(OutputBudgetTest.VALIDATOR.validate(ToolRunnerTest.tool("service_status").outputSchema(),
                new ServiceInfo("ws-1", broken).toMap()).valid());
        Map<String, Object> badExit = new LinkedHashMap<>(svc);
        badExit.put("last_exit", Map.of("exit_code", "one"));
        assertFalse(OutputBudgetTest.VALIDATOR.validate(ToolRunnerTest.tool("service_status").outputSchema(),
                new ServiceInfo("ws-1", badExit).toMap()).valid());
    }
}
