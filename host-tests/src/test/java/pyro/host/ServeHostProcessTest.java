package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.protocol.archive.TarWriter;
import pyro.serve.Server;

/**
 * {@code pyro serve}'s HTTP API over real sockets with a real HTTP client, over the SDK with the real
 * agent as a host process (no VM): the token, the error record and its status for every kind of bad
 * input, a seed uploaded as a tar, exec, files, diff, export as a download, services, shells, and a
 * server that keeps serving after each of them. The same routes against real guests, and through the
 * Python SDK, are in the integration tests.
 */
class ServeHostProcessTest {
    static final String TOKEN = "test-token-0123456789abcdef";
    static Path state;
    static Server server;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();
    static String ws;

    @BeforeAll
    static void start() throws Exception {
        state = HostProcess.stateDir("serve");
        Pyro pyro = HostProcess.pyro(state);
        server = Server.start(new Server.Options("127.0.0.1:0", true, null, 1 << 20), pyro.config(), () -> pyro, TOKEN,
                System.err);
        base = server.url();
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(tar)) {
            w.writeFile("README.md", 0644, 0, "hello\n".getBytes(StandardCharsets.UTF_8));
            w.writeDirectory("src", 0755, 0);
            w.writeFile("src/app.py", 0644, 0, "print('app')\n".getBytes(StandardCharsets.UTF_8));
            w.finish();
        }
        HttpResponse<String> r = send("POST", "/v1/workspaces?environment=" + HostProcessBackend.ENV
                + "&mem_mib=256&name=served", "application/x-tar", tar.toByteArray(), TOKEN);
        assertEquals(201, r.statusCode(), r.body());
        Map<String, Object> created = json(r);
        ws = (String) created.get("workspace_id");
        assertEquals("started", created.get("state"), r.body());
        assertTrue(r.body().contains("\"upload\"") && !r.body().contains("/scratch/"), "no scratch path leaks: " + r.body());
    }

    @AfterAll
    static void stop() {
        if (ws != null) {
            send("DELETE", "/v1/workspaces/" + ws, null, null, TOKEN);
        }
        server.close();
    }

    static HttpResponse<String> send(String method, String path, String contentType, byte[] body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    static HttpResponse<String> post(String path, String json) {
        return send("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8), TOKEN);
    }

    static HttpResponse<String> get(String path) {
        return send("GET", path, null, null, TOKEN);
    }

    static Map<String, Object> json(HttpResponse<String> r) {
        try {
            return JSON.std.mapFrom(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    @SuppressWarnings("unchecked")
    static void assertError(HttpResponse<String> r, int status, String code, String messagePart) {
        assertEquals(status, r.statusCode(), r.body());
        Map<String, Object> e = (Map<String, Object>) json(r).get("error");
        assertEquals(code, e.get("code"), r.body());
        assertTrue(((String) e.get("message")).contains(messagePart), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void everyRequestNeedsTheToken() {
        assertError(send("GET", "/v1/workspaces", null, null, null), 401, "unauthorized", "carries no token");
        assertError(send("GET", "/v1/workspaces", null, null, "wrong-token-0123456789"), 401, "unauthorized", "wrong");
        assertError(send("GET", "/healthz", null, null, null), 401, "unauthorized", "token");
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void unknownRoutesAndMethodsGetTheErrorRecord() {
        assertError(get("/v1/nothing"), 404, "no_route", "no route GET /v1/nothing");
        HttpResponse<String> r = send("PUT", "/v1/workspaces", null, null, TOKEN);
        assertError(r, 405, "method_not_allowed", "PUT");
        assertEquals("POST, GET", r.headers().firstValue("Allow").orElse(""));
        assertError(get("/v1/workspaces/ws-000000000000"), 404, "not_found", "ws-000000000000");
    }

    @Test
    void badBodiesAreRefusedByNameAndChangeNothing() {
        int before = ((List<?>) json(get("/v1/workspaces")).get("workspaces")).size();
        assertError(post("/v1/workspaces", "{bad"), 400, "invalid_input", "not valid JSON");
        assertError(post("/v1/workspaces", "[1]"), 400, "invalid_input", "must be a JSON object, not an array");
        assertError(post("/v1/workspaces", "{\"environment\": 3}"), 400, "invalid_input", "'environment'");
        assertError(post("/v1/workspaces", "{\"environment\": \"e\", \"colour\": 1}"), 400, "invalid_input", "unknown argument 'colour'");
        assertError(post("/v1/workspaces", "{\"environment\": \"e\", \"seed_path\": \"/etc\"}"), 400, "invalid_input",
                "upload the folder as a tar body");
        assertError(post("/v1/workspaces", "{\"environment\": \"e\", \"secret_files\": {\"K\": \"/etc/hostname\"}}"), 400,
                "invalid_input", "argument 'secret_files' would name a path on the server's host");
        assertError(get("/v1/workspaces/" + ws + "/files?recursive=maybe"), 400, "invalid_input", "true or false");
        assertError(post("/v1/workspaces/" + ws + "/exec", "{\"workspace_id\": \"other\", \"command\": \"true\"}"), 400,
                "invalid_input", "in the path");
        byte[] big = new byte[17 << 20];
        assertError(send("POST", "/v1/workspaces/" + ws + "/exec", "application/json", big, TOKEN), 413, "too_large", "over");
        assertError(send("POST", "/v1/workspaces/" + ws + "/sync", "application/x-tar", new byte[(1 << 20) + 10], TOKEN), 413,
                "too_large", "--max-upload-bytes");
        assertError(send("POST", "/v1/workspaces/ws-000000000000/sync", "application/x-tar", new byte[(1 << 20) + 10], TOKEN),
                404, "not_found", "ws-000000000000");
        assertEquals(before, ((List<?>) json(get("/v1/workspaces")).get("workspaces")).size());
    }

    @Test
    void aClientThatVanishesMidBodyLeavesTheServerServing() throws Exception {
        URI u = URI.create(base);
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket(u.getHost(), u.getPort())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/workspaces/" + ws + "/exec HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"command\":").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
        assertEquals(200, get("/v1/workspaces/" + ws).statusCode());
    }

    @Test
    @SuppressWarnings("unchecked")
    void execFilesDiffAndExportAreTheSdksRecords() throws Exception {
        Map<String, Object> exec = json(post("/v1/workspaces/" + ws + "/exec", "{\"command\": \"cat README.md; echo changed >> README.md; exit 3\"}"));
        assertEquals(3, ((Number) exec.get("exit_code")).intValue(), exec.toString());
        assertEquals("hello\n", exec.get("stdout"));
        HttpResponse<String> write = send("PUT", "/v1/workspaces/" + ws + "/files/content", "application/json",
                "{\"path\": \"notes/a.txt\", \"content\": \"one\\n\"}".getBytes(StandardCharsets.UTF_8), TOKEN);
        assertEquals(200, write.statusCode(), write.body());
        Map<String, Object> read = json(get("/v1/workspaces/" + ws + "/files/content?path=notes/a.txt"));
        assertEquals("one\n", read.get("content"), read.toString());
        Map<String, Object> diff = json(get("/v1/workspaces/" + ws + "/diff"));
        String paths = diff.get("entries").toString();
        assertTrue(paths.contains("README.md") && paths.contains("notes/a.txt"), diff.toString());
        HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + ws
                + "/export?path=README.md")).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, file.statusCode());
        assertEquals("hello\nchanged\n", new String(file.body(), StandardCharsets.UTF_8));
        assertEquals("file", file.headers().firstValue("Pyro-Artifact-Type").orElse(""));
        HttpResponse<InputStream> folder = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + ws
                + "/export?path=src")).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("application/x-tar", folder.headers().firstValue("Content-Type").orElse(""));
        Path out = Files.createTempDirectory(state, "untar");
        try (InputStream in = folder.body()) {
            Path t = out.resolve("x.tar");
            Files.copy(in, t);
            assertEquals(0, new ProcessBuilder("tar", "-xf", t.toString(), "-C", out.toString()).inheritIO().start().waitFor());
        }
        assertEquals("print('app')\n", Files.readString(out.resolve("app.py")));
        assertError(get("/v1/workspaces/" + ws + "/export?path=../../etc/passwd"), 400, "invalid_input", "");
    }

    /** A command that prints a line a second arrives a line a second, then its record, over NDJSON. */
    @Test
    @SuppressWarnings("unchecked")
    void execStreamsItsOutputAsItIsProduced() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + ws + "/exec"))
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\": \"for i in 1 2 3; do echo line$i; sleep 1; done; echo oops >&2; exit 4\"}"))
                .build();
        long t0 = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertEquals("application/x-ndjson", r.headers().firstValue("Content-Type").orElse(""));
        List<Long> at = new java.util.ArrayList<>();
        List<Map<String, Object>> lines = new java.util.ArrayList<>();
        r.body().forEach(l -> {
            at.add((System.nanoTime() - t0) / 1_000_000);
            try {
                lines.add(JSON.std.mapFrom(l));
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        });
        Map<String, Object> last = lines.getLast();
        assertEquals("result", last.get("type"), lines.toString());
        Map<String, Object> result = (Map<String, Object>) last.get("result");
        assertEquals(4, ((Number) result.get("exit_code")).intValue());
        assertEquals("line1\nline2\nline3\n", result.get("stdout"));
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        for (Map<String, Object> l : lines.subList(0, lines.size() - 1)) {
            assertEquals("output", l.get("type"), l.toString());
            ("stdout".equals(l.get("stream")) ? out : err).append(l.get("text"));
        }
        assertEquals("line1\nline2\nline3\n", out.toString());
        assertEquals("oops\n", err.toString());
        assertTrue(at.getLast() - at.getFirst() >= 1500, "the first line came " + (at.getLast() - at.getFirst())
                + " ms before the result, not as it was printed: " + at);
        assertError(send("POST", "/v1/workspaces/ws-000000000000/exec", "application/json",
                "{\"command\": \"true\"}".getBytes(StandardCharsets.UTF_8), TOKEN), 404, "not_found", "ws-000000000000");
    }

    /** {@code tail -f} over HTTP: each new piece of a service's logs as it is written, then its record. */
    @Test
    @SuppressWarnings("unchecked")
    void serviceLogsFollowedUntilTheServiceEnds() throws Exception {
        assertEquals(201, post("/v1/workspaces/" + ws + "/services", "{\"service_name\": \"counter\", "
                + "\"command\": \"for i in 1 2 3; do echo n$i; sleep 0.6; done\"}").statusCode());
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + ws + "/services/counter/logs"))
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "application/x-ndjson").GET().build();
        List<Map<String, Object>> lines = new java.util.ArrayList<>();
        http.send(req, HttpResponse.BodyHandlers.ofLines()).body().forEach(l -> {
            try {
                lines.add(JSON.std.mapFrom(l));
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        });
        StringBuilder out = new StringBuilder();
        for (Map<String, Object> l : lines.subList(0, lines.size() - 1)) {
            assertEquals("logs", l.get("type"), lines.toString());
            out.append(l.get("stdout"));
        }
        assertEquals("n1\nn2\nn3\n", out.toString(), lines.toString());
        assertTrue(lines.size() >= 3, "the pieces came as written, not at the end: " + lines);
        Map<String, Object> last = lines.getLast();
        assertEquals("result", last.get("type"), last.toString());
        assertEquals("counter", ((Map<String, Object>) last.get("result")).get("service_name"));
        assertError(get("/v1/workspaces/" + ws + "/services/nope/logs"), 404, "not_found", "nope");
    }

    @Test
    @SuppressWarnings("unchecked")
    void servicesAndShellsByTheirRoutes() throws Exception {
        HttpResponse<String> started = post("/v1/workspaces/" + ws + "/services",
                "{\"service_name\": \"tick\", \"command\": \"while true; do echo tick; sleep 0.2; done\"}");
        assertEquals(201, started.statusCode(), started.body());
        assertEquals("tick", json(started).get("service_name"), started.body());
        assertTrue(((List<Map<String, Object>>) json(get("/v1/workspaces/" + ws + "/services")).get("services")).stream()
                .anyMatch(x -> "tick".equals(x.get("service_name"))));
        assertTrue(HostProcess.within(java.time.Duration.ofSeconds(10),
                () -> json(get("/v1/workspaces/" + ws + "/services/tick/logs")).get("stdout").toString().contains("tick")));
        assertEquals(200, post("/v1/workspaces/" + ws + "/services/tick/stop", "{}").statusCode());
        assertError(get("/v1/workspaces/" + ws + "/services/nope"), 404, "not_found", "nope");

        HttpResponse<String> opened = post("/v1/workspaces/" + ws + "/shells", "{}");
        assertEquals(201, opened.statusCode(), opened.body());
        String shell = (String) json(opened).get("shell_id");
        assertEquals(200, post("/v1/workspaces/" + ws + "/shells/" + shell + "/input", "{\"input\": \"echo served-$((6*7))\"}").statusCode());
        assertTrue(HostProcess.within(java.time.Duration.ofSeconds(10),
                () -> json(get("/v1/workspaces/" + ws + "/shells/" + shell + "?cursor=0&wait_ms=500")).get("output")
                        .toString().contains("served-42")));
        assertEquals(200, send("DELETE", "/v1/workspaces/" + ws + "/shells/" + shell, null, null, TOKEN).statusCode());
    }

    /**
     * {@code pyro mcp serve} with PYRO_URL: the tools of this server, with this machine's paths kept
     * here (a seed folder tarred and uploaded, an export written here), and host paths refused by name.
     */
    @Test
    void theMcpServersRemoteToolsSeedExecAndExportAcrossTheWire() throws Exception {
        pyro.core.remote.PyroServeClient remote = new pyro.core.remote.PyroServeClient(base, TOKEN);
        Path seed = Files.createDirectories(state.resolve("remote-seed"));
        Files.writeString(seed.resolve("hello.txt"), "from the client's disk\n");
        Map<String, Object> created = remote.call("workspace_create", Map.of("environment", HostProcessBackend.ENV,
                "seed_path", seed.toString(), "mem_mib", 256, "name", "remote")).toMap();
        String id = (String) created.get("workspace_id");
        try {
            Map<String, Object> exec = remote.call("workspace_exec", Map.of("workspace_id", id, "command",
                    "cat hello.txt; mkdir out && echo x > out/y.txt")).toMap();
            assertEquals("from the client's disk\n", exec.get("stdout"), exec.toString());
            Path out = state.resolve("remote-export");
            Map<String, Object> export = remote.call("workspace_export", Map.of("workspace_id", id, "path", "out",
                    "output_path", out.toString())).toMap();
            assertEquals(out.toString(), export.get("output_path"));
            assertEquals("x\n", Files.readString(out.resolve("y.txt")));
            pyro.core.PyroException e = org.junit.jupiter.api.Assertions.assertThrows(pyro.core.PyroException.class,
                    () -> remote.call("workspace_status", Map.of("workspace_id", "ws-000000000000")));
            assertEquals(pyro.protocol.ErrorCode.NOT_FOUND, e.code());
        } finally {
            remote.call("workspace_delete", Map.of("workspace_id", id));
        }
        assertError(post("/v1/tools/workspace_export", "{\"workspace_id\": \"x\", \"path\": \"a\", \"output_path\": \"/tmp/x\"}"),
                400, "invalid_input", "download with GET");
        assertError(post("/v1/tools/no_such_tool", "{}"), 404, "not_found", "no tool 'no_such_tool'");
        pyro.core.PyroException wrong = org.junit.jupiter.api.Assertions.assertThrows(pyro.core.PyroException.class,
                () -> new pyro.core.remote.PyroServeClient(base, "wrong-token-0123456789").call("workspace_list", Map.of()));
        assertTrue(wrong.getMessage().contains("refused the token"), wrong.getMessage());
    }

    @Test
    void theServedDocumentIsTheCheckedInOneAndNamesEveryRoute() throws Exception {
        String served = get("/openapi.json").body();
        Path checkedIn = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/openapi.json");
        if (Boolean.getBoolean("pyro.openapi.write")) {
            Files.writeString(checkedIn, served);
        }
        assertEquals(Files.readString(checkedIn), served,
                "docs/openapi.json is stale: run ./mvnw -pl host-tests test -Dtest=ServeHostProcessTest -Dpyro.openapi.write=true");
        Map<String, Object> doc = JSON.std.mapFrom(served);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
        // every documented route answers (never 404/405 for its own method), with a token-less 401 first
        for (var p : paths.entrySet()) {
            for (String method : p.getValue().keySet()) {
                String path = p.getKey().replace("{workspace_id}", "ws-000000000000").replaceAll("\\{[a-z_]+}", "x");
                HttpResponse<String> r = send(method.toUpperCase(), path, null, null, null);
                assertEquals(401, r.statusCode(), method + " " + path);
            }
        }
    }
}
