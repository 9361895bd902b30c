package pyro.mcp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One tool argument: its JSON name (snake_case, as in CONTRACT.md), JSON type, the description an
 * LLM reads, whether it is required, its default and, for strings, the allowed values.
 */
public record Param(String name, Type type, String description, boolean required, Object defaultValue,
        List<String> allowed) {

    /** The JSON types tool arguments use. {@code OBJECT} is an object of string values (env vars). */
    public enum Type {
        STRING("string"),
        INTEGER("integer"),
        BOOLEAN("boolean"),
        OBJECT("object");

        final String json;

        Type(String json) {
            this.json = json;
        }
    }

    public Param {
        allowed = allowed == null ? List.of() : List.copyOf(allowed);
    }

    public static Param string(String name, String description) {
        return new Param(name, Type.STRING, description, false, null, List.of());
    }

    public static Param integer(String name, String description) {
        return new Param(name, Type.INTEGER, description, false, null, List.of());
    }

    public static Param bool(String name, String description) {
        return new Param(name, Type.BOOLEAN, description, false, null, List.of());
    }

    public static Param object(String name, String description) {
        return new Param(name, Type.OBJECT, description, false, null, List.of());
    }

    public Param mandatory() {
        return new Param(name, type, description, true, null, allowed);
    }

    public Param withDefault(Object value) {
        return new Param(name, type, description, false, value, allowed);
    }

    public Param oneOf(String... values) {
        return new Param(name, type, description, required, defaultValue, List.of(values));
    }

    /** The JSON schema of this argument. */
    Map<String, Object> schema() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", type.json);
        String d = description;
        if (defaultValue != null) {
            d = d + " Default: " + defaultValue + ".";
            s.put("default", defaultValue);
        }
        s.put("description", d);
        if (!allowed.isEmpty()) {
            s.put("enum", allowed);
        }
        if (type == Type.INTEGER) {
            s.put("minimum", 0);
        }
        if (type == Type.OBJECT) {
            s.put("additionalProperties", Map.of("type", "string"));
        }
        return s;
    }
}
