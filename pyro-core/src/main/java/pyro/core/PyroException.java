package pyro.core;

import pyro.protocol.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one exception type the SDK throws for documented failures. Its message is one sentence that
 * names the offending value; the CLI prints it as is and the MCP server returns it as a tool error.
 */
public class PyroException extends RuntimeException {
    private final ErrorCode code;

    public PyroException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public PyroException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static PyroException invalid(String message) {
        return new PyroException(ErrorCode.INVALID_INPUT, message);
    }

    public static PyroException notFound(String message) {
        return new PyroException(ErrorCode.NOT_FOUND, message);
    }

    public static PyroException guest(String message) {
        return new PyroException(ErrorCode.GUEST_FAILURE, message);
    }

    public static PyroException guest(String message, Throwable cause) {
        return new PyroException(ErrorCode.GUEST_FAILURE, message, cause);
    }

    public static PyroException host(String message) {
        return new PyroException(ErrorCode.HOST_UNSUPPORTED, message);
    }

    /** {@code {"error":{"code":...,"message":...}}}, the shape every face prints for a failure. */
    public Map<String, Object> toMap() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("code", code.wireName());
        inner.put("message", getMessage());
        return Map.of("error", inner);
    }

    /** {@link #toMap()} as the faces print it (pretty JSON, like every record's {@code toJson()}). */
    public String toJson() {
        return pyro.core.internal.Json.write(toMap());
    }
}
