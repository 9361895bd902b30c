package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import pyro.protocol.archive.TarWriter;

/**
 * The packaged {@code pyro serve}, as a process of its own, driven over plain HTTP as curl would:
 * a workspace seeded from an uploaded tar, an exec whose output arrives as it is printed, diff,
 * export, a service on a published port reached from the host, a shell, a snapshot and a reset to
 * it, and delete, each answer being the record the CLI's --json prints. One real guest for the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeGuestTest {
    static final String TOKEN = "it-token-" + java.util.UUID.randomUUID();
    static Path state;
    static Process server;
    static String base;
    static String ws;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        Guests.requireGuests();
        state = Guests.newStateDir("serve");
        Guests.pull(state);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(Cli.dist().resolve("bin/pyro").toString(), "serve", "--listen",
                "127.0.0.1:" + port);
        Cli.env(pb.environment(), state);
        pb.environment().put("PYRO_TOKEN", TOKEN);
        pb.redirectErrorStream(true).redirectOutput(state.resolve("serve.log").toFile());
        server = pb.start();
        base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (get("/healthz").statusCode() == 200) {
                    break;
                }
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new AssertionError("pyro serve did not come up: " + java.nio.file.Files.readString(state.resolve("serve.log")), e);
                }
                Thread.sleep(200);
            }
        }
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(tar)) {
            w.writeFile("README.md", 0644, 0, "seeded over http\n".getBytes(StandardCharsets.UTF_8));
            w.writeDirectory("site", 0755, 0);
            w.writeFile("site/index.html", 0644, 0, "hello from the guest\n".getBytes(StandardCharsets.UTF_8));
            w.finish();
        }
        HttpResponse<String> r = send("POST", "/v1/workspaces?environment=" + Guests.ENV
                + "&network_policy=egress%2Bpublished-ports&name=served", "application/x-tar", tar.toByteArray());
        assertEquals(201, r.statusCode(), r.body());
        ws = (String) json(r.body()).get("workspace_id");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (ws != null) {
                send("DELETE", "/v1/workspaces/" + ws, null, null);
            }
        } finally {
            if (server != null) {
                server.destroy();
                server.waitFor();
                System.out.println("--- pyro serve's log\n" + java.nio.file.Files.readString(state.resolve("serve.log")));
            }
        }
    }

    static HttpResponse<String> send(String method, String path, String type, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    static HttpResponse<String> get(String path) {
        return send("GET", path, null, null);
    }

    static HttpResponse<String> post(String path, String json) {
        return send("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, Object> json(String s) {
        try {
            return JSON.std.mapFrom(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    static Map<String, Object> ok(HttpResponse<String> r) {
        assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
        return json(r.body());
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void execStreamsALineASecondAndTheRecordIsTheClis() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + ws + "/exec"))
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\": \"cat README.md; for i in 1 2 3; do echo tick$i; sleep 1; done\"}"))
                .build();
        long t0 = System.nanoTime();
        List<Long> at = new ArrayList<>();
        List<Map<String, Object>> lines = new ArrayList<>();
        http.send(req, HttpResponse.BodyHandlers.ofLines()).body().forEach(l -> {
            at.add((System.nanoTime() - t0) / 1_000_000);
            lines.add(json(l));
        });
        Map<String, Object> result = (Map<String, Object>) lines.getLast().get("result");
        assertEquals(0, ((Number) result.get("exit_code")).intValue(), lines.toString());
        assertEquals("seeded over http\ntick1\ntick2\ntick3\n", result.get("stdout"));
        assertTrue(lines.size() >= 3 && at.getLast() - at.getFirst() >= 1500, "output came as printed: " + at + " " + lines);
        Map<String, Object> plain = ok(post("/v1/workspaces/" + ws + "/exec", "{\"command\": \"echo changed >> README.md\"}"));
        assertEquals(ws, plain.get("workspace_id"));
        Cli.Result cli = Cli.run(state, "workspace", "logs", ws, "--json");
        assertEquals(json(cli.stdout()), ok(get("/v1/workspaces/" + ws + "/logs")), "HTTP and --json print one record");
    }

    /** The CLI with PYRO_URL: the remote host's own CLI, so output and exit status are a local one's. */
    @Test
    @Order(2)
    void theRemoteCliPrintsWhatTheLocalCliPrints() throws Exception {
        Path elsewhere = Guests.newStateDir("remote-cli"); // a client machine's state: no VMs of its own
        Map<String, String> remote = Map.of("PYRO_URL", base, "PYRO_TOKEN", TOKEN);
        Cli.Result local = Cli.run(state, 120, "workspace", "exec", ws, "--", "sh", "-c", "cat README.md; echo err >&2; exit 7");
        Cli.Result far = Cli.runWith(remote, elsewhere, 120, "workspace", "exec", ws, "--", "sh", "-c",
                "cat README.md; echo err >&2; exit 7");
        assertEquals(7, local.exitCode(), local.toString());
        assertEquals(local.exitCode(), far.exitCode(), far.toString());
        assertEquals(local.stdout(), far.stdout());
        assertEquals(local.stderr(), far.stderr());
        Cli.Result status = Cli.runWith(remote, elsewhere, 60, "workspace", "status", ws, "--json");
        assertEquals(ws, json(status.stdout()).get("workspace_id"), status.toString());
        // what names the client's disk stays on the client: a file to write goes up, an export comes down
        Path note = elsewhere.resolve("note.txt");
        java.nio.file.Files.writeString(note, "from the client\n");
        Cli.Result write = Cli.runWith(remote, elsewhere, 60, "workspace", "file", "write", ws, "note.txt", "--from-file", note.toString());
        assertEquals(0, write.exitCode(), write.toString());
        Path out = elsewhere.resolve("exported.txt");
        Cli.Result export = Cli.runWith(remote, elsewhere, 60, "workspace", "export", ws, "note.txt", "--output", out.toString());
        assertEquals(0, export.exitCode(), export.toString());
        assertEquals("from the client\n", java.nio.file.Files.readString(out));
        assertEquals("exported file /workspace/note.txt to " + out + "\n", export.stdout());
        Cli.Result unknown = Cli.runWith(remote, elsewhere, 60, "workspace", "status", "ws-000000000000");
        assertEquals(3, unknown.exitCode(), unknown.toString());
        Cli.Result wrongToken = Cli.runWith(Map.of("PYRO_URL", base, "PYRO_TOKEN", "wrong-token-0123456789"), elsewhere, 60,
                "workspace", "list");
        assertEquals(2, wrongToken.exitCode(), wrongToken.toString());
        assertTrue(wrongToken.stderr().contains("refused the token"), wrongToken.stderr());
    }

    @Test
    @Order(2)
    void diffAndExportSeeTheChange() throws Exception {
        Map<String, Object> diff = ok(get("/v1/workspaces/" + ws + "/diff"));
        assertTrue(diff.get("entries").toString().contains("README.md"), diff.toString());
        HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + ws
                        + "/export?path=README.md")).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, file.statusCode());
        assertEquals("seeded over http\nchanged\n", new String(file.body(), StandardCharsets.UTF_8));
    }

    @Test
    @Order(3)
    @SuppressWarnings("unchecked")
    void aServiceOnAPublishedPortAnswersOnTheHost() throws Exception {
        Map<String, Object> svc = ok(post("/v1/workspaces/" + ws + "/services", "{\"service_name\": \"web\", \"cwd\": \"site\","
                + " \"command\": \"python3 -m http.server 8000 --bind 127.0.0.1\", \"ready_tcp\": \"8000\", \"publish\": [\"8000\"]}"));
        Map<String, Object> port = ((List<Map<String, Object>>) svc.get("published_ports")).getFirst();
        int host = ((Number) port.get("host_port")).intValue();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host + "/"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("hello from the guest\n", page.body());
        assertEquals(200, post("/v1/workspaces/" + ws + "/services/web/stop", "{}").statusCode());
    }

    @Test
    @Order(4)
    void aShellByLongPoll() throws Exception {
        String shell = (String) ok(post("/v1/workspaces/" + ws + "/shells", "{}")).get("shell_id");
        ok(post("/v1/workspaces/" + ws + "/shells/" + shell + "/input", "{\"input\": \"echo hi-$((6*7))\"}"));
        String seen = "";
        long cursor = 0;
        for (int i = 0; i < 30 && !seen.contains("hi-42"); i++) {
            Map<String, Object> read = ok(get("/v1/workspaces/" + ws + "/shells/" + shell + "?cursor=" + cursor + "&wait_ms=1000"));
            seen += read.get("output");
            cursor = ((Number) read.get("next_cursor")).longValue();
        }
        assertTrue(seen.contains("hi-42"), seen);
        assertEquals(200, send("DELETE", "/v1/workspaces/" + ws + "/shells/" + shell, null, null).statusCode());
    }

    @Test
    @Order(5)
    void aSnapshotAndAResetToIt() {
        HttpResponse<String> snap = post("/v1/workspaces/" + ws + "/snapshots", "{\"name\": \"before\"}");
        assertEquals(201, snap.statusCode(), snap.body());
        ok(post("/v1/workspaces/" + ws + "/exec", "{\"command\": \"echo later > later.txt\"}"));
        List<Map<String, Object>> reset = new ArrayList<>();
        try {
            http.send(HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + ws + "/reset"))
                            .header("Authorization", "Bearer " + TOKEN).header("Accept", "application/x-ndjson")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"snapshot\": \"before\"}")).build(),
                    HttpResponse.BodyHandlers.ofLines()).body().forEach(l -> reset.add(json(l)));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
        assertTrue(reset.stream().anyMatch(l -> "progress".equals(l.get("type"))), "a reset streams its progress: " + reset);
        assertEquals("result", reset.getLast().get("type"), reset.toString());
        Map<String, Object> after = ok(post("/v1/workspaces/" + ws + "/exec", "{\"command\": \"ls; cat README.md\"}"));
        assertTrue(!after.get("stdout").toString().contains("later.txt")
                && after.get("stdout").toString().contains("changed"), after.toString());
    }

    @Test
    @Order(6)
    @SuppressWarnings("unchecked")
    void deleteThenTheWorkspaceIsGone() {
        Map<String, Object> del = ok(send("DELETE", "/v1/workspaces/" + ws, null, null));
        assertEquals(true, del.get("deleted"), del.toString());
        HttpResponse<String> gone = get("/v1/workspaces/" + ws);
        assertEquals(404, gone.statusCode(), gone.body());
        assertEquals("not_found", ((Map<String, Object>) json(gone.body()).get("error")).get("code"));
        ws = null;
    }
}
