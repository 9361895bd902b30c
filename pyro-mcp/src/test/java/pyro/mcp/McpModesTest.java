package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --mode}: each mode's server over real stdio lists exactly its pinned tools, from its base
 * profile, with the task's descriptions, and a tools/list of a pinned size in characters (a change to
 * a description shows up here, on purpose: the model reads every character on every turn). Bad
 * options are one sentence and exit status 2.
 */
class McpModesTest {
    /** Each mode's tools, in tools/list order, and the size of its tools/list result in characters. */
    static final Map<String, List<String>> TOOLS = new LinkedHashMap<>();
    static final Map<String, Integer> CHARS = new LinkedHashMap<>();

    static {
        TOOLS.put("repro-fix", List.of("workspace_create", "workspace_exec", "workspace_diff", "workspace_export",
                "workspace_delete", "workspace_file_read", "workspace_file_write", "workspace_patch_apply",
                "workspace_snapshot_create", "workspace_reset"));
        TOOLS.put("inspect", List.of("workspace_create", "workspace_exec", "workspace_diff", "workspace_delete",
                "workspace_file_list", "workspace_file_read"));
        TOOLS.put("cold-start", List.of("vm_list_environments", "vm_pull_environment", "workspace_create",
                "workspace_exec", "workspace_delete", "workspace_file_read", "workspace_file_write",
                "workspace_snapshot_create", "service_start", "service_status", "service_logs", "service_stop"));
        TOOLS.put("review-eval", List.of("workspace_create", "workspace_status", "workspace_exec", "workspace_diff",
                "workspace_export", "workspace_delete", "workspace_file_read"));
        CHARS.put("repro-fix", 22385);
        CHARS.put("inspect", 15001);
        CHARS.put("cold-start", 29633);
        CHARS.put("review-eval", 18092);
    }

    @TempDir
    Path tmp;

    StdioClient start(List<String> args) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "server");
        return new StdioClient(StdioClient.Mode.MODULE_PATH, Files.createDirectories(dir.resolve("state")),
                Files.createDirectories(dir.resolve("cache")), args);
    }

    @Test
    void eachModeServesItsPinnedToolsWithTunedDescriptionsAndAPinnedSize() throws Exception {
        assertEquals(List.of("repro-fix", "inspect", "cold-start", "review-eval"),
                List.of(Mode.values()).stream().map(Mode::wireName).toList());
        StringBuilder sizes = new StringBuilder();
        for (Mode mode : Mode.values()) {
            try (StdioClient c = start(List.of("--mode", mode.wireName()))) {
                Map<String, Object> init = McpServerProfilesTest.map(c.initialize().get("result"));
                String instructions = (String) init.get("instructions");
                assertTrue(instructions.contains("Mode " + mode.wireName() + " (built on " + mode.base().wireName() + ")"),
                        instructions);
                assertTrue(instructions.contains("at most 10,240 bytes and 256 lines"), instructions);
                Map<String, Object> result = McpServerProfilesTest.map(c.request("tools/list", Map.of()).get("result"));
                Map<String, Map<String, Object>> tools = McpServerProfilesTest.toolsList(c, "mode " + mode.wireName());
                assertEquals(TOOLS.get(mode.wireName()), List.copyOf(tools.keySet()), mode.wireName());
                Set<String> base = McpServerProfilesTest.names(mode.base().tools());
                assertTrue(base.containsAll(tools.keySet()), mode + " takes its tools from " + mode.base().wireName());

                int tuned = 0;
                for (ToolDef generic : Tools.all()) {
                    Map<String, Object> listed = tools.get(generic.name());
                    if (listed != null && !generic.description().equals(listed.get("description"))) {
                        tuned++;
                    }
                }
                assertTrue(tuned >= 1, mode + " tunes at least one description");
                int chars = JSON.std.asString(result).length();
                sizes.append(mode.wireName()).append('=').append(chars).append(' ');
                if (CHARS.get(mode.wireName()) != 0) {
                    assertEquals(CHARS.get(mode.wireName()), chars, mode + ": tools/list size in characters");
                }
                assertEquals(0, c.closeAndWait(), c.stderr());
            }
        }
        System.out.println("tools/list sizes: " + sizes);
        assertTrue(CHARS.values().stream().noneMatch(v -> v == 0), "pin the sizes: " + sizes);
    }

    @Test
    void aModeToolCallRunsTheSameOperationAsTheGenericTool() throws Exception {
        try (StdioClient c = start(List.of("--mode", "review-eval"))) {
            c.initialize();
            Map<String, Map<String, Object>> tools = McpServerProfilesTest.toolsList(c, "review-eval");
            Map<String, Object> err = McpServerProfilesTest.callValid(c, tools, "workspace_status",
                    Map.of("workspace_id", "ws-000000000000"));
            assertEquals(Boolean.TRUE, err.get("isError"));
            Map<String, Object> outside = c.request("tools/call", Map.of("name", "vm_run", "arguments", Map.of()));
            assertNotEquals(null, outside.get("error"), "a tool outside the mode is unknown: " + outside);
            assertEquals(0, c.closeAndWait(), c.stderr());
        }
    }

    @Test
    void anOpenAiStyleLoopGetsAModesToolsFromToolCalls() {
        ToolCalls calls = ToolCalls.forMode(null, "inspect"); // no call here reaches the SDK
        assertEquals(TOOLS.get("inspect"), calls.definitions().stream().map(d -> d.get("name")).toList());
        assertEquals(Mode.INSPECT.tools().getFirst().description(), calls.definitions().getFirst().get("description"));
        ToolCalls.Outcome outside = calls.call("vm_run", "{}");
        assertTrue(outside.error());
        assertEquals("unknown tool 'vm_run': use one of " + String.join(", ", TOOLS.get("inspect")) + ".", outside.text());
    }

    @Test
    void badServerOptionsAreOneSentenceAndExitStatus2() throws Exception {
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("--mode", "fix-everything"),
                "pyro: unknown MCP mode 'fix-everything': use repro-fix, inspect, cold-start, review-eval.");
        cases.put(List.of("--mode", "inspect", "--profile", "workspace-full"),
                "pyro: give --profile or --mode, not both: a mode chooses its own tools.");
        cases.put(List.of("--max-result-chars", "500"), "pyro: --max-result-chars must be between 2000 and 100000, got 500.");
        cases.put(List.of("--max-result-chars", "lots"), "pyro: --max-result-chars must be a whole number, got 'lots'.");
        for (var e : cases.entrySet()) {
            try (StdioClient c = start(e.getKey())) {
                assertEquals(2, c.closeAndWait(), c.stderr());
                String err = c.stderr().strip();
                assertEquals(e.getValue(), err.lines().reduce((a, b) -> b).orElse(""), err);
                assertTrue(c.stdoutLines.isEmpty(), "nothing on stdout: " + c.stdoutLines);
            }
        }
    }
}
