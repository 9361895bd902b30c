package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged pyro (jlink runtime + modules + launcher) as a user gets it; no guest needed. */
class DistCheckTest {
    @Test
    @SuppressWarnings("unchecked")
    void packagedPyroAnswersVersionHelpAndListsTheServiceToolsOverMcp() throws Exception {
        Path state = Guests.newStateDir("dist");
        assertEquals("pyro 2.8.0", Cli.run(state, 60, "--version").stdout().strip());
        Cli.Result help = Cli.run(state, 60, "workspace", "service", "--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.stdout().contains("start") && help.stdout().contains("logs"), help.toString());
        try (McpClient mcp = new McpClient(state)) {
            Map<String, Object> list = mcp.request("tools/list", Map.of());
            List<Map<String, Object>> tools = (List<Map<String, Object>>) ((Map<String, Object>) list.get("result")).get("tools");
            List<String> names = tools.stream().map(t -> t.get("name").toString()).toList();
            assertTrue(names.containsAll(List.of("service_start", "service_list", "service_status", "service_logs",
                    "service_stop")), names.toString());
        }
        Path dist = Cli.dist();
        assertTrue(Files.isRegularFile(dist.resolveSibling("pyro-2.8.0.tar.gz")), "the tarball is built too");
        assertTrue(Files.isExecutable(dist.resolve("runtime/bin/java")));
    }
}
