package pyro.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import pyro.core.Pyro;
import pyro.core.model.JsonRecord;

/**
 * One MCP tool: name, the description an LLM acts on, its parameters and the SDK call. Adding a tool
 * is one declaration in {@link Tools}:
 *
 * <pre>{@code
 * ToolDef.named("vm_status", "...").param(VM_ID).call((pyro, a) -> pyro.statusVm(a.string("vm_id")))
 * }</pre>
 */
public record ToolDef(String name, String description, List<Param> params, Call call) {

    /** The SDK call behind a tool; arguments are already checked against {@link #params}. */
    @FunctionalInterface
    public interface Call {
        JsonRecord apply(Pyro pyro, Args args);
    }

    public ToolDef {
        Objects.requireNonNull(name);
        Objects.requireNonNull(description);
        params = List.copyOf(params);
        Map<String, Param> seen = new LinkedHashMap<>();
        for (Param p : params) {
            if (seen.put(p.name(), p) != null) {
                throw new IllegalArgumentException(name + " declares " + p.name() + " twice");
            }
        }
    }

    public static Builder named(String name, String description) {
        return new Builder(name, description);
    }

    Map<String, Param> paramsByName() {
        Map<String, Param> m = new LinkedHashMap<>();
        params.forEach(p -> m.put(p.name(), p));
        return m;
    }

    /** {@code {"type":"object","properties":{...},"required":[...],"additionalProperties":false}}. */
    public Map<String, Object> inputSchema() {
        Map<String, Object> props = new LinkedHashMap<>();
        List<String> required = new ArrayList<>();
        for (Param p : params) {
            props.put(p.name(), p.schema());
            if (p.required()) {
                required.add(p.name());
            }
        }
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", props);
        schema.put("required", required);
        schema.put("additionalProperties", false);
        return schema;
    }

    public static final class Builder {
        private final String name;
        private final String description;
        private final List<Param> params = new ArrayList<>();

        private Builder(String name, String description) {
            this.name = name;
            this.description = description;
        }

        public Builder param(Param... ps) {
            params.addAll(List.of(ps));
            return this;
        }

        public ToolDef call(Call call) {
            return new ToolDef(name, description, params, call);
        }
    }
}
