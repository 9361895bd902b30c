package pyro.serve;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;
import pyro.mcp.Param;
import pyro.mcp.ToolDef;

/**
 * A route's arguments for its operation, from the path's {@code {name}} segments, the query string
 * and the JSON body, under the MCP tool's parameter names. Query values are text, so they are turned
 * into the parameter's type here (a number, true/false, a repeated name for a list); the body's JSON
 * values are passed as they are, and the tool's own checks then name anything wrong, as MCP does.
 */
final class Arguments {
    private Arguments() {}

    static Map<String, Object> of(ToolDef tool, Map<String, String> path, Map<String, List<String>> query,
            Map<String, Object> body) {
        Map<String, Object> args = new LinkedHashMap<>(body);
        for (var e : query.entrySet()) {
            if (args.containsKey(e.getKey())) {
                throw PyroException.invalid("argument '" + e.getKey() + "' is given both in the query and in the body: give it once.");
            }
            args.put(e.getKey(), fromText(tool, e.getKey(), e.getValue()));
        }
        for (var e : path.entrySet()) {
            Object given = args.get(e.getKey());
            if (given != null && !given.equals(e.getValue())) {
                throw PyroException.invalid("argument '" + e.getKey() + "' is '" + given + "' in the request but '"
                        + e.getValue() + "' in the path: leave it out of the body.");
            }
            args.put(e.getKey(), e.getValue());
        }
        return args;
    }

    private static Object fromText(ToolDef tool, String name, List<String> values) {
        Param p = tool.params().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        if (p == null) {
            return values.getLast(); // the tool's check names the unknown argument
        }
        if (p.type() == Param.Type.STRINGS) {
            return List.copyOf(values);
        }
        if (values.size() > 1) {
            throw PyroException.invalid("query parameter '" + name + "' is given " + values.size() + " times: give it once.");
        }
        String v = values.getFirst();
        return switch (p.type()) {
            case INTEGER -> {
                try {
                    yield Long.parseLong(v.strip());
                } catch (NumberFormatException e) {
                    throw PyroException.invalid("query parameter '" + name + "' must be a whole number, got '" + v + "'.");
                }
            }
            case BOOLEAN -> switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "" -> true;
                case "false", "0" -> false;
                default -> throw PyroException.invalid("query parameter '" + name + "' must be true or false, got '" + v + "'.");
            };
            case OBJECT -> throw PyroException.invalid("argument '" + name + "' is an object: send it in a JSON body "
                    + "(with a tar upload, in the Pyro-Arguments header as a JSON object).");
            default -> v;
        };
    }
}
