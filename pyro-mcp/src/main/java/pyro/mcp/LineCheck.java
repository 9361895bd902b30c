package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Judges one line read from stdin before the SDK's stdio transport may see it. The transport stops
 * reading for good at the first line it cannot turn into a JSON-RPC message (see {@link StdioGuard}),
 * so every line it is handed must be one well-formed JSON-RPC 2.0 object; anything else is answered
 * here: unparsable input with -32700, a message that is not a JSON-RPC object (an array, a batch,
 * {@code null}, a missing or wrong {@code jsonrpc}, {@code method} or {@code id}) with -32600, and a
 * request whose params the SDK would fail on with -32602. Every message is one sentence that names the
 * bad value and never a Java class.
 */
final class LineCheck {
    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int INVALID_PARAMS = -32602;

    static final List<String> LOG_LEVELS =
            List.of("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency");

    private static final int QUOTE_CHARS = 60;

    private static final Map<String, Class<?>> REQUEST_TYPES = Map.of(
            "initialize", McpSchema.InitializeRequest.class,
            "tools/call", McpSchema.CallToolRequest.class,
            "tools/list", McpSchema.PaginatedRequest.class,
            "logging/setLevel", McpSchema.SetLevelRequest.class);

    /** What to do with one line. */
    sealed interface Verdict {}

    /** A blank line: nothing to do. */
    record Skip() implements Verdict {}

    /**
     * Hand {@code line} to the SDK. {@code idKey} is the request id as JSON text (null for a
     * notification or a response) and {@code method} the request's method.
     */
    record Pass(byte[] line, String idKey, String method) implements Verdict {}

    /** Answer with a JSON-RPC error; {@code id} is null when the message's id is missing or unusable. */
    record Reply(JsonNode id, int code, String message) implements Verdict {}

    /** Ignore it (a notification gets no reply) and log why. */
    record Drop(String why) implements Verdict {}

    private final JsonMapper json;
    private final McpJsonMapper sdkMapper;
    private final Set<String> toolNames;

    LineCheck(McpJsonMapper sdkMapper, Set<String> toolNames) {
        this.json = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // checked below, with its own message
                .build();
        this.sdkMapper = sdkMapper;
        this.toolNames = Set.copyOf(toolNames);
    }

    JsonMapper json() {
        return json;
    }

    Verdict check(byte[] raw) {
        byte[] line = normalize(raw);
        if (isBlank(line)) {
            return new Skip();
        }
        JsonNode node;
        try (JsonParser p = json.createParser(line)) {
            node = json.readTree(p);
            boolean more;
            try {
                more = p.nextToken() != null;
            } catch (JacksonException e) {
                more = true;
            }
            if (more) {
                return parseError("the line holds more than one JSON value, and MCP over stdio takes exactly one "
                        + "JSON-RPC message per line", line);
            }
        } catch (StreamConstraintsException e) {
            return parseError("the JSON is nested too deeply or has a value too long to read", line);
        } catch (JacksonException e) {
            String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
            if (e instanceof UnexpectedEndOfInputException || original.startsWith("Unexpected end-of-input")) {
                return parseError("the line ends in the middle of a JSON value", line);
            }
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            return parseError("the line is not valid JSON" + (at >= 0 ? " (at byte " + at + ")" : ""), line);
        }
        if (node == null || node.isMissingNode()) {
            return parseError("the line is not valid JSON", line);
        }
        if (node.isArray()) {
            return invalid(null, "batches (JSON arrays) are not supported by MCP 2025-06-18, send one JSON-RPC "
                    + "object per line, got " + describe(node));
        }
        if (!node.isObject()) {
            return invalid(null, "a JSON-RPC message must be a JSON object, got " + describe(node));
        }
        JsonNode idNode = node.get("id");
        boolean hasId = node.has("id");
        boolean validId = idNode != null && (idNode.isString() || idNode.isNumber());
        JsonNode method = node.get("method");
        // A reply to a request of ours carries the id we chose, so an error about it must not echo that id.
        JsonNode replyId = validId && method != null ? idNode : null;

        JsonNode version = node.get("jsonrpc");
        if (version == null) {
            return invalid(replyId, "'jsonrpc' must be \"2.0\", but the member is missing");
        }
        if (!version.isString() || !"2.0".equals(version.stringValue())) {
            return invalid(replyId, "'jsonrpc' must be \"2.0\", got " + describe(version));
        }
        if (hasId && !validId) {
            return invalid(null, "'id' must be a string or a number, got " + describe(idNode));
        }
        Verdict verdict = method != null ? checkRequest(node, method, hasId ? idNode : null) : checkResponse(node, hasId);
        if (verdict instanceof Pass) {
            try {
                McpSchema.deserializeJsonRpcMessage(sdkMapper, new String(line, StandardCharsets.UTF_8));
            } catch (Exception e) {
                return invalid(replyId, "the message is not a JSON-RPC request, notification or response the "
                        + "server can read");
            }
        }
        return verdict instanceof Pass ? new Pass(line, hasId && method != null ? idNode.toString() : null,
                method == null ? null : method.stringValue()) : verdict;
    }

    private Verdict checkRequest(JsonNode node, JsonNode methodNode, JsonNode id) {
        if (!methodNode.isString() || methodNode.stringValue().isEmpty()) {
            return invalid(id, "'method' must be a non-empty string, got " + describe(methodNode));
        }
        String method = methodNode.stringValue();
        JsonNode params = node.get("params");
        boolean noParams = params == null || params.isNull();
        if (!noParams && !params.isObject()) {
            String why = "'params' of " + method + " must be a JSON object, got " + describe(params);
            return id == null ? new Drop("notification " + method + " ignored: " + why) : invalidParams(id, why);
        }
        if (id == null) {
            return new Pass(null, null, method);
        }
        if (!noParams) {
            JsonNode meta = params.get("_meta");
            if (meta != null && !meta.isNull() && !meta.isObject()) {
                return invalidParams(id, "'_meta' in the params of " + method + " must be a JSON object, got "
                        + describe(meta));
            }
            JsonNode token = meta == null ? null : meta.get("progressToken");
            if (token != null && !token.isNull() && !token.isString() && !token.isIntegralNumber()) {
                return invalidParams(id, "'_meta.progressToken' must be a string or an integer, got "
                        + describe(token));
            }
        }
        Verdict verdict = switch (method) {
            case "tools/call" -> checkToolCall(id, noParams ? null : params);
            case "initialize" -> checkInitialize(id, noParams ? null : params);
            case "tools/list" -> {
                JsonNode cursor = noParams ? null : params.get("cursor");
                yield cursor != null && !cursor.isNull() && !cursor.isString()
                        ? invalidParams(id, "'cursor' of tools/list must be a string, got " + describe(cursor))
                        : new Pass(null, null, method);
            }
            case "logging/setLevel" -> {
                JsonNode level = noParams ? null : params.get("level");
                yield level != null && level.isString() && LOG_LEVELS.contains(level.stringValue())
                        ? new Pass(null, null, method)
                        : invalidParams(id, "'level' of logging/setLevel must be one of " + String.join(", ", LOG_LEVELS)
                                + ", got " + (level == null ? "nothing" : describe(level)));
            }
            default -> new Pass(null, null, method);
        };
        Class<?> type = REQUEST_TYPES.get(method);
        return verdict instanceof Pass && type != null && !noParams ? convertible(id, method, params, type) : verdict;
    }

    /**
     * The SDK turns these requests' params into its records and answers -32603 with Jackson's text when
     * that fails (a member of the wrong type, such as {@code "capabilities": {"roots": 5}}): try it first.
     */
    private Verdict convertible(JsonNode id, String method, JsonNode params, Class<?> type) {
        try {
            sdkMapper.convertValue(params, type);
            return new Pass(null, null, method);
        } catch (RuntimeException e) {
            List<JacksonException.Reference> path = List.of();
            for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
                if (t instanceof JacksonException j && !j.getPath().isEmpty()) {
                    path = j.getPath();
                    break;
                }
            }
            StringBuilder name = new StringBuilder();
            JsonNode value = params;
            for (JacksonException.Reference r : path) {
                if (r.getPropertyName() != null) {
                    name.append(name.isEmpty() ? "" : ".").append(r.getPropertyName());
                    value = value == null ? null : value.get(r.getPropertyName());
                } else if (r.getIndex() >= 0) {
                    name.append('[').append(r.getIndex()).append(']');
                    value = value == null ? null : value.get(r.getIndex());
                }
            }
            return name.isEmpty()
                    ? invalidParams(id, "the params of " + method + " do not have the shape MCP gives them")
                    : invalidParams(id, "'" + name + "' in the params of " + method + " does not have the type MCP "
                            + "gives it, got " + describe(value));
        }
    }

    private Verdict checkToolCall(JsonNode id, JsonNode params) {
        if (params == null) {
            return invalidParams(id, "tools/call needs params with the tool's 'name' and its 'arguments', but "
                    + "'params' is missing");
        }
        JsonNode name = params.get("name");
        if (name == null || !name.isString()) {
            return invalidParams(id, "tools/call needs 'name', the tool's name as a string, got "
                    + (name == null ? "nothing" : describe(name)));
        }
        if (!toolNames.contains(name.stringValue())) {
            return new Reply(id, INVALID_PARAMS, "Unknown tool: " + quote(name.stringValue())
                    + "; tools/list names the " + toolNames.size() + " tools this server has.");
        }
        JsonNode arguments = params.get("arguments");
        if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
            return invalidParams(id, "'arguments' of tools/call must be a JSON object of " + name.stringValue()
                    + "'s parameters, got " + describe(arguments));
        }
        return new Pass(null, null, "tools/call");
    }

    private Verdict checkInitialize(JsonNode id, JsonNode params) {
        if (params == null) {
            return invalidParams(id, "initialize needs params with 'protocolVersion', 'capabilities' and "
                    + "'clientInfo', but 'params' is missing");
        }
        JsonNode version = params.get("protocolVersion");
        if (version == null || !version.isString()) {
            return invalidParams(id, "'protocolVersion' of initialize must be a string such as \"2025-06-18\", got "
                    + (version == null ? "nothing" : describe(version)));
        }
        for (String member : List.of("capabilities", "clientInfo")) {
            JsonNode v = params.get(member);
            if (v != null && !v.isNull() && !v.isObject()) {
                return invalidParams(id, "'" + member + "' of initialize must be a JSON object, got " + describe(v));
            }
        }
        JsonNode info = params.get("clientInfo");
        if (info != null && info.isObject()) {
            for (String member : List.of("name", "version")) {
                JsonNode v = info.get(member);
                if (v != null && !v.isNull() && !v.isString()) {
                    return invalidParams(id, "'clientInfo." + member + "' of initialize must be a string, got "
                            + describe(v));
                }
            }
        }
        return new Pass(null, null, "initialize");
    }

    private Verdict checkResponse(JsonNode node, boolean hasId) {
        boolean result = node.has("result");
        boolean error = node.has("error");
        if (!hasId && !result && !error) {
            return invalid(null, "a JSON-RPC message needs a 'method' (a request or a notification) or an 'id' with "
                    + "'result' or 'error' (a response), and this one has neither");
        }
        if (!hasId) {
            return invalid(null, "a JSON-RPC response needs the 'id' of the request it answers, and this one has none");
        }
        if (result == error) {
            return invalid(null, "a JSON-RPC response needs exactly one of 'result' and 'error', and this one has "
                    + (result ? "both" : "neither"));
        }
        if (error) {
            JsonNode e = node.get("error");
            if (!e.isObject() || e.get("code") == null || !e.get("code").isIntegralNumber()
                    || e.get("message") == null || !e.get("message").isString()) {
                return invalid(null, "'error' of a JSON-RPC response must be an object with an integer 'code' and a "
                        + "string 'message', got " + describe(e));
            }
        }
        return new Pass(null, null, null);
    }

    private static Reply parseError(String why, byte[] line) {
        return new Reply(null, PARSE_ERROR, "Parse error: " + why + ": "
                + shorten(new String(line, StandardCharsets.UTF_8).strip()));
    }

    private static Reply invalid(JsonNode id, String why) {
        return new Reply(id, INVALID_REQUEST, "Invalid request: " + why + ".");
    }

    private static Reply invalidParams(JsonNode id, String why) {
        return new Reply(id, INVALID_PARAMS, "Invalid params: " + why + ".");
    }

    /** How a JSON value is named in a message: {@code null}, {@code the string "x"}, {@code an array of 3 values}. */
    static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isString()) {
            return "the string " + shorten(v.toString());
        }
        if (v.isNumber()) {
            return "the number " + shorten(v.toString());
        }
        if (v.isBoolean()) {
            return v.toString();
        }
        if (v.isArray()) {
            return v.isEmpty() ? "an empty array" : "an array of " + v.size() + (v.size() == 1 ? " value" : " values");
        }
        return v.isEmpty() ? "an empty object" : "an object";
    }

    private static String quote(String s) {
        return "'" + shorten(s) + "'";
    }

    private static String shorten(String s) {
        return s.length() <= QUOTE_CHARS ? s : s.substring(0, QUOTE_CHARS) + "...";
    }

    /**
     * Drops a trailing CR (a CRLF line end) and turns any other raw CR into a space: the SDK's reader also
     * ends a line at a lone CR, while in valid JSON a raw CR can only be whitespace between tokens.
     */
    private static byte[] normalize(byte[] raw) {
        int len = raw.length;
        while (len > 0 && raw[len - 1] == '\r') {
            len--;
        }
        byte[] line = java.util.Arrays.copyOf(raw, len);
        for (int i = 0; i < len; i++) {
            if (line[i] == '\r') {
                line[i] = ' ';
            }
        }
        return line;
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
