package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import io.modelcontextprotocol.json.McpJsonDefaults;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The guard's reply side, in process: once the input checks run, no request known to reach the SDK still
 * makes it answer -32603, so the rewrite of leaky SDK error text is driven here with the SDK's own reply
 * shape (message, then newline, as two writes).
 */
class StdioGuardTest {
    static final String LEAKY = "tools.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of "
            + "type `java.util.LinkedHashMap` (through reference chain: io.modelcontextprotocol.spec.McpSchema$X)";

    @Test
    void sdkInternalErrorTextWithJavaClassNamesIsRewrittenToOneSentenceNamingTheMethod() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        CountDownLatch ended = new CountDownLatch(1);
        StdioGuard guard = new StdioGuard(McpJsonDefaults.getMapper(), Set.of("vm_list_environments"), () -> 0,
                ended::countDown);
        OutputStream sdkOut = guard.output(wire);
        PipedOutputStream stdin = new PipedOutputStream();
        var sdkIn = new BufferedReader(new InputStreamReader(guard.input(new PipedInputStream(stdin)),
                StandardCharsets.UTF_8));

        String request = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"vm_list_environments\",\"arguments\":{}}}";
        stdin.write((request + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        Map<String, Object> passed = JSON.std.mapFrom(sdkIn.readLine());
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) passed.get("params");
        assertEquals(Map.of(Cancellations.META_KEY, "3"), params.remove("_meta"), "tagged with its id for cancelling");
        assertEquals(JSON.std.mapFrom(request), passed, "otherwise a good line reaches the SDK as it was");

        String reply = JSON.std.asString(Map.of("jsonrpc", "2.0", "id", 3,
                "error", Map.of("code", -32603, "message", LEAKY, "data", "MismatchedInputException: " + LEAKY)));
        sdkOut.write(reply.getBytes(StandardCharsets.UTF_8));
        sdkOut.write("\n".getBytes(StandardCharsets.UTF_8));
        sdkOut.flush();

        String written = wire.toString(StandardCharsets.UTF_8);
        assertTrue(written.endsWith("\n") && written.indexOf('\n') == written.length() - 1, written);
        Map<String, Object> m = JSON.std.mapFrom(written);
        assertEquals(3, ((Number) m.get("id")).intValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) m.get("error");
        assertEquals(-32603, ((Number) error.get("code")).intValue());
        String message = (String) error.get("message");
        assertTrue(message.contains("'tools/call'"), message);
        assertFalse(McpServerHostileInputTest.JAVA_TEXT.matcher(message).find(), message);
        assertFalse(error.containsKey("data"), String.valueOf(error));

        stdin.close();
        assertTrue(ended.await(10, TimeUnit.SECONDS), "end of input is signalled");
        assertEquals(null, sdkIn.readLine(), "then the SDK sees end of input");
    }

    @Test
    void plainRepliesPassUnchanged() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        StdioGuard guard = new StdioGuard(McpJsonDefaults.getMapper(), Set.of(), () -> 0, () -> {});
        OutputStream sdkOut = guard.output(wire);
        String lines = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":[1,2.5,\"\\u00e9\"]}}\n"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,\"message\":\"Method not found: x\"}}\n";
        sdkOut.write(lines.getBytes(StandardCharsets.UTF_8));
        assertEquals(lines, wire.toString(StandardCharsets.UTF_8));
    }

    /** Issue 23 row 9, the guard's part: a cancelled call is reported by id and its reply is never written. */
    @Test
    void aCancelledRequestIsReportedAndItsReplyIsNotWrittenWhileOthersAre() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        java.util.List<String> cancelled = new java.util.concurrent.CopyOnWriteArrayList<>();
        StdioGuard guard = new StdioGuard(McpJsonDefaults.getMapper(), Set.of("workspace_exec"), () -> 0, () -> {},
                cancelled::add);
        OutputStream sdkOut = guard.output(wire);
        PipedOutputStream stdin = new PipedOutputStream();
        var sdkIn = new BufferedReader(new InputStreamReader(guard.input(new PipedInputStream(stdin)),
                StandardCharsets.UTF_8));
        for (String id : new String[] {"5", "\"six\""}) {
            stdin.write(("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":"
                    + "\"workspace_exec\",\"arguments\":{\"workspace_id\":\"w\",\"command\":\"sleep 9\"}}}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        stdin.write(("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":5,"
                + "\"reason\":\"stop\"}}\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
                + "{\"requestId\":77}}\n{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\",\"id\":8}\n")
                .getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        assertTrue(sdkIn.readLine().contains("\"id\":5"));
        assertTrue(sdkIn.readLine().contains("\"id\":\"six\""));
        assertTrue(sdkIn.readLine().contains("tools/list"), "the cancellations themselves do not reach the SDK");
        assertEquals(java.util.List.of("5"), cancelled, "only a pending request is cancelled");

        for (String id : new String[] {"5", "\"six\"", "8"}) {
            sdkOut.write(("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{}}\n").getBytes(StandardCharsets.UTF_8));
        }
        String written = wire.toString(StandardCharsets.UTF_8);
        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":\"six\",\"result\":{}}\n{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}\n",
                written, "the reply to the cancelled request 5 is not written");
        stdin.close();
    }
}
