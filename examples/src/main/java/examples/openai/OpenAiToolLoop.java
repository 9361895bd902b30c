package examples.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.Tool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import pyro.core.Pyro;
import pyro.mcp.ToolCalls;

/**
 * The OpenAI Responses API tool loop over pyro: the function tools are pyro's own tool definitions
 * (the same names, descriptions and JSON Schemas as its MCP server), and each function call the
 * model makes is run by {@link ToolCalls}, which checks arguments and budgets output as the MCP
 * server does. Needs OPENAI_API_KEY; run with the task as arguments, e.g.
 * {@code OpenAiToolLoop "How many CPUs does a debian:12 microVM have?"}.
 */
public final class OpenAiToolLoop {
    private final ToolCalls calls;

    public OpenAiToolLoop(Pyro pyro, String profile) {
        this.calls = new ToolCalls(pyro, profile);
    }

    /** pyro's tools as Responses API function tools. */
    public List<Tool> tools() {
        List<Tool> out = new ArrayList<>();
        for (Map<String, Object> d : calls.definitions()) {
            FunctionTool.Parameters.Builder params = FunctionTool.Parameters.builder();
            @SuppressWarnings("unchecked")
            Map<String, Object> schema = (Map<String, Object>) d.get("parameters");
            schema.forEach((k, v) -> params.putAdditionalProperty(k, JsonValue.from(v)));
            out.add(Tool.ofFunction(FunctionTool.builder()
                    .name((String) d.get("name"))
                    .description((String) d.get("description"))
                    .parameters(params.build())
                    .strict(false) // pyro's schemas have optional arguments, which strict mode does not allow
                    .build()));
        }
        return out;
    }

    /** Runs one function call the model made and returns the item that answers it. */
    public ResponseInputItem answer(ResponseFunctionToolCall call) {
        ToolCalls.Outcome o = calls.call(call.name(), call.arguments());
        return ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                .callId(call.callId())
                .output(o.error() ? "error: " + o.text() : o.text())
                .build());
    }

    /** Asks the model, runs the tools it calls, and repeats until it answers without calling one. */
    public String run(OpenAIClient client, String model, String task, int maxTurns) {
        List<ResponseInputItem> input = new ArrayList<>();
        input.add(ResponseInputItem.ofEasyInputMessage(com.openai.models.responses.EasyInputMessage.builder()
                .role(com.openai.models.responses.EasyInputMessage.Role.USER).content(task).build()));
        List<Tool> tools = tools();
        for (int turn = 0; turn < maxTurns; turn++) {
            Response r = client.responses().create(ResponseCreateParams.builder()
                    .model(model).tools(tools).inputOfResponse(input).build());
            boolean called = false;
            StringBuilder text = new StringBuilder();
            for (ResponseOutputItem item : r.output()) {
                if (item.isFunctionCall()) {
                    called = true;
                    input.add(ResponseInputItem.ofFunctionCall(item.asFunctionCall()));
                    input.add(answer(item.asFunctionCall()));
                } else if (item.isMessage()) {
                    item.asMessage().content().forEach(c -> c.outputText().ifPresent(t -> text.append(t.text())));
                }
            }
            if (!called) {
                return text.toString();
            }
        }
        return "(no answer within " + maxTurns + " turns)";
    }

    public static void main(String[] args) {
        Pyro pyro = Pyro.create();
        OpenAIClient client = OpenAIOkHttpClient.fromEnv();
        String model = System.getenv().getOrDefault("OPENAI_MODEL", "gpt-5");
        System.out.println(new OpenAiToolLoop(pyro, "workspace-core").run(client, model, String.join(" ", args), 20));
    }
}
