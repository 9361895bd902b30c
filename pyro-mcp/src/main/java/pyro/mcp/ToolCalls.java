package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.Pyro;
import pyro.core.PyroException;

/**
 * pyro's tools for hosts that are not MCP clients (an OpenAI Responses loop, a framework's function
 * calling): the same names, descriptions and JSON Schemas as {@code tools/list}, and a dispatcher
 * that runs one call exactly as the MCP server does (argument checks, output budgets, errors as one
 * sentence) and returns the text an MCP tool result would carry.
 */
public final class ToolCalls {
    private final ToolRunner runner;
    private final Map<String, ToolDef> byName = new LinkedHashMap<>();

    /** Calls go to {@code pyro}; {@code profile} chooses the tools offered (null: workspace-core). */
    public ToolCalls(Pyro pyro, String profile) {
        this(pyro, (profile == null ? Profile.DEFAULT : Profile.of(profile)).tools());
    }

    private ToolCalls(Pyro pyro, List<ToolDef> tools) {
        this.runner = new ToolRunner(() -> pyro, McpJsonDefaults.getMapper());
        for (ToolDef d : tools) {
            byName.put(d.name(), d);
        }
    }

    /** The tools of a mode ({@code pyro mcp serve --mode NAME}: repro-fix, inspect, cold-start, review-eval). */
    public static ToolCalls forMode(Pyro pyro, String mode) {
        return new ToolCalls(pyro, Mode.of(mode).tools());
    }

    /** One entry per tool: {@code name}, {@code description}, {@code parameters} (a JSON Schema object). */
    public List<Map<String, Object>> definitions() {
        return byName.values().stream().map(d -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", d.name());
            m.put("description", d.description());
            m.put("parameters", d.inputSchema());
            return m;
        }).toList();
    }

    /** The outcome of one call: the result's text (compact JSON, or the error sentence) and whether it failed. */
    public record Outcome(String text, boolean error) {}

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readObject(String json) throws java.io.IOException {
        Object o = McpJsonDefaults.getMapper().readValue(json, Object.class);
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("got " + (o == null ? "null" : o.getClass().getSimpleName()));
        }
        return (Map<String, Object>) m;
    }

    /** Runs tool {@code name} with {@code argumentsJson} (a JSON object, as a model writes it). */
    public Outcome call(String name, String argumentsJson) {
        ToolDef def = byName.get(name);
        if (def == null) {
            return new Outcome("unknown tool '" + name + "': use one of " + String.join(", ", byName.keySet()) + ".", true);
        }
        Map<String, Object> args;
        try {
            args = argumentsJson == null || argumentsJson.isBlank() ? Map.of() : readObject(argumentsJson);
        } catch (java.io.IOException | RuntimeException e) {
            return new Outcome("the arguments of " + name + " are not a JSON object: " + e.getMessage(), true);
        }
        McpSchema.CallToolResult r;
        try {
            r = runner.call(def, args);
        } catch (PyroException e) {
            return new Outcome(e.getMessage(), true);
        }
        String text = r.content().isEmpty() || !(r.content().getFirst() instanceof McpSchema.TextContent t) ? ""
                : t.text();
        return new Outcome(text, Boolean.TRUE.equals(r.isError()));
    }
}
