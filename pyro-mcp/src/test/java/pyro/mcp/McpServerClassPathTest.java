package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server on the plain class path, and a client that closes stdin right after its requests. */
class McpServerClassPathTest {
    @TempDir
    Path tmp;

    @Test
    void repliesAreNotLostWhenStdinClosesRightAfterTheRequests() throws Exception {
        try (StdioClient client = new StdioClient(StdioClient.Mode.CLASS_PATH,
                Files.createDirectories(tmp.resolve("state")), Files.createDirectories(tmp.resolve("cache")))) {
            int init = client.sendRequest("initialize", Map.of("protocolVersion", "2025-06-18",
                    "capabilities", Map.of(), "clientInfo", Map.of("name", "t", "version", "1")));
            client.notify("notifications/initialized");
            int envs = client.sendRequest("tools/call", Map.of("name", "vm_list_environments", "arguments", Map.of()));
            int bad = client.sendRequest("tools/call",
                    Map.of("name", "vm_run", "arguments", Map.of("environment", "nope:1", "command", "true")));
            int status = client.closeAndWait();
            assertEquals(0, status, client.stderr());
            assertTrue(client.reply(init, 5).containsKey("result"));
            assertTrue(String.valueOf(client.reply(envs, 5)).contains("debian:12-build"));
            assertTrue(String.valueOf(client.reply(bad, 5)).contains("nope:1"));
            assertEquals(3, client.stdoutLines.size(), String.valueOf(client.stdoutLines));
        }
    }
}
