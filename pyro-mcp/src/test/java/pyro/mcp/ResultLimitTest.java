package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.model.FileContent;
import pyro.core.model.RunResult;

/**
 * The default result limit fits the smallest host (Codex keeps 10 KiB or 256 lines of a tool result):
 * a vm_run record with 3 MB of output, built in process from the real pyro.core record and sent
 * through ToolRunner's result path as the server sends it, comes out under 10,240 bytes and 256
 * lines with its head and tail and one line saying what was cut and how to get the rest. (The same
 * over a real MCP client and a real command is McpResultLimitHostProcessTest in host-tests.)
 */
class ResultLimitTest {
    static final ToolRunner RUNNER = OutputBudgetTest.RUNNER;

    static int bytes(CallToolResult r) {
        return OutputBudgetTest.text(r).getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void aVmRunOf3MegabytesIsUnder10240BytesAnd256LinesByDefault() {
        String stdout = OutputBudgetTest.big(3_000_000, "OUT");
        RunResult record = OutputBudgetTest.run(stdout, OutputBudgetTest.big(400_000, "ERR"));
        CallToolResult r = OutputBudgetTest.shaped("vm_run", record, 20_000);
        assertTrue(Budget.lines(OutputBudgetTest.structured(r)) > 256, "a character budget alone lets lines through");

        CallToolResult fit = RUNNER.success(OutputBudgetTest.tool("vm_run"), record, ResultLimit.DEFAULT);
        OutputBudgetTest.assertValid("vm_run", fit);
        Map<String, Object> m = OutputBudgetTest.structured(fit);
        long lines = Budget.lines(m);
        assertTrue(bytes(fit) <= 10_240, "bytes " + bytes(fit));
        assertTrue(lines <= 256, "lines " + lines);
        assertTrue(bytes(fit) > 6_000, "the limit is used, not wasted: " + bytes(fit));
        String out = (String) m.get("stdout");
        assertTrue(out.startsWith("FIRST-OUT\nline 0 of the output\n") && out.endsWith("LAST-OUT\n"), out);
        List<String> markers = out.lines().filter(l -> l.startsWith("[... ")).toList();
        assertEquals(1, markers.size(), "the cut is said in one line: " + out);
        assertTrue(markers.getFirst().contains("characters cut") && markers.getFirst().contains("workspace_exec")
                && markers.getFirst().contains("output_budget_chars"), "and how to read the rest: " + markers);
        assertEquals(true, m.get("stdout_truncated"));
        assertEquals(true, m.get("stderr_truncated"));
        System.out.println("vm_run of 3,000,000 characters of stdout: " + bytes(fit) + " bytes, " + lines
                + " lines by default; marker: " + markers.getFirst());
    }

    @Test
    void multiByteOutputIsMeasuredInBytesNotCharacters() {
        String wide = "ü€😀 ".repeat(200_000);
        CallToolResult fit = RUNNER.success(OutputBudgetTest.tool("vm_run"), OutputBudgetTest.run(wide, ""),
                ResultLimit.DEFAULT);
        assertTrue(bytes(fit) <= 10_240, "bytes " + bytes(fit));
        String out = (String) OutputBudgetTest.structured(fit).get("stdout");
        assertTrue(out.startsWith("ü€😀") && out.endsWith("😀 "), "no surrogate pair is split");
    }

    @Test
    void aServerLimitInCharactersLetsMoreThrough() {
        RunResult record = OutputBudgetTest.run(OutputBudgetTest.big(3_000_000, "OUT"), "");
        CallToolResult big = RUNNER.success(OutputBudgetTest.tool("vm_run"), record, ResultLimit.serverOption(60_000));
        assertTrue(OutputBudgetTest.text(big).length() <= 60_000 && OutputBudgetTest.text(big).length() > 50_000);
        assertTrue(Budget.lines(OutputBudgetTest.structured(big)) > 256, "no line cap when the host takes more");
    }

    @Test
    void aFileReadByDefaultFitsWithoutBeingCut() {
        Args mcp = new Args(OutputBudgetTest.tool("workspace_file_read"), Map.of("workspace_id", "ws-1", "path", "a"));
        assertEquals(Tools.FILE_READ_LIMIT, Tools.readLimit(mcp), "the HTTP API reads as before");
        assertEquals(Tools.MCP_FILE_READ_LIMIT, Tools.readLimit(mcp.withLimit(ResultLimit.DEFAULT)));
        assertEquals(Tools.FILE_READ_LIMIT, Tools.readLimit(mcp.withLimit(ResultLimit.serverOption(50_000))));
        String text = "    some_code(with, arguments); // 40 c\n".repeat(Tools.MCP_FILE_READ_LIMIT / 40); // 200 lines
        assertEquals(Tools.MCP_FILE_READ_LIMIT, text.length());
        FileContent fc = new FileContent("ws-0123456789ab", "src/a.c", 100_000, "0".repeat(64), 0, text.length(),
                false, false, "text", text, null, null, null);
        CallToolResult r = RUNNER.success(OutputBudgetTest.tool("workspace_file_read"), fc, ResultLimit.DEFAULT);
        assertEquals(text, OutputBudgetTest.structured(r).get("content"), "a default-sized read is whole");
    }
}
