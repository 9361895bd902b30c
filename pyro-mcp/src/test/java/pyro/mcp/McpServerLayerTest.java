package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pyro mcp serve} loads this module into a child module layer (see pyro.cli.McpCommand): the
 * SDK's JSON mapper and the slf4j provider must still be found there.
 */
class McpServerLayerTest {
    @TempDir
    Path tmp;

    @Test
    void servesFromAChildModuleLayer() throws Exception {
        try (StdioClient client = new StdioClient(StdioClient.Mode.CHILD_LAYER,
                Files.createDirectories(tmp.resolve("state")), Files.createDirectories(tmp.resolve("cache")))) {
            Map<String, Object> init = client.initialize();
            assertTrue(String.valueOf(init).contains("pyro"), String.valueOf(init));
            Map<String, Object> envs = client.callTool("vm_list_environments", Map.of());
            assertEquals(Boolean.FALSE, envs.get("isError"), String.valueOf(envs));
            Map<String, Object> bad = client.callTool("vm_run", Map.of("environment", "nope:1", "command", "true"));
            assertEquals(Boolean.TRUE, bad.get("isError"));
            assertEquals(0, client.closeAndWait(), client.stderr());
            String err = client.stderr();
            assertTrue(err.contains("MCP server ready"), "slf4j-simple logs on stderr: " + err);
            assertFalse(err.contains("SLF4J(W)"), "an slf4j provider is bound: " + err);
        }
    }
}
