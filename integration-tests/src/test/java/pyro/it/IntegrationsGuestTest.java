package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import examples.langchain4j.PyroTools;
import examples.openai.OpenAiToolLoop;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.internal.Json;

/**
 * The integrations page's examples against real guests: the LangChain4j tool class run through
 * LangChain4j's own tool specifications and executor, and the OpenAI Responses loop's tool half
 * (the function tools it builds and the function calls it answers; the model call itself needs a
 * key and is not made).
 */
class IntegrationsGuestTest {
    static Pyro pyro;

    @BeforeAll
    static void setUp() {
        Guests.requireGuests();
        var state = Guests.newStateDir("integrations");
        Guests.pull(state);
        pyro = Guests.sdk(state);
    }

    private static String execute(PyroTools tools, String name, String argsJson) {
        ToolExecutionRequest req = ToolExecutionRequest.builder().id("1").name(name).arguments(argsJson).build();
        return new DefaultToolExecutor(tools, req).execute(req, "memory");
    }

    @Test
    void langChain4jRunsPyroToolsThroughItsOwnExecutor() {
        List<ToolSpecification> specs = ToolSpecifications.toolSpecificationsFrom(PyroTools.class);
        assertEquals(List.of("createWorkspace", "deleteWorkspace", "execInWorkspace", "readFile", "runCommand",
                "writeFile"), specs.stream().map(ToolSpecification::name).sorted().toList());
        ToolSpecification runSpec = specs.stream().filter(t -> t.name().equals("runCommand")).findFirst().orElseThrow();
        assertEquals(java.util.Set.of("environment", "command"), runSpec.parameters().properties().keySet());
        PyroTools tools = new PyroTools(pyro);
        Map<String, Object> run = Json.readMap(execute(tools, "runCommand",
                "{\"environment\":\"debian:12\",\"command\":\"echo $((6*7))\"}"));
        assertEquals("42\n", run.get("stdout"), run.toString());

        String ws = (String) Json.readMap(execute(tools, "createWorkspace", "{\"environment\":\"debian:12\"}"))
                .get("workspace_id");
        try {
            execute(tools, "writeFile", Json.writeCompact(Map.of("workspaceId", ws, "path", "src/a.txt",
                    "content", "from langchain4j\n")));
            assertEquals("from langchain4j\n", Json.readMap(execute(tools, "readFile",
                    Json.writeCompact(Map.of("workspaceId", ws, "path", "src/a.txt")))).get("content"));
            Map<String, Object> exec = Json.readMap(execute(tools, "execInWorkspace",
                    Json.writeCompact(Map.of("workspaceId", ws, "command", "wc -c < src/a.txt"))));
            assertEquals("17", exec.get("stdout").toString().strip());
            // a failure reaches the model as LangChain4j's tool error text: pyro's own sentence
            String missing = execute(tools, "readFile", Json.writeCompact(Map.of("workspaceId", ws, "path", "nope.txt")));
            assertTrue(missing.contains("nope.txt") && missing.contains("does not exist"), missing);
        } finally {
            execute(tools, "deleteWorkspace", Json.writeCompact(Map.of("workspaceId", ws)));
        }
    }

    @Test
    void theOpenAiLoopOffersPyrosToolsAndAnswersFunctionCallsWithRealRuns() {
        OpenAiToolLoop loop = new OpenAiToolLoop(pyro, "workspace-core");
        var tools = loop.tools();
        assertEquals(15, tools.size());
        var vmRun = tools.stream().filter(t -> t.asFunction().name().equals("vm_run")).findFirst().orElseThrow();
        assertTrue(vmRun.asFunction().parameters().orElseThrow()._additionalProperties().containsKey("properties"));

        ResponseInputItem out = loop.answer(ResponseFunctionToolCall.builder().callId("call-1").name("vm_run")
                .arguments("{\"environment\":\"debian:12\",\"command\":\"echo $((6*7))\"}").build());
        ResponseInputItem.FunctionCallOutput o = out.asFunctionCallOutput();
        assertEquals("call-1", o.callId());
        Map<String, Object> rec = Json.readMap(o.output().asString());
        assertEquals("42\n", rec.get("stdout"), rec.toString());

        String bad = loop.answer(ResponseFunctionToolCall.builder().callId("call-2").name("vm_run")
                .arguments("{\"environment\":\"nope:1\",\"command\":\"true\"}").build()).asFunctionCallOutput().output()
                .asString();
        assertTrue(bad.startsWith("error: ") && bad.contains("nope:1"), bad);
        String unknown = loop.answer(ResponseFunctionToolCall.builder().callId("call-3").name("rm_rf")
                .arguments("{}").build()).asFunctionCallOutput().output().asString();
        assertTrue(unknown.contains("unknown tool 'rm_rf'"), unknown);
    }
}
