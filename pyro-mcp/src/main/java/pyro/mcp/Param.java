package pyro.mcp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One tool argument: its JSON name (snake_case, as in CONTRACT.md), JSON type, the description an
 * LLM reads, whether it is required, its default and, for strings, the allowed values.
 */
public record Param(String name, Type type, String description, boolean required, Object defaultValue,
        List<String> allowed, boolean allowEmpty) {

    /** The JSON types tool arguments use. {@code OBJECT} is an object of string values (env vars). */
    public enum Type {
        STRING("string"),
        INTEGER("integer"),
        BOOLEAN("boolean"),
        OBJECT("object"),
        /** A string, or a whole number given for it (a port where "[HOST:]PORT" is expected). */
        STRING_OR_INTEGER("string"),
        /** An array of strings (service_start's after). */
        STRINGS("array");

        final String json;

        Type(String json) {
            this.json = json;
        }
    }

    public Param {
        allowed = allowed == null ? List.of() : List.copyOf(allowed);
    }

    public static Param string(String name, String description) {
        return new Param(name, Type.STRING, description, false, null, List.of(), false);
    }

    public static Param integer(String name, String description) {
        return new Param(name, Type.INTEGER, description, false, null, List.of(), false);
    }

    public static Param bool(String name, String description) {
        return new Param(name, Type.BOOLEAN, description, false, null, List.of(), false);
    }

    public static Param object(String name, String description) {
        return new Param(name, Type.OBJECT, description, false, null, List.of(), false);
    }

    public static Param strings(String name, String description) {
        return new Param(name, Type.STRINGS, description, false, null, List.of(), false);
    }

    public static Param stringOrInteger(String name, String description) {
        return new Param(name, Type.STRING_OR_INTEGER, description, false, null, List.of(), false);
    }

    /** Required: a call without it (or with a blank string, unless {@link #allowingEmpty}) fails. */
    public Param mandatory() {
        return new Param(name, type, description, true, null, allowed, allowEmpty);
    }

    /** A required string that may be empty (text typed into a shell). */
    public Param allowingEmpty() {
        return new Param(name, type, description, required, defaultValue, allowed, true);
    }

    public Param withDefault(Object value) {
        return new Param(name, type, description, false, value, allowed, allowEmpty);
    }

    public Param oneOf(String... values) {
        return new Param(name, type, description, required, defaultValue, List.of(values), allowEmpty);
    }

    /** The JSON schema of this argument. */
    Map<String, Object> schema() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", type == Type.STRING_OR_INTEGER ? List.of("string", "integer") : type.json);
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
        if (type == Type.STRINGS) {
            s.put("items", Map.of("type", "string"));
        }
        if (type == Type.OBJECT) {
            s.put("additionalProperties", Map.of("type", "string"));
        }
        return s;
    }
}
