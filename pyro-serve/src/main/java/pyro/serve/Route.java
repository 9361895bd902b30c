package pyro.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP route: a method and a path template whose {@code {name}} segments are arguments of the
 * operation behind it. An operation is an MCP tool of {@link pyro.mcp.Tools} (so the arguments, their
 * checks and the record are the MCP tool's) or, for the few things no tool does (doctor, export as a
 * download), a named handler of {@link Api}.
 *
 * @param upload the argument an uploaded tar body stands for ({@code seed_path}, {@code source}), or null
 */
record Route(String method, String template, String operation, boolean tool, String upload, String summary) {
    Route {
        Objects.requireNonNull(method);
        Objects.requireNonNull(template);
        Objects.requireNonNull(operation);
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("a route template starts with '/': " + template);
        }
    }

    static Route tool(String method, String template, String toolName) {
        return new Route(method, template, toolName, true, null, null);
    }

    static Route handler(String method, String template, String name, String summary) {
        return new Route(method, template, name, false, null, summary);
    }

    Route uploading(String argument) {
        return new Route(method, template, operation, tool, argument, summary);
    }

    List<String> segments() {
        return split(template);
    }

    /** The names of the template's {@code {name}} segments, in order. */
    List<String> pathParams() {
        List<String> out = new ArrayList<>();
        for (String s : segments()) {
            if (s.startsWith("{")) {
                out.add(s.substring(1, s.length() - 1));
            }
        }
        return out;
    }

    /** The path's arguments when it matches this template (decoded), else null. */
    Map<String, String> match(List<String> path) {
        List<String> t = segments();
        if (t.size() != path.size()) {
            return null;
        }
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < t.size(); i++) {
            String seg = t.get(i);
            if (seg.startsWith("{")) {
                if (path.get(i).isEmpty()) {
                    return null;
                }
                args.put(seg.substring(1, seg.length() - 1), path.get(i));
            } else if (!seg.equals(path.get(i))) {
                return null;
            }
        }
        return args;
    }

    /** How many literal segments the template has: with two matches, the more literal one wins. */
    int literals() {
        return (int) segments().stream().filter(s -> !s.startsWith("{")).count();
    }

    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/", -1)) {
            out.add(s);
        }
        if (!out.isEmpty() && out.getFirst().isEmpty()) {
            out.removeFirst();
        }
        if (!out.isEmpty() && out.getLast().isEmpty() && out.size() > 1) {
            out.removeLast();
        }
        return out;
    }
}
