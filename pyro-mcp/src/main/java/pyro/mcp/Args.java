package pyro.mcp;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import pyro.core.PyroException;

/**
 * A tool call's arguments, checked against the tool's parameters before the SDK is called: unknown
 * names, missing required values and wrong types fail with one sentence naming the argument. A JSON
 * {@code null} counts as absent. Range checks are left to the SDK so every face says the same.
 */
public final class Args {
    private final String tool;
    private final Map<String, Param> params;
    private final Map<String, Object> values;

    private final pyro.core.OutputListener output;
    /** The MCP server's result limit; null for a face without one (the HTTP API). */
    private ResultLimit limit;

    Args(ToolDef def, Map<String, Object> raw) {
        this(def, raw, null);
    }

    Args(ToolDef def, Map<String, Object> raw, pyro.core.OutputListener output) {
        this.output = output;
        this.tool = def.name();
        this.params = def.paramsByName();
        this.values = new LinkedHashMap<>();
        Map<String, Object> given = raw == null ? Map.of() : raw;
        for (var e : given.entrySet()) {
            Param p = params.get(e.getKey());
            if (p == null) {
                throw PyroException.invalid("unknown argument '" + e.getKey() + "' for " + tool + ": "
                        + (params.isEmpty() ? "it takes no arguments." : "it takes " + String.join(", ", params.keySet()) + "."));
            }
            if (e.getValue() != null) {
                values.put(p.name(), check(p, e.getValue()));
            }
        }
        for (Param p : params.values()) {
            if (p.required() && !values.containsKey(p.name())) {
                throw PyroException.invalid("missing required argument '" + p.name() + "' for " + tool + ".");
            }
        }
    }

    private Object check(Param p, Object v) {
        return switch (p.type()) {
            case STRING -> {
                if (!(v instanceof String s)) {
                    throw wrongType(p, "a string", v);
                }
                if (p.required() && !p.allowEmpty() && s.isBlank()) {
                    throw PyroException.invalid("argument '" + p.name() + "' for " + tool + " is empty.");
                }
                if (!p.allowed().isEmpty() && !p.allowed().contains(s)) {
                    throw PyroException.invalid("argument '" + p.name() + "' for " + tool + " is '" + s
                            + "': use one of " + String.join(", ", p.allowed()) + ".");
                }
                yield s;
            }
            case INTEGER -> toLong(p, v);
            case STRING_OR_INTEGER -> {
                if (v instanceof String s) {
                    yield s;
                }
                if (v instanceof Number) {
                    yield String.valueOf(toLong(p, v));
                }
                throw wrongType(p, "a string or a whole number", v);
            }
            case BOOLEAN -> {
                if (!(v instanceof Boolean b)) {
                    throw wrongType(p, "true or false", v);
                }
                yield b;
            }
            case STRINGS -> {
                if (!(v instanceof java.util.List<?> l)) {
                    throw wrongType(p, "an array of strings", v);
                }
                java.util.List<String> out = new java.util.ArrayList<>();
                for (Object o : l) {
                    if (!(o instanceof String s)) {
                        throw PyroException.invalid("argument '" + p.name() + "' for " + tool
                                + " must be an array of strings, but it holds " + describe(o) + ".");
                    }
                    out.add(s);
                }
                yield java.util.List.copyOf(out);
            }
            case OBJECT -> {
                if (!(v instanceof Map<?, ?> m)) {
                    throw wrongType(p, "an object of string values", v);
                }
                Map<String, String> out = new LinkedHashMap<>();
                for (var e : m.entrySet()) {
                    if (!(e.getValue() instanceof String s)) {
                        throw PyroException.invalid("argument '" + p.name() + "' for " + tool + " must map names to strings, but '"
                                + e.getKey() + "' is " + describe(e.getValue()) + ".");
                    }
                    out.put(String.valueOf(e.getKey()), s);
                }
                yield out;
            }
        };
    }

    private long toLong(Param p, Object v) {
        try {
            return switch (v) {
                case Integer i -> i;
                case Long l -> l;
                case Short s -> s;
                case Byte b -> b;
                case BigInteger bi -> bi.longValueExact();
                case BigDecimal bd -> bd.longValueExact();
                case Double d when d == Math.rint(d) && Math.abs(d) < 9.0e15 -> d.longValue();
                case Float f when f == Math.rint(f) && Math.abs(f) < 1.0e7 -> f.longValue();
                default -> throw wrongType(p, "a whole number", v);
            };
        } catch (ArithmeticException e) {
            throw PyroException.invalid("argument '" + p.name() + "' for " + tool + " must be a whole number in range, got " + v + ".");
        }
    }

    private PyroException wrongType(Param p, String expected, Object v) {
        return PyroException.invalid("argument '" + p.name() + "' for " + tool + " must be " + expected + ", got "
                + describe(v) + ".");
    }

    private static String describe(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Number n -> "the number " + n;
            case Boolean b -> b.toString();
            case Map<?, ?> m -> "an object";
            case java.util.List<?> l -> "a list";
            default -> "a " + v.getClass().getSimpleName();
        };
    }

    private Param param(String name) {
        Param p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException(tool + " declares no parameter " + name);
        }
        return p;
    }

    private Object valueOrDefault(String name) {
        Param p = param(name);
        Object v = values.get(name);
        return v != null ? v : p.defaultValue();
    }

    /** The MCP server's result limit, for calls that pass no output_budget_chars; null outside MCP. */
    ResultLimit limit() {
        return limit;
    }

    Args withLimit(ResultLimit l) {
        this.limit = l;
        return this;
    }

    /** Where a call whose face streams (HTTP) wants a command's output as it comes; null for MCP. */
    public pyro.core.OutputListener output() {
        return output;
    }

    public boolean has(String name) {
        param(name);
        return values.containsKey(name);
    }

    /** A string argument, or its default, or null when absent. */
    public String string(String name) {
        return (String) valueOrDefault(name);
    }

    /** An optional host path argument (null when absent). */
    public Path path(String name) {
        String s = string(name);
        return s == null || s.isBlank() ? null : Path.of(s);
    }

    public long longValue(String name) {
        Object v = valueOrDefault(name);
        if (v == null) {
            throw new IllegalArgumentException(tool + "." + name + " has no value and no default");
        }
        return ((Number) v).longValue();
    }

    /** An integer argument or its default; null when absent without a default. */
    public Long optLong(String name) {
        Object v = valueOrDefault(name);
        return v == null ? null : ((Number) v).longValue();
    }

    public Integer optInt(String name) {
        Long v = optLong(name);
        return v == null ? null : toInt(name, v);
    }

    public int intValue(String name) {
        return toInt(name, longValue(name));
    }

    private int toInt(String name, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw PyroException.invalid("argument '" + name + "' for " + tool + " is too large: " + v + ".");
        }
        return (int) v;
    }

    public boolean bool(String name) {
        Object v = valueOrDefault(name);
        return Boolean.TRUE.equals(v);
    }

    /** An array-of-strings argument; empty when absent. */
    @SuppressWarnings("unchecked")
    public java.util.List<String> strings(String name) {
        Object v = valueOrDefault(name);
        return v == null ? java.util.List.of() : (java.util.List<String>) v;
    }

    @SuppressWarnings("unchecked")
    public Map<String, String> stringMap(String name) {
        Object v = valueOrDefault(name);
        return v == null ? Map.of() : (Map<String, String>) v;
    }
}
