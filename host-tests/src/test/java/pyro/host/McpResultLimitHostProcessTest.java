package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.serve.Server;

/**
 * Tool results that fit every host, through a real MCP client: the MCP SDK's own client starts
 * {@code pyro mcp serve} with the real launcher (as a host does), whose tools run on a {@code pyro
 * serve} over the real agent as a host process (PYRO_URL), and a {@code vm_run} printing 3 MB comes
 * back under 10,240 bytes and 256 lines by default, head and tail kept, the cut said in one line;
 * with {@code --max-result-chars} the host gets more.
 */
class McpResultLimitHostProcessTest {
    static final String TOKEN = "test-token-limit-0123456789";
    static Server server;
    static Path launcher;
    static Path home;
    static final String COMMAND = "seq 1 500000; echo done >&2"; // 3,388,895 bytes of numbered lines

    @BeforeAll
    static void start() throws Exception {
        Path state = HostProcess.stateDir("limit");
        Pyro pyro = HostProcess.pyro(state);
        server = Server.start(new Server.Options("127.0.0.1:0", true, null, 1 << 20), pyro.config(), () -> pyro, TOKEN,
                System.err);
        launcher = CliLauncher.write(state.resolve("dist"));
        home = Files.createDirectories(state.resolve("home"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static McpSyncClient client(String... serveArgs) {
        List<String> args = new java.util.ArrayList<>(List.of("mcp", "serve"));
        args.addAll(List.of(serveArgs));
        ServerParameters params = ServerParameters.builder(launcher.toString()).args(args)
                .env(Map.of("PYRO_URL", server.url(), "PYRO_TOKEN", TOKEN, "HOME", home.toString())).build();
        McpSyncClient c = McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(120)).initializationTimeout(Duration.ofSeconds(60)).build();
        c.initialize();
        return c;
    }

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().getFirst()).text();
    }

    static long lines(Object v) {
        return switch (v) {
            case String s -> s.chars().filter(ch -> ch == '\n').count();
            case Map<?, ?> m -> m.values().stream().mapToLong(McpResultLimitHostProcessTest::lines).sum();
            case List<?> l -> l.stream().mapToLong(McpResultLimitHostProcessTest::lines).sum();
            case null, default -> 0;
        };
    }

    @Test
    @SuppressWarnings("unchecked")
    void aVmRunOf3MegabytesComesBackUnder10240BytesAnd256LinesByDefault() {
        try (McpSyncClient c = client()) {
            assertTrue(c.getServerInstructions().contains("at most 10,240 bytes and 256 lines"),
                    c.getServerInstructions());
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("vm_run",
                    Map.of("environment", HostProcessBackend.ENV, "command", COMMAND)));
            assertFalse(Boolean.TRUE.equals(r.isError()), text(r));
            String t = text(r);
            int bytes = t.getBytes(StandardCharsets.UTF_8).length;
            Map<String, Object> m = (Map<String, Object>) r.structuredContent();
            long lines = 1 + lines(m);
            assertTrue(bytes <= 10_240, "bytes " + bytes);
            assertTrue(lines <= 256, "lines " + lines);
            assertEquals(1, t.lines().count(), "one line of compact JSON");
            String out = (String) m.get("stdout");
            assertTrue(out.startsWith("1\n2\n3\n"), out);
            assertEquals(true, m.get("stdout_truncated"));
            List<String> markers = out.lines().filter(l -> l.startsWith("[... ")).toList();
            assertEquals(1, markers.size(), out);
            assertTrue(markers.getFirst().contains("output_budget_chars"), markers.getFirst());
            assertEquals("done\n", m.get("stderr"));
            System.out.println("vm_run of `" + COMMAND + "` over MCP: " + bytes + " bytes, " + lines + " lines; "
                    + markers.getFirst());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void maxResultCharsLetsAHostThatTakesMoreHaveMore() {
        try (McpSyncClient c = client("--max-result-chars", "60000")) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("vm_run",
                    Map.of("environment", HostProcessBackend.ENV, "command", COMMAND)));
            String t = text(r);
            assertTrue(t.length() <= 60_000 && t.length() > 50_000, "length " + t.length());
            assertTrue(1 + lines(r.structuredContent()) > 256);
        }
    }
}
