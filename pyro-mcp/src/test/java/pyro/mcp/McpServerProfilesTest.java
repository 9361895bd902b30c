package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each profile's server over real stdio: tools/list carries annotations and an outputSchema for every
 * tool; results of tools that need no VM (and an error result) are compact JSON whose structuredContent
 * validates against that schema with the SDK's own JSON Schema validator; sizes of tools/list per
 * profile are printed for the docs.
 */
class McpServerProfilesTest {
    static final JsonSchemaValidator VALIDATOR = McpJsonDefaults.getSchemaValidator();
    static final List<String> HINTS = List.of("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint");

    @TempDir
    Path tmp;

    StdioClient start(String profile) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(profile));
        StdioClient c = new StdioClient(StdioClient.Mode.MODULE_PATH, Files.createDirectories(dir.resolve("state")),
                Files.createDirectories(dir.resolve("cache")),
                profile.equals("(none)") ? List.of() : List.of("--profile", profile));
        return c;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) assertInstanceOf(Map.class, o);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) assertInstanceOf(List.class, o);
    }

    /** tools/list of a server: checks every tool's title, annotations and outputSchema; returns the tools by name. */
    static Map<String, Map<String, Object>> toolsList(StdioClient c, String profile) throws Exception {
        Map<String, Object> result = map(c.request("tools/list", Map.of()).get("result"));
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Object o : list(result.get("tools"))) {
            Map<String, Object> tool = map(o);
            String name = (String) tool.get("name");
            byName.put(name, tool);
            assertTrue(tool.get("title") instanceof String t && !t.isBlank(), name + " title");
            Map<String, Object> ann = map(tool.get("annotations"));
            assertEquals(tool.get("title"), ann.get("title"), name);
            for (String h : HINTS) {
                assertInstanceOf(Boolean.class, ann.get(h), name + "." + h);
            }
            if (ann.get("readOnlyHint") == Boolean.TRUE) {
                assertEquals(false, ann.get("destructiveHint"), name + ": read-only is not destructive");
            }
            Map<String, Object> out = map(tool.get("outputSchema"));
            assertEquals("object", out.get("type"), name);
            assertTrue(map(out.get("properties")).containsKey("error"), name + ": the error object is admitted");
            assertTrue(VALIDATOR.validateSchema(out).valid(), name + ": outputSchema is a valid schema");
        }
        int chars = JSON.std.asString(result).length();
        int outputSchemas = 0;
        for (Map<String, Object> t : byName.values()) {
            outputSchemas += JSON.std.asString(t.get("outputSchema")).length();
        }
        System.out.println("tools/list " + profile + ": " + byName.size() + " tools, " + chars + " characters ("
                + outputSchemas + " of them outputSchema)");
        // docs/integrations.md's table of profiles gives this size: kept true here (issue 26)
        String name = profile.replace(" (default)", "").replace("mode ", ""); // a mode has its row in the modes table
        String row = java.nio.file.Files.readAllLines(java.nio.file.Path.of("..", "docs", "integrations.md")).stream()
                .filter(l -> l.startsWith("| `" + name + "`")).findFirst().orElseThrow();
        assertTrue(row.endsWith("| " + String.format(java.util.Locale.ROOT, "%,d", chars) + " |"),
                "docs/integrations.md says for " + name + ": " + row + ", measured " + chars);
        return byName;
    }

    /** A tool call's result: compact JSON text whose object is structuredContent and fits the outputSchema. */
    static Map<String, Object> callValid(StdioClient c, Map<String, Map<String, Object>> tools, String name,
            Map<String, Object> args) throws Exception {
        Map<String, Object> result = c.callTool(name, args);
        String text = (String) map(list(result.get("content")).getFirst()).get("text");
        Map<String, Object> structured = map(result.get("structuredContent"));
        if (result.get("isError") != Boolean.TRUE) {
            assertFalse(text.contains("\n") || text.contains("\" : "), name + ": compact JSON text: " + text);
            assertEquals(JSON.std.mapFrom(text), structured, name + ": structuredContent is the text's object");
        }
        var v = VALIDATOR.validate(map(tools.get(name).get("outputSchema")), structured);
        assertTrue(v.valid(), name + ": " + v.errorMessage() + " in " + structured);
        return result;
    }

    static Set<String> names(List<ToolDef> tools) {
        return Set.copyOf(tools.stream().map(ToolDef::name).toList());
    }

    @Test
    void workspaceFullListsEveryToolAnnotatedAndItsResultsWithoutAVmValidateAgainstTheirSchemas() throws Exception {
        try (StdioClient c = start("workspace-full")) {
            Map<String, Object> init = map(c.initialize().get("result"));
            assertTrue(((String) init.get("instructions")).contains("Active profile: workspace-full"));
            Map<String, Map<String, Object>> tools = toolsList(c, "workspace-full");
            assertEquals(names(Tools.all()), tools.keySet());

            Map<String, Object> ann = map(tools.get("workspace_delete").get("annotations"));
            assertEquals(List.of(false, true, true), List.of(ann.get("readOnlyHint"), ann.get("destructiveHint"),
                    ann.get("idempotentHint")));
            Map<String, Object> run = map(tools.get("vm_run").get("annotations"));
            assertEquals(List.of(false, true), List.of(run.get("destructiveHint"), run.get("openWorldHint")));
            for (String ro : List.of("service_list", "service_status", "service_logs", "workspace_status",
                    "workspace_list", "workspace_diff", "workspace_logs", "vm_list_environments")) {
                assertEquals(true, map(tools.get(ro).get("annotations")).get("readOnlyHint"), ro);
                assertEquals(false, map(tools.get(ro).get("annotations")).get("openWorldHint"), ro);
            }

            Map<String, Object> envs = callValid(c, tools, "vm_list_environments", Map.of());
            assertEquals(3, ((Number) map(envs.get("structuredContent")).get("count")).intValue());
            Map<String, Object> empty = callValid(c, tools, "workspace_list", Map.of());
            assertEquals(0, ((Number) map(empty.get("structuredContent")).get("count")).intValue());
            callValid(c, tools, "vm_reap_expired", Map.of());
            Map<String, Object> error = callValid(c, tools, "workspace_status", Map.of("workspace_id", "ws-000000000000"));
            assertEquals(Boolean.TRUE, error.get("isError"));
            assertEquals("not_found", map(map(error.get("structuredContent")).get("error")).get("code"));
            Map<String, Object> badRun = callValid(c, tools, "vm_run", Map.of("environment", "nope:1", "command", "true"));
            assertEquals(Boolean.TRUE, badRun.get("isError"));
            assertEquals(0, c.closeAndWait(), c.stderr());
        }
    }

    @Test
    void theDefaultProfileTakesOutputBudgetCharsOverRealStdioAndRefusesOneOutOfRange() throws Exception {
        // No tool that runs without a VM has output near a budget (vm_list_environments is under 1,000
        // characters), so the cutting itself is tested in process (OutputBudgetTest); here the argument.
        try (StdioClient c = start("(none)")) {
            Map<String, Object> init = map(c.initialize().get("result"));
            assertTrue(((String) init.get("instructions")).contains("Active profile: workspace-core"));
            Map<String, Map<String, Object>> tools = toolsList(c, "workspace-core (default)");
            Map<String, Object> whole = callValid(c, tools, "vm_list_environments", Map.of());
            Map<String, Object> atMin = callValid(c, tools, "vm_list_environments",
                    Map.of("output_budget_chars", Budget.MIN_CHARS));
            assertEquals(whole.get("structuredContent"), atMin.get("structuredContent"), "within budget: unchanged");
            assertFalse(map(atMin.get("structuredContent")).containsKey("environments_truncated"));

            Map<String, Object> tooSmall = c.callTool("vm_list_environments", Map.of("output_budget_chars", 10));
            assertEquals(Boolean.TRUE, tooSmall.get("isError"));
            assertEquals("argument 'output_budget_chars' for vm_list_environments must be between 2000 and 100000, "
                    + "got 10.", map(list(tooSmall.get("content")).getFirst()).get("text"));
            assertEquals(0, c.closeAndWait(), c.stderr());
        }
    }

    @Test
    void eachProfileServesItsToolsAndSaysWhichIsActive() throws Exception {
        for (String profile : List.of("vm-run", "workspace-core", "workspace-full")) {
            try (StdioClient c = start(profile)) {
                Map<String, Object> init = map(c.initialize().get("result"));
                String instructions = (String) init.get("instructions");
                assertTrue(instructions.contains("Active profile: " + profile + " ("), instructions);
                for (String p : List.of("vm-run", "workspace-core", "workspace-full")) {
                    assertTrue(instructions.contains(p + " "), "instructions describe " + p);
                }
                Map<String, Map<String, Object>> tools = toolsList(c, profile);
                assertEquals(names(Profile.of(profile).tools()), tools.keySet(), profile);
                switch (profile) {
                    case "vm-run" -> {
                        assertEquals(Set.of("vm_run"), tools.keySet());
                        assertFalse(instructions.contains("workspace_create a workspace"), instructions);
                        Map<String, Object> outside = c.request("tools/call",
                                Map.of("name", "workspace_list", "arguments", Map.of()));
                        assertNotNull(outside.get("error"), "a tool outside the profile is unknown: " + outside);
                        assertTrue(String.valueOf(map(outside.get("error")).get("message")).contains("workspace_list"));
                    }
                    case "workspace-core" -> {
                        assertTrue(tools.size() <= 15, "at most 15 tools: " + tools.size());
                        assertTrue(tools.keySet().containsAll(List.of("vm_run", "workspace_create", "workspace_exec",
                                "workspace_diff", "workspace_delete", "service_start", "service_logs")));
                    }
                    default -> assertEquals(Tools.all().size(), tools.size());
                }
                assertEquals(0, c.closeAndWait(), c.stderr());
            }
        }
    }

    @Test
    void anUnknownProfileIsOneSentenceNamingItAndExitStatus2() throws Exception {
        try (StdioClient c = start("workspace-tiny")) {
            int status = c.closeAndWait();
            assertEquals(2, status, c.stderr());
            String err = c.stderr().strip();
            assertEquals("pyro: unknown MCP profile 'workspace-tiny': use vm-run, workspace-core (the default) or "
                    + "workspace-full.", err.lines().reduce((a, b) -> b).orElse(""), err);
            assertTrue(c.stdoutLines.isEmpty(), "nothing on stdout: " + c.stdoutLines);
        }
    }
}
