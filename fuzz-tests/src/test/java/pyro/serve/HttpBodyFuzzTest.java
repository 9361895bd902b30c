package pyro.serve;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.PyroException;
import pyro.fuzz.Fuzzer;
import pyro.mcp.ToolDef;
import pyro.mcp.Tools;

/**
 * The HTTP API's bodies and query strings, as {@code pyro serve} reads them before any operation runs:
 * the JSON body (or the Pyro-Arguments header) parsed as an object, then merged with a query string and
 * path arguments for a tool picked by the input. The result is arguments or a PyroException naming what
 * is wrong: never another exception (which would be a 500).
 */
class HttpBodyFuzzTest {
    static final List<ToolDef> TOOLS = Tools.all();

    static List<byte[]> seeds() {
        return List.of(
                "{\"command\": \"make test\", \"timeout_seconds\": 30}".getBytes(StandardCharsets.UTF_8),
                "{\"environment\": \"debian:12\", \"vcpu_count\": 1, \"mem_mib\": 512, \"secrets\": {\"API_KEY\": \"0123456789\"}}"
                        .getBytes(StandardCharsets.UTF_8),
                "{\"service_name\": \"web\", \"command\": [\"python3\", \"-m\", \"http.server\"], \"ready_tcp\": \"8000\"}"
                        .getBytes(StandardCharsets.UTF_8),
                "{\"path\": \"a/b.txt\", \"content\": \"x\\ny\\u00e9\\n\", \"expected_sha256\": \"new\"}\n?max_bytes=10&after=a&after=b"
                        .getBytes(StandardCharsets.UTF_8),
                "[1, 2, {\"a\": null}]".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bodiesAndQueriesBecomeArgumentsOrAClearRefusal() {
        Fuzzer.run("http-body", seeds(), input -> {
            String text = new String(input, StandardCharsets.UTF_8);
            int q = text.lastIndexOf("\n?");
            String body = q >= 0 ? text.substring(0, q) : text;
            Map<String, List<String>> query = new LinkedHashMap<>();
            if (q >= 0) {
                for (String pair : text.substring(q + 2).split("&")) {
                    int eq = pair.indexOf('=');
                    String k = Exchanges.decode(eq < 0 ? pair : pair.substring(0, eq));
                    String v = eq < 0 ? "" : Exchanges.decode(pair.substring(eq + 1));
                    query.computeIfAbsent(k, x -> new java.util.ArrayList<>()).add(v);
                }
            }
            Map<String, Object> parsed = body.isBlank() ? new LinkedHashMap<>() : Exchanges.object(body, "the body");
            ToolDef tool = TOOLS.get(Math.floorMod(java.util.Arrays.hashCode(input), TOOLS.size()));
            Arguments.of(tool, Map.of("workspace_id", "ws-0123456789ab"), query, parsed);
        }, PyroException.class);
    }
}
