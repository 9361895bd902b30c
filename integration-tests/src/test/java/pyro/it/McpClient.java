package pyro.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import pyro.core.internal.Json;

/** A minimal MCP client over real stdio against the packaged {@code pyro mcp serve}. */
final class McpClient implements AutoCloseable {
    private final Process process;
    private final OutputStream in;
    private final BufferedReader out;
    private int nextId = 1;
    /** The notifications the server sent while requests were waiting for their replies, in order. */
    final List<Map<String, Object>> notifications = new java.util.ArrayList<>();
    /** The ids of replies read while waiting for another request's reply. */
    final List<Object> otherReplies = new java.util.ArrayList<>();

    McpClient(Path stateDir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Cli.dist().resolve("bin/pyro").toString(), "mcp", "serve", "--profile",
                "workspace-full")
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Cli.env(pb.environment(), stateDir);
        process = pb.start();
        in = process.getOutputStream();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Map<String, Object> init = request("initialize", Map.of("protocolVersion", "2025-06-18",
                "capabilities", Map.of(), "clientInfo", Map.of("name", "pyro-it", "version", "1")));
        if (!init.containsKey("result")) {
            throw new IOException("initialize failed: " + init);
        }
        send(Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
    }

    private void send(Map<String, Object> msg) throws IOException {
        in.write((Json.writeCompact(msg) + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    Map<String, Object> request(String method, Map<String, Object> params) throws IOException {
        return await(start(method, params));
    }

    /** Sends a request without waiting for its reply; returns its id. */
    int start(String method, Map<String, Object> params) throws IOException {
        int id = nextId++;
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("jsonrpc", "2.0");
        msg.put("id", id);
        msg.put("method", method);
        msg.put("params", params);
        send(msg);
        return id;
    }

    /** Sends a notification. */
    void notify(String method, Map<String, Object> params) throws IOException {
        send(Map.of("jsonrpc", "2.0", "method", method, "params", params));
    }

    /** Reads until the reply to {@code id}, noting other replies and notifications on the way. */
    Map<String, Object> await(int id) throws IOException {
        while (true) {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).orTimeout(600, TimeUnit.SECONDS).join();
            if (line == null) {
                throw new IOException("the MCP server closed stdout");
            }
            Map<String, Object> reply = Json.readMap(line);
            if (reply.get("id") instanceof Number n && n.intValue() == id) {
                return reply;
            }
            if (reply.containsKey("id") && !reply.containsKey("method")) {
                otherReplies.add(reply.get("id"));
            }
            if (!reply.containsKey("id") && reply.containsKey("method")) {
                notifications.add(reply);
            }
        }
    }

    /** tools/call; returns the result object (content, isError, structuredContent). */
    @SuppressWarnings("unchecked")
    Map<String, Object> call(String tool, Map<String, Object> args) throws IOException {
        Map<String, Object> r = request("tools/call", Map.of("name", tool, "arguments", args));
        return (Map<String, Object>) r.get("result");
    }

    /** tools/call asking for progress notifications with {@code token}. */
    @SuppressWarnings("unchecked")
    Map<String, Object> callWithProgress(String tool, Map<String, Object> args, Object token) throws IOException {
        Map<String, Object> r = request("tools/call", Map.of("name", tool, "arguments", args,
                "_meta", Map.of("progressToken", token)));
        return (Map<String, Object>) r.get("result");
    }

    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> result) {
        List<Map<String, Object>> content = (List<Map<String, Object>>) result.get("content");
        return content.getFirst().get("text").toString();
    }

    @Override
    public void close() throws Exception {
        in.close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
