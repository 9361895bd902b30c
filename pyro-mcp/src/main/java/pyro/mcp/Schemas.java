package pyro.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code outputSchema} of every tool: a JSON Schema object for the record it returns, written from
 * the records of docs/contract.md and the classes in {@code pyro.core.model}. Fields the host fills in
 * from its own record are typed exactly; fields a guest agent reports (services, shells) are typed
 * where the contract names them and otherwise left open. Every schema also admits the error object
 * {@code {"error":{"code","message"}}} of a failed call, so every result a tool gives validates.
 */
public final class Schemas {
    private Schemas() {}

    /** A record's properties (in contract order) and the ones always present. */
    public record Shape(Map<String, Object> properties, List<String> required) {}

    // ---- field types ------------------------------------------------------------------------------

    static Map<String, Object> type(Object t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", t);
        return m;
    }

    static final Map<String, Object> STR = type("string");
    static final Map<String, Object> STR_OR_NULL = type(List.of("string", "null"));
    static final Map<String, Object> INT = type("integer");
    static final Map<String, Object> INT_OR_NULL = type(List.of("integer", "null"));
    static final Map<String, Object> BOOL = type("boolean");
    static final Map<String, Object> BOOL_OR_NULL = type(List.of("boolean", "null"));
    static final Map<String, Object> STRINGS = array(STR);
    static final Map<String, Object> STRINGS_OR_NULL = nullable(array(STR));
    static final Map<String, Object> ANY_OBJECT = type("object");

    static Map<String, Object> array(Map<String, Object> items) {
        Map<String, Object> m = type("array");
        m.put("items", items);
        return m;
    }

    static Map<String, Object> nullable(Map<String, Object> s) {
        Map<String, Object> m = new LinkedHashMap<>(s);
        m.put("type", List.of(s.get("type"), "null"));
        return m;
    }

    static Map<String, Object> object(Shape shape) {
        Map<String, Object> m = type("object");
        m.put("properties", shape.properties());
        m.put("required", shape.required());
        return m;
    }

    /** Builds a {@link Shape}: {@code field(name, type)} is always present, {@code optional} may be missing. */
    static final class B {
        private final Map<String, Object> props = new LinkedHashMap<>();
        private final List<String> required = new ArrayList<>();

        B field(String name, Map<String, Object> type) {
            props.put(name, type);
            required.add(name);
            return this;
        }

        B optional(String name, Map<String, Object> type) {
            props.put(name, type);
            return this;
        }

        Shape shape() {
            return new Shape(props, required);
        }
    }

    static B b() {
        return new B();
    }

    // ---- records ----------------------------------------------------------------------------------

    static B execFields(B b) {
        return b.field("command", STRINGS)
                .field("cwd", STR_OR_NULL)
                .field("exit_code", INT)
                .field("stdout", STR_OR_NULL)
                .field("stderr", STR_OR_NULL)
                .field("duration_ms", INT)
                .field("timed_out", BOOL)
                .field("stdout_truncated", BOOL)
                .field("stderr_truncated", BOOL);
    }

    static final Shape EXEC = execFields(b().field("workspace_id", STR).field("sequence", INT)).shape();

    static final Shape RUN = execFields(b().field("environment", STR)
                    .field("backend", STR_OR_NULL)
                    .field("accel", STR_OR_NULL)
                    .field("boot", STR_OR_NULL)
                    .field("boot_ms", INT)
                    .field("total_ms", INT))
            .shape();

    static final Shape ENVIRONMENT = b().field("name", STR)
            .field("description", STR_OR_NULL)
            .field("packages", STRINGS)
            .field("installed", BOOL)
            .field("cache_path", STR_OR_NULL)
            .field("kernel_version", STR_OR_NULL)
            .field("built_at", STR_OR_NULL)
            .field("size_bytes", INT)
            .shape();

    static final Shape ENVIRONMENT_LIST =
            b().field("count", INT).field("environments", array(object(ENVIRONMENT))).shape();

    static final Shape VM = b().field("vm_id", STR)
            .field("environment", STR)
            .field("state", STR)
            .field("backend", STR_OR_NULL)
            .field("accel", STR_OR_NULL)
            .field("vcpu_count", INT)
            .field("mem_mib", INT)
            .field("ttl_seconds", INT)
            .field("network", BOOL)
            .field("network_policy", STR)
            .field("created_at", STR_OR_NULL)
            .field("expires_at", STR_OR_NULL)
            .field("boot", STR_OR_NULL)
            .field("channel", STR_OR_NULL)
            .field("boot_ms", INT_OR_NULL)
            .field("state_reason", STR_OR_NULL)
            .shape();

    static final Shape DELETE = b().field("id", STR).field("deleted", BOOL).field("previous_state", STR_OR_NULL).shape();

    static final Shape REAP = b().field("count", INT).field("reaped", STRINGS).shape();

    static final Shape SEED = b().field("mode", STR)
            .field("source", STR_OR_NULL)
            .field("files", INT)
            .field("bytes", INT)
            .field("skipped_special_files", INT)
            .shape();

    static final Shape SERVICE_COUNTS = b().field("starting", INT)
            .field("running", INT)
            .field("stopped", INT)
            .field("exited", INT)
            .field("failed", INT)
            .shape();

    static final Shape WORKSPACE = b().field("workspace_id", STR)
            .field("name", STR_OR_NULL)
            .field("environment", STR)
            .field("state", STR)
            .field("backend", STR_OR_NULL)
            .field("accel", STR_OR_NULL)
            .field("vcpu_count", INT)
            .field("mem_mib", INT)
            .field("ttl_seconds", INT)
            .field("ttl_policy", STR)
            .field("network", BOOL)
            .field("network_policy", STR)
            .field("created_at", STR_OR_NULL)
            .field("expires_at", STR_OR_NULL)
            .field("last_activity_at", STR_OR_NULL)
            .field("workspace_path", STR)
            .field("workspace_seed", nullable(object(SEED)))
            .field("command_count", INT)
            .field("last_command", STRINGS_OR_NULL)
            .field("service_count", INT)
            .field("running_service_count", INT)
            .field("service_counts", object(SERVICE_COUNTS))
            .field("shells", array(ANY_OBJECT))
            .field("state_reason", STR_OR_NULL)
            .field("boot", STR_OR_NULL)
            .field("channel", STR_OR_NULL)
            .field("snapshot_count", INT)
            .field("snapshot_bytes", INT)
            .optional("secrets", STRINGS_OR_NULL)
            .shape();

    static final Shape FILE_LIST = b().field("workspace_id", STR)
            .field("path", STR)
            .field("count", INT)
            .field("truncated", BOOL)
            .field("entries", array(ANY_OBJECT))
            .shape();

    static final Shape FILE_READ = b().field("workspace_id", STR)
            .field("path", STR)
            .field("size", INT)
            .field("sha256", STR_OR_NULL)
            .field("offset", INT)
            .field("bytes", INT)
            .field("eof", BOOL)
            .field("binary", BOOL)
            .field("encoding", STR)
            .field("content", STR)
            .optional("line_start", INT)
            .optional("line_count", INT)
            .optional("total_lines", INT)
            .optional("content_truncated", BOOL)
            .optional("content_dropped_chars", INT)
            .shape();

    static final Shape FILE_WRITE = b().field("workspace_id", STR)
            .field("count", INT)
            .field("files", array(ANY_OBJECT))
            .shape();

    static final Shape SNAPSHOT = b().field("workspace_id", STR)
            .field("name", STR)
            .field("created_at", STR_OR_NULL)
            .field("bytes", INT)
            .field("save_ms", INT)
            .shape();

    static final Shape SNAPSHOT_LIST = b().field("workspace_id", STR)
            .field("count", INT)
            .field("bytes", INT)
            .field("snapshots", array(ANY_OBJECT))
            .shape();

    static final Shape WORKSPACE_LIST = b().field("count", INT).field("workspaces", array(object(WORKSPACE))).shape();

    static final Shape WORKSPACE_LOGS = b().field("workspace_id", STR)
            .field("count", INT)
            .field("entries", array(ANY_OBJECT))
            .shape();

    static final Shape SYNC = b().field("workspace_id", STR)
            .field("source", STR)
            .field("source_type", STR)
            .field("dest", STR)
            .field("files", INT)
            .field("bytes", INT)
            .shape();

    static final Shape DIFF = b().field("workspace_id", STR)
            .field("changed", BOOL)
            .field("summary", object(b().field("added", INT)
                    .field("modified", INT)
                    .field("deleted", INT)
                    .field("type_changed", INT)
                    .shape()))
            .field("entries", array(object(b().field("path", STR).field("status", STR).field("binary", BOOL).shape())))
            .field("patch", STR_OR_NULL)
            .shape();

    static final Shape EXPORT = b().field("workspace_id", STR)
            .field("path", STR)
            .field("output_path", STR)
            .field("artifact_type", STR)
            .field("bytes", INT)
            .shape();

    static final Shape SHELL = b().field("workspace_id", STR)
            .field("shell_id", STR)
            .optional("state", STR_OR_NULL)
            .optional("cwd", STR_OR_NULL)
            .optional("cols", INT)
            .optional("rows", INT)
            .optional("pid", INT_OR_NULL)
            .optional("started_at", STR_OR_NULL)
            .optional("exit_code", INT_OR_NULL)
            .shape();

    // The agent's replies are boxed (any field may come back null): typed, but nullable.
    static final Shape SHELL_READ = b().field("workspace_id", STR)
            .field("shell_id", STR_OR_NULL)
            .field("output", STR_OR_NULL)
            .field("cursor", INT_OR_NULL)
            .field("next_cursor", INT_OR_NULL)
            .field("truncated", BOOL_OR_NULL)
            .optional("state", STR_OR_NULL)
            .optional("plain", BOOL)
            .shape();

    static final Shape SHELL_WRITE =
            b().field("workspace_id", STR).field("shell_id", STR_OR_NULL).optional("bytes", INT_OR_NULL).shape();

    static final Shape SHELL_SIGNAL = b().field("workspace_id", STR)
            .field("shell_id", STR_OR_NULL)
            .optional("signal", STR_OR_NULL)
            .optional("pgrp", INT_OR_NULL)
            .shape();

    static final Shape SERVICE = b().field("workspace_id", STR)
            .field("service_name", STR)
            .optional("command", type(List.of("array", "string", "null")))
            .optional("cwd", STR_OR_NULL)
            .field("state", STR)
            .optional("pid", INT_OR_NULL)
            .optional("started_at", STR_OR_NULL)
            .optional("ready_at", STR_OR_NULL)
            .optional("ended_at", STR_OR_NULL)
            .optional("exit_code", INT_OR_NULL)
            .optional("signal", type(List.of("string", "integer", "null")))
            .optional("stop_reason", STR_OR_NULL)
            .optional("readiness", nullable(ANY_OBJECT))
            .optional("restart", STR_OR_NULL)
            .optional("max_restarts", INT_OR_NULL)
            .optional("after", STRINGS_OR_NULL)
            .optional("restart_count", INT_OR_NULL)
            .optional("last_exit", nullable(object(b().field("exit_code", INT_OR_NULL)
                    .field("signal", type(List.of("string", "integer", "null")))
                    .field("stop_reason", STR_OR_NULL)
                    .field("ended_at", STR_OR_NULL)
                    .shape())))
            .optional("next_restart_at", STR_OR_NULL)
            .optional("time_to_ready_ms", INT_OR_NULL)
            .optional("last_stdout", type(List.of("array", "string", "null")))
            .optional("last_stderr", type(List.of("array", "string", "null")))
            .optional("note", STR_OR_NULL)
            .optional("published_ports", type(List.of("array", "null")))
            .shape();

    static final Shape SERVICE_LIST = b().field("workspace_id", STR)
            .field("count", INT)
            .field("running_count", INT)
            .field("services", array(ANY_OBJECT))
            .shape();

    static final Shape SERVICE_LOGS = b().field("workspace_id", STR)
            .field("service_name", STR_OR_NULL)
            .field("stdout", STR_OR_NULL)
            .field("stderr", STR_OR_NULL)
            .field("stdout_offset", INT_OR_NULL)
            .field("stderr_offset", INT_OR_NULL)
            .optional("truncated", BOOL_OR_NULL)
            .shape();

    /** The error object of a failed call, as ToolRunner writes it into structuredContent. */
    static final Map<String, Object> ERROR =
            object(b().field("code", STR).field("message", STR).shape());

    /**
     * The outputSchema of a tool returning {@code shape}, with the flags its budget may add: either the
     * record (all its always-present fields) or {@code {"error": ...}}.
     */
    static Map<String, Object> output(Shape shape, List<Budget.Cut> cuts) {
        Map<String, Object> props = new LinkedHashMap<>(shape.properties());
        for (Budget.Cut c : cuts) {
            props.put(c.field() + "_truncated", BOOL);
            props.put(c.field() + (c.list() ? "_dropped_items" : "_dropped_chars"), INT);
        }
        props.put("error", ERROR);
        Map<String, Object> schema = type("object");
        schema.put("properties", props);
        schema.put("anyOf", List.of(Map.of("required", shape.required()), Map.of("required", List.of("error"))));
        return schema;
    }

    /** The record's own JSON Schema (no budget flags, no error alternative): what the HTTP API answers with. */
    static Map<String, Object> record(Shape shape) {
        Map<String, Object> schema = type("object");
        schema.put("properties", shape.properties());
        schema.put("required", shape.required());
        return schema;
    }

    /** The name of a shape declared here, in UpperCamelCase ({@code SERVICE_LIST} is {@code ServiceList}). */
    static String nameOf(Shape shape) {
        for (java.lang.reflect.Field f : Schemas.class.getDeclaredFields()) {
            if (f.getType() == Shape.class && java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                try {
                    if (f.get(null) == shape) {
                        StringBuilder b = new StringBuilder();
                        for (String part : f.getName().split("_")) {
                            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
                        }
                        return b.toString();
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalArgumentException("a shape not declared in Schemas");
    }
}
