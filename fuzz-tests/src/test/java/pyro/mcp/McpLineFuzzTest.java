package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import pyro.core.PyroException;
import pyro.fuzz.Fuzzer;
import tools.jackson.databind.JsonNode;

/**
 * MCP's stdio: every line a client writes is judged by {@link LineCheck} before the SDK sees it, and a
 * tool call's arguments are then checked by {@link Args}. The check must always give a verdict (it never
 * throws), and the arguments of a call it passes must be accepted or refused with a PyroException.
 */
class McpLineFuzzTest {
    static final List<ToolDef> TOOLS = Tools.all();
    static final Map<String, ToolDef> BY_NAME = TOOLS.stream().collect(Collectors.toMap(ToolDef::name, t -> t));

    static List<byte[]> seeds() {
        return List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"workspace_exec\",\"arguments\":{\"workspace_id\":\"w\",\"command\":\"ls\",\"timeout_seconds\":30}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/call\",\"params\":{\"name\":\"service_start\",\"arguments\":{\"workspace_id\":\"w\",\"service_name\":\"web\",\"command\":\"x\",\"ready_http\":\"http://127.0.0.1:8000/\"},\"_meta\":{\"progressToken\":7}}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":2,\"reason\":\"r\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"cursor\":\"c\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}")
                .stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Test
    void everyLineGetsAVerdictAndCallArgumentsAreCheckedInOneSentence() {
        Set<String> names = BY_NAME.keySet();
        LineCheck check = new LineCheck(McpJsonDefaults.getMapper(), names);
        Fuzzer.run("mcp-line", seeds(), input -> {
            LineCheck.Verdict v = check.check(input);
            if (v instanceof LineCheck.Pass p && p.idKey() != null && "tools/call".equals(p.method())) {
                JsonNode params = check.json().readTree(p.line()).get("params");
                ToolDef tool = BY_NAME.get(params.get("name").asString());
                JsonNode args = params.get("arguments");
                @SuppressWarnings("unchecked")
                Map<String, Object> raw = args == null || args.isNull() ? Map.of()
                        : check.json().convertValue(args, Map.class);
                new Args(tool, raw);
            }
        }, PyroException.class);
    }
}
