package pyro.serve;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.Pyro;
import pyro.mcp.ToolDef;

/**
 * The OpenAPI 3.1 document of the routes, made from the same table the server dispatches on: each
 * tool route's parameters and request body are the MCP tool's input schema (less the path's
 * arguments), its success body the tool's output schema; every route documents the error record
 * under each status the server can answer it with. docs/openapi.json is this document, checked in.
 */
final class OpenApi {
    private static final Map<String, String> ERRORS = errors();
    private final String json;

    OpenApi(List<Route> routes, Map<String, ToolDef> tools) {
        this.json = render(document(routes, tools));
    }

    String json() {
        return json;
    }

    private static Map<String, String> errors() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("400", "Invalid input: a malformed body, a wrong type, an unknown argument (code invalid_input).");
        m.put("401", "No token, or a wrong one (code unauthorized).");
        m.put("404", "No such workspace, VM, shell, service or snapshot (code not_found), or no such route (code no_route).");
        m.put("405", "The path exists but not with this method (code method_not_allowed; see Allow).");
        m.put("409", "A conflicting state, such as a name in use or too many active VMs (code conflict).");
        m.put("410", "The workspace outlived its TTL (code expired).");
        m.put("413", "The request body is over the server's limit (code too_large).");
        m.put("500", "An unexpected server failure (code internal_error).");
        m.put("502", "A guest, agent or VMM failure (code guest_failure).");
        m.put("503", "This host cannot run guests (code host_unsupported).");
        m.put("504", "The operation exceeded its time limit (code timeout).");
        return m;
    }

    static Map<String, Object> document(List<Route> routes, Map<String, ToolDef> tools) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.1.0");
        doc.put("info", Map.of("title", "pyro serve", "version", Pyro.VERSION, "description",
                "pyro's HTTP API: every body is the record `pyro ... --json` prints and the MCP tool yields; "
                        + "errors are {\"error\": {\"code\", \"message\"}} with the status their code maps to."));
        doc.put("security", List.of(Map.of("bearer", List.of())));
        Map<String, Object> paths = new LinkedHashMap<>();
        Map<String, Object> schemas = new java.util.TreeMap<>();
        for (Route r : routes) {
            if (r.tool()) {
                ToolDef t = tools.get(r.operation());
                schemas.put(t.recordName(), t.recordSchema());
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(r.template(), k -> new LinkedHashMap<>());
            item.put(r.method().toLowerCase(java.util.Locale.ROOT), operation(r, r.tool() ? tools.get(r.operation()) : null));
        }
        doc.put("paths", paths);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", "object");
        error.put("required", List.of("error"));
        error.put("properties", Map.of("error", Map.of("type", "object", "required", List.of("code", "message"),
                "properties", Map.of("code", Map.of("type", "string"), "message", Map.of("type", "string")))));
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer")));
        schemas.put("Error", error);
        components.put("schemas", schemas);
        Map<String, Object> responses = new LinkedHashMap<>();
        ERRORS.forEach((status, text) -> responses.put("E" + status, Map.of("description", text, "content",
                Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Error"))))));
        components.put("responses", responses);
        doc.put("components", components);
        return doc;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> operation(Route r, ToolDef tool) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("operationId", r.operation());
        op.put("summary", tool != null ? tool.title() : r.summary());
        if (tool != null) {
            op.put("description", tool.description());
        }
        List<Object> params = new ArrayList<>();
        for (String p : r.pathParams()) {
            params.add(Map.of("name", p, "in", "path", "required", true, "schema", Map.of("type", "string")));
        }
        boolean body = !r.method().equals("GET") && !r.method().equals("DELETE");
        Map<String, Object> success = new LinkedHashMap<>();
        if (tool != null) {
            Map<String, Object> input = tool.inputSchema();
            Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) input.get("properties"));
            r.pathParams().forEach(props::remove);
            if (r.upload() != null) {
                props.remove(r.upload());
            }
            List<String> required = new ArrayList<>((List<String>) input.get("required"));
            required.removeAll(r.pathParams());
            if (body) {
                Map<String, Object> schema = new LinkedHashMap<>(input);
                schema.put("properties", props);
                schema.put("required", required);
                Map<String, Object> content = new LinkedHashMap<>();
                content.put("application/json", Map.of("schema", schema));
                if (r.upload() != null) {
                    content.put("application/x-tar", Map.of("schema", Map.of("type", "string", "format", "binary"),
                            "description", "The tree for " + r.upload() + " (a tar, or gzip for a .tar.gz); the other "
                                    + "arguments (the JSON body's properties) go in the Pyro-Arguments header as one JSON "
                                    + "object, or scalar ones in the query string."));
                }
                op.put("requestBody", Map.of("required", false, "content", content));
            } else {
                props.forEach((name, schema) -> params.add(Map.of("name", name, "in", "query", "required",
                        required.contains(name), "schema", schema)));
            }
            success.put("description", "The operation's record.");
            success.put("content", Map.of("application/json", Map.of("schema",
                    Map.of("$ref", "#/components/schemas/" + tool.recordName()))));
        } else if (r.operation().equals("export")) {
            params.add(Map.of("name", "path", "in", "query", "required", true, "schema", Map.of("type", "string")));
            params.add(Map.of("name", "max_bytes", "in", "query", "required", false, "schema", Map.of("type", "integer")));
            success.put("description", "A file's bytes (application/octet-stream) or a folder as a tar; the export "
                    + "record is in the Pyro-Result header.");
            success.put("content", Map.of("application/octet-stream", Map.of("schema", Map.of("type", "string", "format", "binary")),
                    "application/x-tar", Map.of("schema", Map.of("type", "string", "format", "binary"))));
        } else {
            success.put("description", r.summary());
        }
        if (!params.isEmpty()) {
            op.put("parameters", params);
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        responses.put(r.method().equals("POST") && created(r) ? "201" : "200", success);
        ERRORS.keySet().forEach(status -> responses.put(status, Map.of("$ref", "#/components/responses/E" + status)));
        op.put("responses", responses);
        return op;
    }

    static boolean created(Route r) {
        return Api.CREATED.contains(r.template());
    }

    /**
     * Keys sorted at every level: immutable maps iterate in an order that changes from run to run, and
     * the checked-in document must come out byte for byte the same each time.
     */
    static Object canonical(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new java.util.TreeMap<>();
            m.forEach((k, x) -> sorted.put(String.valueOf(k), canonical(x)));
            return sorted;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(OpenApi::canonical).toList();
        }
        return v;
    }

    private static String render(Map<String, Object> doc) {
        try {
            return JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(canonical(doc)) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
