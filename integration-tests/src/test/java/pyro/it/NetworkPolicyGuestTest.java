package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.LogQuery;
import pyro.core.Pyro;
import pyro.core.ServiceOptions;
import pyro.core.model.Readiness;
import pyro.core.model.ExecResult;

/**
 * Network policy, published ports and secrets in one real guest, made through the CLI as a user
 * would: {@code --network egress+published-ports --secret ...}. A python http.server in the guest
 * answers an HTTP request on the host's 127.0.0.1; the port closes when the service stops; a secret
 * reaches exec and a service, and its value appears in no output and nowhere in the state folder
 * (the guest's disk overlay included).
 */
class NetworkPolicyGuestTest {
    static final String TOKEN = "guest-secret-" + UUID.randomUUID();
    static Path state;
    static Pyro pyro;
    static String ws;

    @BeforeAll
    static void setUp() {
        Guests.requireGuests();
        state = Guests.newStateDir("netpol");
        pyro = Guests.sdk(state);
        Cli.Result r = Cli.run(state, "workspace", "create", Guests.ENV, "--network", "egress+published-ports",
                "--secret", "API_TOKEN=" + TOKEN, "--mem-mib", "512", "--id-only");
        assertEquals(0, r.exitCode(), r.toString());
        ws = r.stdout().strip();
    }

    @AfterAll
    static void tearDown() {
        if (ws != null) {
            Cli.run(state, "workspace", "delete", ws);
        }
    }

    @Test
    void aPublishedHttpServiceAnswersOnTheHostUntilItStops() throws Exception {
        assertEquals("egress+published-ports", pyro.statusWorkspace(ws).networkPolicy());
        pyro.execWorkspace(ws, "mkdir -p site && echo 'hello from the guest' > site/index.html", null, 60);
        Cli.Result start = Cli.run(state, "workspace", "service", "start", ws, "web", "--cwd", "site",
                "--ready-tcp", "8000", "--publish", "8000", "--json", "--", "python3", "-m", "http.server",
                "8000", "--bind", "127.0.0.1");
        assertEquals(0, start.exitCode(), start.toString());
        Map<?, ?> port = (Map<?, ?>) ((List<?>) pyro.statusService(ws, "web").get("published_ports")).getFirst();
        assertEquals("127.0.0.1", port.get("host_address"));
        assertEquals(8000, ((Number) port.get("guest_port")).intValue());
        int host = ((Number) port.get("host_port")).intValue();
        assertTrue(start.stdout().contains("\"host_port\" : " + host) || start.stdout().contains("\"host_port\":" + host),
                start.stdout());

        HttpResponse<String> page = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host + "/")).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertEquals("hello from the guest\n", page.body());
        String listeners = Files.readString(Path.of("/proc/net/tcp"));
        assertTrue(listeners.contains(String.format("0100007F:%04X 00000000:0000 0A", host)),
                "the forward listens on 127.0.0.1");
        assertFalse(listeners.contains(String.format("00000000:%04X 00000000:0000 0A", host)),
                "and not on every interface");

        Cli.Result stop = Cli.run(state, "workspace", "service", "stop", ws, "web");
        assertEquals(0, stop.exitCode(), stop.toString());
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), host).close());
    }

    @Test
    void networkOffMeansNoNetworkDeviceAtAll() {
        Cli.Result r = Cli.run(state, "run", Guests.ENV, "--network", "off", "--", "ls", "/sys/class/net");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("lo", r.stdout().strip(), "only loopback: " + r);
        Cli.Result published = Cli.run(state, "run", Guests.ENV, "--network", "egress+published-ports", "--", "true");
        assertEquals(2, published.exitCode(), published.toString());
        assertTrue(published.stderr().contains("is for workspaces"), published.stderr());
    }

    @Test
    void badPublishAndPolicyInputAreOneSentenceEach() {
        Cli.Result bad = Cli.run(state, "workspace", "service", "start", ws, "x", "--publish", "80:http", "--", "true");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("publish '80:http' is invalid"), bad.stderr());
        Cli.Result policy = Cli.run(state, "workspace", "create", Guests.ENV, "--network", "egres");
        assertEquals(2, policy.exitCode(), policy.toString());
        assertTrue(policy.stderr().contains("network policy 'egres' is unknown"), policy.stderr());
    }

    @Test
    void aSecretReachesItsProcessesAndNoOutputOrFileOnTheHost() throws Exception {
        ExecResult r = pyro.execWorkspace(ws, "printf %s \"$API_TOKEN\" | sha256sum | cut -c1-16; echo \"t=$API_TOKEN\";"
                + " ls -l /run/pyro/secrets; mount | grep ' /run '", null, 60, List.of("API_TOKEN"));
        assertEquals(0, r.exitCode(), r.toString());
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(TOKEN.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        assertTrue(r.stdout().startsWith(sha), "the process saw the value: " + r.stdout());
        assertTrue(r.stdout().contains("t=[redacted:API_TOKEN]"), r.stdout());
        assertTrue(r.stdout().contains("-rw------- 1 root root") && r.stdout().contains("tmpfs"), r.stdout());

        pyro.startService(ws, "talker", "echo token=$API_TOKEN; echo err=$API_TOKEN >&2; touch /tmp/talker.ready;"
                + " exec sleep 600", ServiceOptions.defaults().secretEnv("API_TOKEN")
                .readiness(Readiness.file("/tmp/talker.ready")));
        var logs = pyro.logsService(ws, "talker", LogQuery.all());
        assertEquals("token=[redacted:API_TOKEN]\n", logs.stdout());
        assertEquals("err=[redacted:API_TOKEN]\n", logs.stderr());
        pyro.stopService(ws, "talker", 1);
        pyro.execWorkspace(ws, "sync", null, 60);

        Cli.Result journal = Cli.run(state, "workspace", "logs", ws, "--json");
        assertFalse(journal.stdout().contains(TOKEN), journal.stdout());
        byte[] needle = TOKEN.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> all = Files.walk(state)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                assertFalse(contains(p, needle), "the value is in " + p);
            }
        }
    }

    /** Streams the file (the disk overlay is large) looking for the bytes. */
    static boolean contains(Path p, byte[] needle) throws IOException {
        byte[] buf = new byte[1 << 20];
        byte[] carry = new byte[0];
        try (var in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                byte[] window = new byte[carry.length + n];
                System.arraycopy(carry, 0, window, 0, carry.length);
                System.arraycopy(buf, 0, window, carry.length, n);
                String s = new String(window, StandardCharsets.ISO_8859_1);
                if (s.contains(new String(needle, StandardCharsets.ISO_8859_1))) {
                    return true;
                }
                int keep = Math.min(window.length, needle.length - 1);
                carry = java.util.Arrays.copyOfRange(window, window.length - keep, window.length);
            }
        }
        return false;
    }
}
