package pyro.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import pyro.core.Pyro;
import pyro.core.model.JsonRecord;

/**
 * One MCP tool: name, title, the description an LLM acts on, its parameters, the hints a host reads
 * before it calls it, the shape of its result, the fields its output budget may cut, and the SDK call.
 * Adding a tool is one declaration in {@link Tools}:
 *
 * <pre>{@code
 * ToolDef.named("vm_status", "...").title("VM status").hints(Hints.READ_ONLY).output(Schemas.VM)
 *         .param(VM_ID).call((pyro, a) -> pyro.statusVm(a.string("vm_id")))
 * }</pre>
 *
 * A tool with growable fields ({@link Budget.Cut}) also takes {@code output_budget_chars}.
 */
public record ToolDef(String name, String title, String description, List<Param> params, Hints hints,
        Schemas.Shape output, List<Budget.Cut> cuts, Call call) {

    /** The SDK call behind a tool; arguments are already checked against {@link #params}. */
    @FunctionalInterface
    public interface Call {
        JsonRecord apply(Pyro pyro, Args args);
    }

    /**
     * The MCP tool annotations. {@code destructive} means a call may remove or overwrite something that
     * was there before it (a VM, a workspace, a running process, files); {@code openWorld} that it may
     * reach the network (a guest made with network=true, or an environment build that downloads
     * packages). Commands in a guest are not destructive to the host: they change only that guest.
     */
    public record Hints(boolean readOnly, boolean destructive, boolean idempotent, boolean openWorld) {
        public static final Hints READ_ONLY = new Hints(true, false, true, false);

        /** A tool that changes state: destructive or not, idempotent or not, not reaching the network. */
        public static Hints changes(boolean destructive, boolean idempotent) {
            return new Hints(false, destructive, idempotent, false);
        }

        public Hints reachingNetwork() {
            return new Hints(readOnly, destructive, idempotent, true);
        }
    }

    public ToolDef {
        Objects.requireNonNull(name);
        Objects.requireNonNull(title, name + " has no title");
        Objects.requireNonNull(description);
        Objects.requireNonNull(hints, name + " has no hints");
        Objects.requireNonNull(output, name + " has no output schema");
        params = List.copyOf(params);
        cuts = List.copyOf(cuts);
        Map<String, Param> seen = new LinkedHashMap<>();
        for (Param p : params) {
            if (seen.put(p.name(), p) != null) {
                throw new IllegalArgumentException(name + " declares " + p.name() + " twice");
            }
        }
        for (Budget.Cut c : cuts) {
            if (!output.properties().containsKey(c.field())) {
                throw new IllegalArgumentException(name + " budgets " + c.field() + ", which its record lacks");
            }
        }
    }

    public static Builder named(String name, String description) {
        return new Builder(name, description);
    }

    /**
     * Checks {@code arguments} against the parameters and makes the SDK call: what every face that
     * shares this table (MCP, the HTTP API) does with a call's arguments, so they fail alike.
     */
    public JsonRecord invoke(Pyro pyro, Map<String, Object> arguments) {
        return invoke(pyro, arguments, null);
    }

    /**
     * As above; {@code output} receives a guest command's output as it is produced, for the operations
     * that run one ({@link #streams()}); others ignore it.
     */
    public JsonRecord invoke(Pyro pyro, Map<String, Object> arguments, pyro.core.OutputListener output) {
        JsonRecord record = call.apply(pyro, new Args(this, arguments, output));
        if (record == null) {
            throw new IllegalStateException("the SDK returned no result for " + name);
        }
        return record;
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

    /** The JSON Schema of this tool's result: its record (with the budget's flags) or the error object. */
    public Map<String, Object> outputSchema() {
        return Schemas.output(output, cuts);
    }

    /** Whether this operation runs a guest command whose output can stream (vm_run, workspace_exec). */
    public boolean streams() {
        return name.equals("vm_run") || name.equals("workspace_exec");
    }

    /** The record's JSON Schema as the HTTP API returns it: no budget flags, no error alternative. */
    public Map<String, Object> recordSchema() {
        return Schemas.record(output);
    }

    /** The record's name ({@code Workspace}, {@code ExecResult}, ...), for documents that list schemas once. */
    public String recordName() {
        return Schemas.nameOf(output);
    }

    public static final class Builder {
        private final String name;
        private final String description;
        private final List<Param> params = new ArrayList<>();
        private final List<Budget.Cut> cuts = new ArrayList<>();
        private String title;
        private Hints hints;
        private Schemas.Shape output;

        private Builder(String name, String description) {
            this.name = name;
            this.description = description;
        }

        public Builder title(String t) {
            this.title = t;
            return this;
        }

        public Builder hints(Hints h) {
            this.hints = h;
            return this;
        }

        Builder output(Schemas.Shape shape) {
            this.output = shape;
            return this;
        }

        /** Fields the output budget may cut; the tool then takes {@code output_budget_chars}. */
        public Builder budget(Budget.Cut... cs) {
            cuts.addAll(List.of(cs));
            return this;
        }

        public Builder param(Param... ps) {
            params.addAll(List.of(ps));
            return this;
        }

        public ToolDef call(Call call) {
            List<Param> all = new ArrayList<>(params);
            if (!cuts.isEmpty()) {
                all.add(Budget.PARAM);
            }
            return new ToolDef(name, title, description, all, hints, output, cuts, call);
        }
    }
}
