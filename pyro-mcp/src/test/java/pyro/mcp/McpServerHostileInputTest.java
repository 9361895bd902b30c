package pyro.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on the server's real stdin, to one server process in a child JVM: each bad line gets its
 * JSON-RPC error and the very next {@code ping} is still answered. Before the guard, the first line the
 * SDK's stdio transport could not read stopped its reader for good: no reply to that line or to any later
 * one, and no exit when stdin closed.
 */
class McpServerHostileInputTest {
    /** A ping right after a bad line must be answered within this many seconds. */
    static final long PING_BOUND_S = 5;
    /** Java internals that must never reach a client in error text. */
    static final Pattern JAVA_TEXT = Pattern.compile(
            "Exception|Cannot invoke|\\bjava\\.|tools\\.jackson|io\\.modelcontextprotocol|\\$[A-Z]|\\tat ");

    @TempDir
    static Path tmp;

    static StdioClient client;

    @BeforeAll
    static void start() throws Exception {
        client = new StdioClient(StdioClient.Mode.MODULE_PATH, Files.createDirectories(tmp.resolve("state")),
                Files.createDirectories(tmp.resolve("cache")));
        client.initialize();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
    }

    @AfterEach
    void noStackTraceOnStderr() {
        assertFalse(client.stderr().contains("\tat "), "stack trace on stderr: " + client.stderr());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> error(Map<String, Object> reply) {
        assertFalse(reply.containsKey("result"), String.valueOf(reply));
        return (Map<String, Object>) assertInstanceOf(Map.class, reply.get("error"), String.valueOf(reply));
    }

    /** The error of the reply to an unreadable line: its code, id null, and a message naming {@code named}. */
    static String assertNullIdError(int code, String named) throws Exception {
        Map<String, Object> reply = client.replyWithNullId(PING_BOUND_S);
        assertEquals("2.0", reply.get("jsonrpc"), String.valueOf(reply));
        return assertError(reply, code, named);
    }

    static String assertError(Map<String, Object> reply, int code, String named) {
        Map<String, Object> error = error(reply);
        assertEquals(code, ((Number) error.get("code")).intValue(), String.valueOf(reply));
        String message = (String) error.get("message");
        assertTrue(message.contains(named), "message names " + named + ": " + message);
        assertFalse(JAVA_TEXT.matcher(message).find(), "no Java internals: " + message);
        assertFalse(message.strip().contains("\n"), "one line: " + message);
        assertFalse(error.containsKey("data") && JAVA_TEXT.matcher(String.valueOf(error.get("data"))).find(),
                "no Java internals in data: " + error);
        return message;
    }

    /** A ping is answered, within {@link #PING_BOUND_S}. */
    static void assertPingAnswered() throws Exception {
        long start = System.nanoTime();
        Map<String, Object> pong = client.reply(client.sendRequest("ping", Map.of()), PING_BOUND_S);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Map.of(), pong.get("result"), String.valueOf(pong));
        assertTrue(ms < PING_BOUND_S * 1000, "ping took " + ms + " ms");
    }

    @Test
    void garbageLineMadeTheServerDeaf() throws Exception {
        client.sendLine("garbage");
        assertNullIdError(-32700, "garbage");
        assertPingAnswered();
    }

    @Test
    void jsonArrayLineMadeTheServerDeaf() throws Exception {
        client.sendLine("[1,2,3]");
        String message = assertNullIdError(-32600, "array");
        assertTrue(message.contains("batch"), message);
        assertPingAnswered();
    }

    @Test
    void jsonNullLineMadeTheServerDeaf() throws Exception {
        client.sendLine("null");
        assertNullIdError(-32600, "null");
        assertPingAnswered();
    }

    @Test
    void truncatedJsonLineMadeTheServerDeaf() throws Exception {
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":1,");
        String message = assertNullIdError(-32700, "{\"jsonrpc\":\"2.0\",\"id\":1,");
        assertTrue(message.contains("ends in the middle"), message);
        assertPingAnswered();
    }

    @Test
    void twoJsonObjectsOnOneLineMadeTheServerDeaf() throws Exception {
        int id = 900;
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}"
                + "{\"jsonrpc\":\"2.0\",\"id\":" + (id + 1) + ",\"method\":\"ping\"}");
        String message = assertNullIdError(-32700, "more than one JSON value");
        assertTrue(message.contains("\"id\":" + id), message);
        assertPingAnswered();
        assertTrue(client.unclaimed().stream().noneMatch(m -> m.get("id") instanceof Number n
                && (n.intValue() == id || n.intValue() == id + 1)), "neither half was run: " + client.unclaimed());
    }

    @Test
    void stringToolArgumentsWereAnInternalErrorWithJacksonText() throws Exception {
        Map<String, Object> reply = client.request("tools/call", Map.of("name", "vm_list_environments",
                "arguments", "x"));
        String message = assertError(reply, -32602, "\"x\"");
        assertTrue(message.contains("'arguments'"), message);
        assertPingAnswered();
    }

    @Test
    void toolsCallWithoutParamsWasAnInternalErrorWithNullPointerText() throws Exception {
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":907,\"method\":\"tools/call\"}");
        assertError(client.reply(907, PING_BOUND_S), -32602, "'params' is missing");
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":901,\"method\":\"initialize\"}");
        assertError(client.reply(901, PING_BOUND_S), -32602, "'params' is missing");
        assertPingAnswered();
    }

    @Test
    void unknownToolIsInvalidParamsNamingIt() throws Exception {
        Map<String, Object> reply = client.request("tools/call", Map.of("name", "no_such_tool", "arguments", Map.of()));
        assertError(reply, -32602, "'no_such_tool'");
        assertPingAnswered();
    }

    @Test
    void wronglyTypedInitializeMemberWasAnInternalErrorWithJacksonText() throws Exception {
        Map<String, Object> reply = client.request("initialize", Map.of("protocolVersion", "2025-06-18",
                "capabilities", Map.of("roots", 5), "clientInfo", Map.of("name", "t", "version", "1")));
        assertError(reply, -32602, "'capabilities.roots'");
        assertPingAnswered();
    }

    @Test
    void invalidJsonRpcObjectsMadeTheServerDeaf() throws Exception {
        client.sendLine("{}");
        assertNullIdError(-32600, "'jsonrpc'");
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":5}");
        assertNullIdError(-32600, "neither");
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}");
        assertNullIdError(-32600, "'id'");
        client.sendLine("{\"jsonrpc\":\"1.0\",\"id\":902,\"method\":\"ping\"}");
        assertError(client.reply(902, PING_BOUND_S), -32600, "\"1.0\"");
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":903,\"method\":7}");
        assertError(client.reply(903, PING_BOUND_S), -32600, "'method'");
        assertPingAnswered();
    }

    @Test
    void blankLineMadeTheServerDeaf() throws Exception {
        client.sendLine("");
        client.sendLine("   ");
        assertPingAnswered();
        assertTrue(client.unclaimed().stream().noneMatch(m -> m.containsKey("error")),
                "blank lines are not answered: " + client.unclaimed());
    }

    @Test
    void carriageReturnInsideALineSplitItInTwo() throws Exception {
        client.sendLine("{\"jsonrpc\":\"2.0\",\r\"id\":904,\"method\":\"ping\"}");
        assertEquals(Map.of(), client.reply(904, PING_BOUND_S).get("result"));
        client.sendLine("{\"jsonrpc\":\"2.0\",\"id\":905,\"method\":\"ping\"}\r");
        assertEquals(Map.of(), client.reply(905, PING_BOUND_S).get("result"));
        assertPingAnswered();
    }

    @Test
    void lineOverTheSdkSizeLimitMadeTheServerDeaf() throws Exception {
        // Its own server: a deaf one stops reading stdin, and this line does not fit in the pipe.
        try (StdioClient own = new StdioClient(StdioClient.Mode.MODULE_PATH,
                Files.createDirectories(tmp.resolve("state-long")), Files.createDirectories(tmp.resolve("cache-long")))) {
            own.initialize();
            String huge = "{\"jsonrpc\":\"2.0\",\"id\":906,\"method\":\"ping\",\"params\":{\"pad\":\""
                    + "a".repeat(StdioGuard.MAX_LINE_BYTES) + "\"}}";
            own.sendLine(huge, 30);
            Map<String, Object> reply = own.replyWithNullId(PING_BOUND_S);
            assertError(reply, -32600, "longer than");
            assertEquals(Map.of(), own.reply(own.sendRequest("ping", Map.of()), PING_BOUND_S).get("result"));
            assertFalse(own.stderr().contains("\tat "), own.stderr());
        }
    }

    @Test
    void exitsPromptlyWhenStdinClosesAfterABadLine() throws Exception {
        try (StdioClient own = new StdioClient(StdioClient.Mode.MODULE_PATH,
                Files.createDirectories(tmp.resolve("state-eof")), Files.createDirectories(tmp.resolve("cache-eof")))) {
            own.initialize();
            own.sendLine("garbage");
            own.replyWithNullId(PING_BOUND_S);
            assertExitsWithin5s(own);
        }
    }

    @Test
    void exitsPromptlyWhenStdinClosesWhileIdle() throws Exception {
        try (StdioClient own = new StdioClient(StdioClient.Mode.MODULE_PATH,
                Files.createDirectories(tmp.resolve("state-idle")), Files.createDirectories(tmp.resolve("cache-idle")))) {
            own.initialize();
            Thread.sleep(500);
            assertExitsWithin5s(own);
        }
    }

    static void assertExitsWithin5s(StdioClient own) throws Exception {
        long start = System.nanoTime();
        assertEquals(0, own.closeAndWait(5), own.stderr());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 5_000, "exit took " + ms + " ms");
        assertTrue(List.copyOf(own.stdoutLines).stream().allMatch(l -> l.startsWith("{\"jsonrpc\":\"2.0\"")),
                "only JSON-RPC on stdout: " + own.stdoutLines);
    }
}
