package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import pyro.core.model.DiffEntry;
import pyro.core.model.DiffResult;
import pyro.core.model.ExecResult;
import pyro.core.model.JsonRecord;
import pyro.core.model.RunResult;
import pyro.core.model.ServiceLogs;
import pyro.core.model.ShellRead;
import pyro.core.model.WorkspaceLogs;

/**
 * The output budget, in process: tool results that need a guest (vm_run, workspace_exec, service_logs,
 * shell_read, workspace_diff, workspace_logs) are built by hand from the real pyro.core records and
 * go through ToolRunner's result path, exactly as the server sends them.
 */
class OutputBudgetTest {
    static final McpJsonMapper MAPPER = McpJsonDefaults.getMapper();
    static final JsonSchemaValidator VALIDATOR = McpJsonDefaults.getSchemaValidator();
    static final ToolRunner RUNNER = new ToolRunner(() -> {
        throw new AssertionError("no SDK client in these tests");
    }, MAPPER);

    /** A budget a call may ask for with output_budget_chars (the server's own default is ResultLimit.DEFAULT). */
    static final int CHARS = 20_000;

    static ToolDef tool(String name) {
        return ToolRunnerTest.tool(name);
    }

    static String text(CallToolResult r) {
        return ((TextContent) r.content().getFirst()).text();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> structured(CallToolResult r) {
        return (Map<String, Object>) r.structuredContent();
    }

    /** 3 MB of numbered lines with a recognisable first and last line. */
    static String big(int chars, String tag) {
        StringBuilder b = new StringBuilder(chars + 100);
        b.append("FIRST-").append(tag).append('\n');
        for (int i = 0; b.length() < chars - 20; i++) {
            b.append("line ").append(i).append(" of the output\n");
        }
        b.append("LAST-").append(tag).append('\n');
        return b.toString();
    }

    static ExecResult exec(String stdout, String stderr) {
        return new ExecResult("ws-0123456789ab", 7, List.of("sh", "-lc", "make test"), "/workspace", 0, stdout,
                stderr, 1234, false, false, false);
    }

    static RunResult run(String stdout, String stderr) {
        return new RunResult("debian:12", "qemu", "kvm", 900, 2100, exec(stdout, stderr));
    }

    static CallToolResult shaped(String tool, JsonRecord record, int budget) {
        CallToolResult r = RUNNER.success(tool(tool), record, budget);
        assertFalse(r.isError());
        assertValid(tool, r);
        return r;
    }

    /** The text is compact JSON, structuredContent is the same object, and both fit the tool's outputSchema. */
    static void assertValid(String tool, CallToolResult r) {
        String t = text(r);
        assertFalse(t.startsWith("{\n") || t.contains("\" : "), "compact JSON: " + t.substring(0, Math.min(80, t.length())));
        try {
            assertEquals(MAPPER.readValue(t, Map.class), r.structuredContent(), "structuredContent is the text's object");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        var v = VALIDATOR.validate(tool(tool).outputSchema(), r.structuredContent());
        assertTrue(v.valid(), tool + ": " + v.errorMessage());
    }

    @Test
    void vmRunOf3MegabytesStdoutBuiltInProcessFitsTheDefaultBudgetWithHeadTailMarkerAndFlags() {
        String stdout = big(3_000_000, "OUT");
        RunResult record = run(stdout, "a warning\n");
        assertTrue(record.toJson().length() > 3_000_000, "unbudgeted, the record is the whole output");

        CallToolResult r = shaped("vm_run", record, CHARS);
        String t = text(r);
        assertTrue(t.length() <= CHARS, "length " + t.length());
        Map<String, Object> m = structured(r);
        String out = (String) m.get("stdout");
        assertTrue(out.startsWith("FIRST-OUT\nline 0 of the output\n"), out.substring(0, 40));
        assertTrue(out.endsWith("LAST-OUT\n"), out.substring(out.length() - 40));
        assertEquals(true, m.get("stdout_truncated"));
        long dropped = ((Number) m.get("stdout_dropped_chars")).longValue();
        assertTrue(dropped > 2_900_000 && dropped < 3_000_000, "dropped " + dropped);
        System.out.println("vm_run of " + stdout.length() + " characters of stdout: unbudgeted " + record.toJson().length()
                + " characters, budgeted " + t.length() + ", stdout_dropped_chars " + dropped + "; marker: "
                + out.substring(out.indexOf("\n[... ") + 1, out.indexOf(" ...]\n") + 5));
        assertTrue(out.contains("[... " + Budget.fmt(dropped) + " characters cut ("), out);
        assertTrue(out.contains("output_budget_chars"), "the marker says how to get more");
        int marker = out.indexOf("\n[... ");
        assertEquals(stdout.length() - dropped, out.length() - (out.indexOf(" ...]\n", marker) + 6 - marker),
                "kept + dropped = the whole output");
        assertEquals("a warning\n", m.get("stderr"), "a small field is kept whole");
        assertNull(m.get("stderr_dropped_chars"));
        assertEquals(false, m.get("stderr_truncated"));
        assertEquals(0, ((Number) m.get("exit_code")).intValue(), "the other fields are untouched");
        assertEquals("debian:12", m.get("environment"));
    }

    @Test
    void aRaisedBudgetKeepsMoreAndTheHardCapHolds() {
        CallToolResult r = shaped("vm_run", run(big(3_000_000, "OUT"), ""), Budget.MAX_CHARS);
        int length = text(r).length();
        assertTrue(length <= Budget.MAX_CHARS && length > Budget.MAX_CHARS - 2_000, "length " + length);
        CallToolResult small = shaped("workspace_exec", exec(big(50_000, "OUT"), ""), Budget.MIN_CHARS);
        assertTrue(text(small).length() <= Budget.MIN_CHARS, "length " + text(small).length());
    }

    @Test
    void twoBigStreamsShareTheBudgetAndBothAreFlagged() {
        CallToolResult r = shaped("workspace_exec", exec(big(3_000_000, "OUT"), big(1_000_000, "ERR")),
                CHARS);
        Map<String, Object> m = structured(r);
        assertTrue(text(r).length() <= CHARS, "length " + text(r).length());
        for (String f : List.of("stdout", "stderr")) {
            assertEquals(true, m.get(f + "_truncated"), f);
            assertTrue(((Number) m.get(f + "_dropped_chars")).longValue() > 900_000, f);
            assertTrue(((String) m.get(f)).contains("workspace_export"), "exec hint names the export");
        }
        assertTrue(((String) m.get("stderr")).endsWith("LAST-ERR\n"));
        int a = ((String) m.get("stdout")).length();
        int b = ((String) m.get("stderr")).length();
        assertTrue(Math.abs(a - b) < 200, "even shares: " + a + " vs " + b);
    }

    @Test
    void escapedCharactersCountAsTheirJsonText() {
        // a control character is six characters of JSON (\\u0001): the budget is on the text sent
        String noisy = "\u0001".repeat(500_000) + "\u001b[0m" + "\t".repeat(100_000);
        CallToolResult r = shaped("workspace_exec", exec(noisy, ""), CHARS);
        assertTrue(text(r).length() <= CHARS, "length " + text(r).length());
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String emoji = "\uD83D\uDE00".repeat(400_000);
        for (int budget : new int[] {Budget.MIN_CHARS, 2_001, 5_003, CHARS}) {
            CallToolResult r = shaped("workspace_exec", exec(emoji, ""), budget);
            String out = (String) structured(r).get("stdout");
            for (int i = 0; i < out.length(); i++) {
                char c = out.charAt(i);
                if (Character.isHighSurrogate(c)) {
                    assertTrue(i + 1 < out.length() && Character.isLowSurrogate(out.charAt(i + 1)), "at " + i);
                    i++;
                } else {
                    assertFalse(Character.isLowSurrogate(c), "lone low surrogate at " + i + " (budget " + budget + ")");
                }
            }
            assertTrue(text(r).length() <= budget, budget + ": " + text(r).length());
        }
    }

    @Test
    void aResultWithinTheBudgetIsUnchanged() {
        RunResult record = run("hello\n", "");
        CallToolResult r = shaped("vm_run", record, CHARS);
        Map<String, Object> expected = record.toMap();
        assertEquals(Budget.compact(MAPPER, expected), text(r));
        assertFalse(structured(r).containsKey("stdout_dropped_chars"));
    }

    @Test
    void serviceLogsBuiltInProcessKeepTheEndsAndPointAtTheCursors() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("service_name", "web");
        fields.put("stdout", big(2_000_000, "LOG"));
        fields.put("stderr", "");
        fields.put("stdout_offset", 2_000_000);
        fields.put("stderr_offset", 0);
        fields.put("truncated", false);
        CallToolResult r = shaped("service_logs", new ServiceLogs("ws-0123456789ab", fields), CHARS);
        Map<String, Object> m = structured(r);
        assertTrue(text(r).length() <= CHARS);
        String out = (String) m.get("stdout");
        assertTrue(out.startsWith("FIRST-LOG") && out.endsWith("LAST-LOG\n"));
        assertTrue(out.contains("after=STDOUT_OFFSET:STDERR_OFFSET") && out.contains("tail_lines"), out);
        assertEquals(2_000_000, ((Number) m.get("stdout_offset")).intValue(), "cursors are untouched");
    }

    @Test
    void shellReadAsksTheGuestForNoMoreThanTheBudgetAndCutsOnlyAsALastResort() {
        Args dflt = new Args(tool("shell_read"), Map.of("workspace_id", "ws-1", "shell_id", "sh-1"));
        assertEquals(CHARS - 1_000, Tools.shellReadChars(dflt), "a face without a result limit (HTTP), as before");
        Args mcp = new Args(tool("shell_read"), Map.of("workspace_id", "ws-1", "shell_id", "sh-1"))
                .withLimit(ResultLimit.DEFAULT);
        assertEquals(ResultLimit.DEFAULT.bytes() / 2, Tools.shellReadChars(mcp), "under the line cap: half the bytes");
        Args asked = new Args(tool("shell_read"), Map.of("workspace_id", "ws-1", "shell_id", "sh-1",
                "output_budget_chars", CHARS));
        assertEquals(CHARS - 1_000, Tools.shellReadChars(asked));
        Args raised = new Args(tool("shell_read"), Map.of("workspace_id", "ws-1", "shell_id", "sh-1",
                "output_budget_chars", 100_000));
        assertEquals(65_536, Tools.shellReadChars(raised), "max_chars is the read's own limit");
        Args few = new Args(tool("shell_read"), Map.of("workspace_id", "ws-1", "shell_id", "sh-1", "max_chars", 10));
        assertEquals(10, Tools.shellReadChars(few));

        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("shell_id", "sh-1");
        fields.put("output", "\u001b[1m".repeat(19_000)); // 19,000 characters read, 6 times that as JSON
        fields.put("cursor", 100);
        fields.put("next_cursor", 76_100);
        fields.put("truncated", true);
        fields.put("state", "running");
        CallToolResult r = shaped("shell_read", new ShellRead("ws-1", fields), CHARS);
        assertTrue(text(r).length() <= CHARS);
        assertTrue(((String) structured(r).get("output")).contains("from this result's cursor"));
    }

    @Test
    void guestRecordsBuiltInProcessWithTheNullsABoxedAgentReplyCanCarryStillValidate() {
        // service logs of one stream; a shell read of an exited shell; a failed service record
        Map<String, Object> logs = new LinkedHashMap<>();
        logs.put("service_name", "web");
        logs.put("stdout", "ok\n");
        logs.put("stderr", null);
        logs.put("stdout_offset", 3);
        logs.put("stderr_offset", null);
        logs.put("truncated", null);
        shaped("service_logs", new ServiceLogs("ws-1", logs), CHARS);
        Map<String, Object> read = new LinkedHashMap<>();
        read.put("shell_id", "sh-1");
        read.put("output", null);
        read.put("cursor", 0);
        read.put("next_cursor", null);
        read.put("truncated", false);
        read.put("state", "exited");
        shaped("shell_read", new ShellRead("ws-1", read), CHARS);
        Map<String, Object> svc = new LinkedHashMap<>();
        svc.put("service_name", "web");
        svc.put("command", List.of("sh", "-lc", "python3 -m http.server"));
        svc.put("state", "failed");
        svc.put("pid", null);
        svc.put("exit_code", 1);
        svc.put("signal", null);
        svc.put("stop_reason", "exited_before_ready");
        svc.put("readiness", Map.of("type", "http", "url", "http://127.0.0.1:8000/", "attempts", 3));
        svc.put("last_stdout", "");
        svc.put("log_offsets", Map.of("stdout_start", 0, "stderr_start", 0));
        shaped("service_status", new pyro.core.model.ServiceInfo("ws-1", svc), CHARS);

        // and a record that breaks its schema is caught (the SDK would turn it into an error result)
        Map<String, Object> broken = new LinkedHashMap<>(logs);
        broken.put("stdout_offset", "three");
        var v = VALIDATOR.validate(tool("service_logs").outputSchema(), new ServiceLogs("ws-1", broken).toMap());
        assertFalse(v.valid(), "a string offset must not validate");
    }

    @Test
    void longListsKeepTheirFirstAndLastItemsAndCountStaysTrue() {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 1; i <= 10_000; i++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("sequence", i);
            e.put("command", List.of("sh", "-lc", "make test " + i));
            e.put("cwd", "/workspace");
            e.put("exit_code", 0);
            e.put("timed_out", false);
            e.put("started_at", "2026-12-01T12:00:00Z");
            e.put("duration_ms", 12);
            entries.add(e);
        }
        CallToolResult r = shaped("workspace_logs", new WorkspaceLogs("ws-1", entries), CHARS);
        Map<String, Object> m = structured(r);
        assertTrue(text(r).length() <= CHARS, "length " + text(r).length());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> kept = (List<Map<String, Object>>) m.get("entries");
        assertEquals(10_000, ((Number) m.get("count")).intValue());
        assertEquals(1, ((Number) kept.getFirst().get("sequence")).intValue());
        assertEquals(10_000, ((Number) kept.getLast().get("sequence")).intValue());
        assertEquals(true, m.get("entries_truncated"));
        assertEquals(10_000 - kept.size(), ((Number) m.get("entries_dropped_items")).intValue());
        assertTrue(kept.size() > 50, "kept " + kept.size());
    }

    @Test
    void aBigDiffCutsPatchAndEntriesTogether() {
        List<DiffEntry> entries = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            entries.add(new DiffEntry("src/file" + i + ".txt", "modified", false));
        }
        CallToolResult r = shaped("workspace_diff", new DiffResult("ws-1", entries, big(1_000_000, "PATCH")),
                CHARS);
        Map<String, Object> m = structured(r);
        assertTrue(text(r).length() <= CHARS, "length " + text(r).length());
        assertEquals(true, m.get("patch_truncated"));
        assertEquals(true, m.get("entries_truncated"));
        assertEquals(5_000L, ((Number) ((Map<?, ?>) m.get("summary")).get("modified")).longValue());
    }

    @Test
    void anOutOfRangeBudgetIsRefusedBeforeTheSdkIsTouched() {
        AtomicInteger made = new AtomicInteger();
        ToolRunner runner = new ToolRunner(() -> {
            made.incrementAndGet();
            throw new IllegalStateException("unexpected");
        }, MAPPER);
        for (int bad : new int[] {0, 1_999, 100_001}) {
            CallToolResult r = runner.call(tool("vm_run"), Map.of("environment", "debian:12", "command", "true",
                    "output_budget_chars", bad));
            assertTrue(r.isError());
            assertEquals("argument 'output_budget_chars' for vm_run must be between 2000 and 100000, got " + bad + ".",
                    text(r));
        }
        assertEquals(0, made.get());
    }

    @Test
    void theSmallestBudgetHoldsForExecRecordsWithTwoHugeStreams() {
        for (String t : List.of("vm_run", "vm_exec", "workspace_exec")) {
            JsonRecord r = t.equals("vm_run") ? run(big(500_000, "O"), big(500_000, "E")) : exec(big(500_000, "O"),
                    big(500_000, "E"));
            CallToolResult c = shaped(t, r, Budget.MIN_CHARS);
            assertTrue(text(c).length() <= Budget.MIN_CHARS, t + ": " + text(c).length());
            assertEquals(true, structured(c).get("stderr_truncated"), t);
        }
    }

    @Test
    void everyBudgetedFieldIsInItsToolsOutputSchema() {
        for (ToolDef t : Tools.all()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> props = (Map<String, Object>) t.outputSchema().get("properties");
            for (Budget.Cut c : t.cuts()) {
                assertTrue(props.containsKey(c.field() + "_truncated"), t.name() + "." + c.field());
            }
            assertEquals(!t.cuts().isEmpty(), t.inputSchema().toString().contains("output_budget_chars"), t.name());
        }
    }
}
