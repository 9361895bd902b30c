package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroException;

/** In-process checks of argument handling, error mapping and the lazy SDK client. */
class ToolRunnerTest {
    static ToolDef tool(String name) {
        return Tools.all().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    static String text(CallToolResult r, int i) {
        return ((TextContent) r.content().get(i)).text();
    }

    @Test
    void pyroExceptionsBecomeToolErrorsWithTheSameSentenceAndTheCode() {
        ToolRunner runner = new ToolRunner(() -> {
            throw PyroException.host("no VM backend is installed (module pyro.kvm is missing).");
        }, McpJsonDefaults.getMapper());
        CallToolResult r = runner.call(tool("vm_list_environments"), Map.of());
        assertTrue(r.isError());
        assertEquals("no VM backend is installed (module pyro.kvm is missing).", text(r, 0));
        assertEquals("{\"error\":{\"code\":\"host_unsupported\",\"message\":"
                + "\"no VM backend is installed (module pyro.kvm is missing).\"}}", text(r, 1));
    }

    @Test
    void theSdkClientIsMadeLazilyAndRetriedAfterAFailure() {
        AtomicInteger made = new AtomicInteger();
        ToolRunner runner = new ToolRunner(() -> {
            made.incrementAndGet();
            throw new IllegalStateException("boom\n\tat somewhere");
        }, McpJsonDefaults.getMapper());
        assertEquals(0, made.get());
        CallToolResult r = runner.call(tool("workspace_list"), Map.of());
        assertTrue(r.isError());
        assertEquals("workspace_list failed unexpectedly (IllegalStateException: boom); the details are in the "
                + "pyro MCP server's log on stderr.", text(r, 0));
        assertFalse(text(r, 0).contains("\tat"));
        assertTrue(text(r, 1).contains("\"internal_error\""));
        runner.call(tool("workspace_list"), Map.of());
        assertEquals(2, made.get());
        assertEquals(0, runner.inFlight());
    }

    @Test
    void argumentsAreCheckedBeforeTheSdkIsTouched() {
        AtomicInteger made = new AtomicInteger();
        ToolRunner runner = new ToolRunner(() -> {
            made.incrementAndGet();
            throw new IllegalStateException("unexpected");
        }, McpJsonDefaults.getMapper());
        CallToolResult r = runner.call(tool("workspace_exec"), Map.of("workspace_id", "ws-1"));
        assertEquals("missing required argument 'command' for workspace_exec.", text(r, 0));
        assertEquals(0, made.get());
    }

    @Test
    void argsAcceptJsonNumbersNullsAndDefaults() {
        Map<String, Object> raw = new HashMap<>();
        raw.put("environment", "debian:12");
        raw.put("command", "true");
        raw.put("mem_mib", 2048.0);
        raw.put("timeout_seconds", null);
        Args a = new Args(tool("vm_run"), raw);
        assertEquals(2048, a.intValue("mem_mib"));
        assertEquals(Pyro.DEFAULT_TIMEOUT_SECONDS, a.longValue("timeout_seconds"));
        assertEquals(Pyro.DEFAULT_VCPUS, a.intValue("vcpu_count"));
        assertFalse(a.bool("network"));
        PyroException frac = assertThrows(PyroException.class,
                () -> new Args(tool("vm_run"), Map.of("environment", "e", "command", "c", "mem_mib", 1.5)));
        assertTrue(frac.getMessage().contains("'mem_mib'"), frac.getMessage());
        PyroException blank = assertThrows(PyroException.class,
                () -> new Args(tool("vm_status"), Map.of("vm_id", " ")));
        assertTrue(blank.getMessage().contains("'vm_id'"), blank.getMessage());
        PyroException none = assertThrows(PyroException.class,
                () -> new Args(tool("vm_reap_expired"), Map.of("x", 1)));
        assertEquals("unknown argument 'x' for vm_reap_expired: it takes no arguments.", none.getMessage());
    }

    @Test
    void everyToolHasADescribedClosedSchemaAndUniqueName() {
        List<ToolDef> all = Tools.all();
        assertEquals(all.size(), all.stream().map(ToolDef::name).distinct().count());
        for (ToolDef t : all) {
            assertTrue(t.name().matches("[a-z_]+"), t.name());
            Map<String, Object> s = t.inputSchema();
            assertEquals(false, s.get("additionalProperties"));
            for (Param p : t.params()) {
                assertTrue(p.name().matches("[a-z][a-z0-9_]*"), t.name() + "." + p.name());
                assertFalse(p.description().isBlank(), t.name() + "." + p.name());
            }
        }
    }

    @Test
    void serviceStartTakesAtMostOneProbeAndReadsPortsLikeTheCli() {
        ToolDef start = tool("service_start");
        Args two = new Args(start, Map.of("workspace_id", "ws-1", "service_name", "web", "command", "x",
                "ready_file", "f", "ready_http", "http://127.0.0.1/"));
        PyroException e = assertThrows(PyroException.class, () -> Tools.readiness(two));
        assertEquals("service_start takes at most one readiness probe, got ready_file and ready_http.", e.getMessage());

        var port = Tools.readiness(new Args(start, Map.of("workspace_id", "ws-1", "service_name", "web",
                "command", "x", "ready_tcp", 8000, "ready_timeout_seconds", 5)));
        assertEquals("tcp", port.type());
        assertEquals("127.0.0.1", port.host());
        assertEquals(8000, port.port());
        assertEquals(5, port.timeoutSeconds());
        assertEquals(500, port.intervalMs());
        assertEquals("db", Tools.readiness(new Args(start, Map.of("workspace_id", "ws-1", "service_name", "web",
                "command", "x", "ready_tcp", "db:5432"))).host());
        assertEquals("none", Tools.readiness(new Args(start, Map.of("workspace_id", "ws-1", "service_name", "web",
                "command", "x"))).type());
        PyroException bad = assertThrows(PyroException.class, () -> Tools.readiness(new Args(start,
                Map.of("workspace_id", "ws-1", "service_name", "web", "command", "x", "ready_tcp", "web"))));
        assertTrue(bad.getMessage().contains("ready_tcp 'web'"), bad.getMessage());
        PyroException env = assertThrows(PyroException.class, () -> new Args(start,
                Map.of("workspace_id", "ws-1", "service_name", "web", "command", "x", "env", Map.of("A", 1))));
        assertTrue(env.getMessage().contains("'env'"), env.getMessage());
    }

    @Test
    void shellWriteAcceptsEmptyInputAndSignalsAreChecked() {
        Args a = new Args(tool("shell_write"), Map.of("workspace_id", "ws-1", "shell_id", "sh-1", "input", ""));
        assertEquals("", a.string("input"));
        assertTrue(a.bool("newline"));
        PyroException e = assertThrows(PyroException.class, () -> new Args(tool("shell_signal"),
                Map.of("workspace_id", "ws-1", "shell_id", "sh-1", "signal", "STOP")));
        assertEquals("argument 'signal' for shell_signal is 'STOP': use one of INT, TERM, HUP, KILL.", e.getMessage());
    }
}
