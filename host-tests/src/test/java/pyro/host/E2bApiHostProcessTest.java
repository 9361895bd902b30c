package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.serve.Server;

/**
 * E2B's API on {@code pyro serve} over plain HTTP, as the wire contract E2B's SDKs rely on: exact
 * statuses (create 201, kill 204, 401, 404, 502), {@code {"code","message"}} on every error (the
 * status as the code on the control plane, Connect's name on envd RPCs), pagination by
 * {@code x-next-token}, and a Start stream's envelopes in order (start, data, end, end-of-stream).
 */
class E2bApiHostProcessTest {
    static final String TOKEN = "test-token-e2b-api-0123456789";
    static Path state;
    static Pyro pyro;
    static Server server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        state = HostProcess.stateDir("e2b-api");
        pyro = HostProcess.pyro(state);
        server = Server.start(new Server.Options("127.0.0.1:0", true, null, 1 << 20), pyro.config(), () -> pyro, TOKEN,
                System.err);
    }

    @AfterAll
    static void stop() {
        pyro.listWorkspaces().workspaces().forEach(w -> pyro.deleteWorkspace(w.workspaceId()));
        server.close();
    }

    static HttpResponse<byte[]> send(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<byte[]> api(String method, String path, String json) throws Exception {
        return send(method, path, Map.of("X-API-Key", TOKEN, "Content-Type", "application/json"),
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, Object> json(HttpResponse<byte[]> r) throws Exception {
        return JSON.std.mapFrom(r.body());
    }

    static void assertError(HttpResponse<byte[]> r, int status, Object code) throws Exception {
        assertEquals(status, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        Map<String, Object> m = json(r);
        assertEquals(code, m.get("code"), m.toString());
        assertTrue(m.get("message") instanceof String s && !s.isBlank(), m.toString());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    }

    static Map<String, Object> create(String metadata) throws Exception {
        HttpResponse<byte[]> r = api("POST", "/v2/sandboxes", "{\"templateID\":\"" + HostProcessBackend.ENV
                + "\",\"timeout\":60,\"metadata\":" + metadata + "}");
        assertEquals(201, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        return json(r);
    }

    @Test
    void theControlPlaneAnswersWithE2bsStatusesAndShapes() throws Exception {
        assertError(send("POST", "/v2/sandboxes", Map.of(), "{}".getBytes(StandardCharsets.UTF_8)), 401, 401);
        assertError(send("GET", "/v2/sandboxes", Map.of("X-API-Key", "wrong-key-wrong-key"), null), 401, 401);
        assertError(api("POST", "/sandboxes", "{}"), 400, 400);
        assertError(api("GET", "/sandboxes/nosuch1", null), 404, 404);
        assertError(api("GET", "/sandboxes/nosuch1/metrics", null), 404, 404);
        assertEquals(401, send("GET", "/v1/workspaces", Map.of("X-API-Key", TOKEN), null).statusCode(),
                "pyro's own routes still want their bearer token");

        Map<String, Object> a = create("{\"team\":\"a\"}");
        Map<String, Object> b = create("{\"team\":\"b\"}");
        String id = (String) a.get("sandboxID");
        assertTrue(id.matches("[a-z0-9]+"), id);
        assertEquals(HostProcessBackend.ENV, a.get("templateID"));
        assertEquals("0.5.2", a.get("envdVersion"));
        assertTrue(a.get("envdAccessToken") instanceof String t && t.length() == 64, a.toString());
        assertTrue(a.containsKey("clientID"), a.toString());

        Map<String, Object> detail = json(api("GET", "/sandboxes/" + id, null));
        assertEquals("running", detail.get("state"));
        assertEquals(Map.of("team", "a"), detail.get("metadata"));
        for (String f : List.of("startedAt", "endAt", "cpuCount", "memoryMB", "diskSizeMB", "envdVersion")) {
            assertTrue(detail.get(f) != null, f + " in " + detail);
        }

        HttpResponse<byte[]> page = api("GET", "/v2/sandboxes?limit=1", null);
        assertEquals(200, page.statusCode());
        String next = page.headers().firstValue("x-next-token").orElseThrow();
        HttpResponse<byte[]> page2 = api("GET", "/v2/sandboxes?limit=1&nextToken=" + next, null);
        assertTrue(page2.headers().firstValue("x-next-token").isEmpty(), "two sandboxes, two pages");
        List<Object> both = new ArrayList<>(JSON.std.listFrom(page.body()));
        both.addAll(JSON.std.listFrom(page2.body()));
        assertEquals(2, both.size());
        List<Object> teamB = JSON.std.listFrom(api("GET", "/v2/sandboxes?metadata=team%3Db", null).body());
        assertEquals(1, teamB.size());
        assertEquals(b.get("sandboxID"), ((Map<?, ?>) teamB.getFirst()).get("sandboxID"));

        assertEquals(204, api("POST", "/sandboxes/" + id + "/timeout", "{\"timeout\":120}").statusCode());
        assertEquals(120, pyro.listWorkspaces().workspaces().stream()
                .filter(w -> w.workspaceId().replace("-", "").equals(id)).findFirst().orElseThrow().ttlSeconds());
        assertEquals(204, api("DELETE", "/sandboxes/" + id, null).statusCode());
        assertError(api("DELETE", "/sandboxes/" + id, null), 404, 404);
        assertEquals(204, api("DELETE", "/sandboxes/" + b.get("sandboxID"), null).statusCode());
    }

    @Test
    void envdStartStreamsStartDataEndAndTheEndOfStream() throws Exception {
        Map<String, Object> s = create("{}");
        String id = (String) s.get("sandboxID");
        String access = (String) s.get("envdAccessToken");
        byte[] req = envelope(0, "{\"process\":{\"cmd\":\"/bin/sh\",\"args\":[\"-c\",\"echo out; echo err >&2; exit 7\"]}}");
        Map<String, String> h = Map.of("E2b-Sandbox-Id", id, "E2b-Sandbox-Port", "49983", "X-Access-Token", access,
                "Content-Type", "application/connect+json", "Connect-Timeout-Ms", "60000");

        HttpResponse<byte[]> r = send("POST", "/process.Process/Start", h, req);
        assertEquals(200, r.statusCode());
        assertEquals("application/connect+json", r.headers().firstValue("Content-Type").orElse(""));
        List<Object[]> frames = frames(r.body());
        Map<?, ?> first = (Map<?, ?>) ((Map<?, ?>) frames.getFirst()[1]).get("event");
        assertTrue(((Map<?, ?>) first.get("start")).get("pid") instanceof Number, "start (with the pid) comes first");
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        Map<?, ?> end = null;
        for (Object[] f : frames.subList(1, frames.size() - 1)) {
            Map<?, ?> ev = (Map<?, ?>) ((Map<?, ?>) f[1]).get("event");
            if (ev.get("data") instanceof Map<?, ?> d) {
                if (d.get("stdout") != null) {
                    out.append(new String(Base64.getDecoder().decode((String) d.get("stdout")), StandardCharsets.UTF_8));
                }
                if (d.get("stderr") != null) {
                    err.append(new String(Base64.getDecoder().decode((String) d.get("stderr")), StandardCharsets.UTF_8));
                }
            } else if (ev.get("end") != null) {
                end = (Map<?, ?>) ev.get("end");
            }
        }
        assertEquals("out\n", out.toString());
        assertEquals("err\n", err.toString());
        assertEquals(7, ((Number) end.get("exitCode")).intValue());
        assertEquals(0x02, frames.getLast()[0]);
        assertEquals(Map.of(), frames.getLast()[1], "the end of a good stream is {}");

        HttpResponse<byte[]> pty = send("POST", "/process.Process/Start", h,
                envelope(0, "{\"process\":{\"cmd\":\"/bin/sh\"},\"pty\":{\"size\":{\"cols\":80,\"rows\":24}}}"));
        Object[] only = frames(pty.body()).getFirst();
        assertEquals(0x02, only[0]);
        assertEquals("unimplemented", ((Map<?, ?>) ((Map<?, ?>) only[1]).get("error")).get("code"));

        Map<String, String> unary = Map.of("E2b-Sandbox-Id", id, "X-Access-Token", access, "Content-Type", "application/json");
        assertError(send("POST", "/process.Process/Update", unary, "{}".getBytes(StandardCharsets.UTF_8)), 501,
                "unimplemented");
        assertError(send("POST", "/process.Process/SendSignal", unary,
                "{\"process\":{\"pid\":999999},\"signal\":\"SIGNAL_SIGKILL\"}".getBytes(StandardCharsets.UTF_8)), 404, "not_found");
        assertError(send("POST", "/process.Process/List", unary, "{not json".getBytes(StandardCharsets.UTF_8)), 400,
                "invalid_argument");
        assertError(send("GET", "/files?path=/home/user/missing.txt", unary, null), 404, 404);
        assertError(send("GET", "/files?path=/home/user/a%00b", unary, null), 400, 400);
        assertError(send("POST", "/process.Process/Start", Map.of("E2b-Sandbox-Id", id, "X-Access-Token", "x"), req), 401,
                "unauthenticated");
        assertEquals(204, send("GET", "/health", unary, null).statusCode());

        assertEquals(204, api("DELETE", "/sandboxes/" + id, null).statusCode());
        assertEquals(502, send("POST", "/process.Process/Start", h, req).statusCode(), "a killed sandbox is E2B's 502");
        assertEquals(502, send("GET", "/health", unary, null).statusCode());
    }

    @Test
    void aSandboxPortIsProxiedByHeaderAndByHost() throws Exception {
        String id = (String) create("{}").get("sandboxID");
        // the host-process agent's loopback is this machine's: a server here is the "guest's" web server
        com.sun.net.httpserver.HttpServer web = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        web.createContext("/", ex -> {
            byte[] body = (ex.getRequestMethod() + " " + ex.getRequestURI() + " " + new String(ex.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8) + " host=" + ex.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("X-From", "guest");
            boolean chunked = ex.getRequestURI().getPath().equals("/chunked");
            ex.sendResponseHeaders(201, chunked ? 0 : body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        web.start();
        try {
            int port = web.getAddress().getPort();
            Map<String, String> h = Map.of("E2b-Sandbox-Id", id, "E2b-Sandbox-Port", Integer.toString(port));
            for (String path : List.of("/plain?q=1", "/chunked")) {
                HttpResponse<byte[]> r = send("POST", path, h, "ping".getBytes(StandardCharsets.UTF_8));
                String body = new String(r.body(), StandardCharsets.UTF_8);
                assertEquals(201, r.statusCode(), body);
                assertTrue(body.startsWith("POST " + path + " ping host="), body);
                assertEquals("guest", r.headers().firstValue("X-From").orElse(""));
            }
            String viaHost;
            URI u = URI.create(server.url());
            try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
                s.getOutputStream().write(("GET /by-host HTTP/1.1\r\nHost: " + port + "-" + id + ".localhost:" + u.getPort()
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                viaHost = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(viaHost.startsWith("HTTP/1.1 201"), viaHost);
            assertTrue(viaHost.contains("GET /by-host  host=" + port + "-" + id + ".localhost"), viaHost);
        } finally {
            web.stop(0);
        }
        Map<String, String> closed = Map.of("E2b-Sandbox-Id", id, "E2b-Sandbox-Port", Integer.toString(web.getAddress().getPort()));
        assertError(send("GET", "/", closed, null), 502, 502);
        assertError(send("GET", "/", Map.of("E2b-Sandbox-Id", id, "E2b-Sandbox-Port", "99999"), null), 400, 400);
        assertEquals(204, api("DELETE", "/sandboxes/" + id, null).statusCode());
        assertError(send("GET", "/", closed, null), 502, 502);
    }

    static byte[] envelope(int flags, String json) {
        byte[] p = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + p.length).put((byte) flags).putInt(p.length).put(p).array();
    }

    /** [flags, parsed JSON] per envelope. */
    static List<Object[]> frames(byte[] body) throws Exception {
        List<Object[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(body);
        while (b.hasRemaining()) {
            int flags = b.get() & 0xff;
            byte[] p = new byte[b.getInt()];
            b.get(p);
            out.add(new Object[] {flags, JSON.std.anyFrom(p)});
        }
        return out;
    }
}
