package pyro.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.protocol.ErrorCode;
import pyro.core.NetworkPolicy;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.ServiceOptions;
import pyro.core.WorkspaceOptions;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;

/**
 * Published ports over core's supervisor and the real agent run as a host process (so the "guest's"
 * loopback is this machine's: the guest port and the host port are both here, and must differ). A
 * real HTTP server (busybox httpd) answers through the forward; the forward listens on 127.0.0.1
 * only, carries megabytes both ways within its window, ends with the service, and bad input or a
 * host port in use leaves nothing started.
 */
class PublishedPortHostProcessTest {
    static Path state;
    static Pyro pyro;
    static String ws;

    @BeforeAll
    static void create() {
        state = HostProcess.stateDir("ports");
        pyro = HostProcess.pyro(state);
        ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).name("ports").memMib(256)
                .network(NetworkPolicy.EGRESS_PUBLISHED_PORTS)).workspaceId();
        assertEquals("egress+published-ports", pyro.statusWorkspace(ws).networkPolicy());
    }

    @AfterAll
    static void delete() {
        if (ws != null && System.getenv("KEEP") == null) {
            pyro.deleteWorkspace(ws);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static Map<?, ?> onlyPort(ServiceInfo s) {
        List<?> ports = (List<?>) s.get("published_ports");
        assertEquals(1, ports.size(), s.toString());
        return (Map<?, ?>) ports.getFirst();
    }

    /** A raw HTTP/1.0 GET (the server closes when done), so nothing pools or retries behind the test's back. */
    static byte[] get(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] all = s.getInputStream().readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int body = text.indexOf("\r\n\r\n");
            assertTrue(text.startsWith("HTTP/1.") && body > 0, text.substring(0, Math.min(200, text.length())));
            assertTrue(text.substring(0, body).contains(" 200 "), text.substring(0, body));
            return java.util.Arrays.copyOfRange(all, body + 4, all.length);
        }
    }

    @Test
    void aPublishedHttpServiceAnswersOnTheHostsLoopbackUntilItStops() throws Exception {
        pyro.execWorkspace(ws, List.of("sh", "-c", "mkdir -p site && echo hello from the guest > site/index.html"
                + " && head -c 3000000 /dev/urandom > site/big.bin"), null, 30);
        int guest = freePort();
        ServiceInfo s = pyro.startService(ws, "web", List.of("busybox", "httpd", "-f", "-p", "127.0.0.1:" + guest, "-h", "site"),
                ServiceOptions.defaults().readiness(Readiness.tcp("127.0.0.1", guest)).publish(String.valueOf(guest)));
        assertEquals("running", s.state(), s.toString());
        Map<?, ?> p = onlyPort(s);
        int host = ((Number) p.get("host_port")).intValue();
        assertEquals("127.0.0.1", p.get("host_address"));
        assertEquals(guest, ((Number) p.get("guest_port")).intValue());
        assertNotEquals(guest, host);

        assertEquals("hello from the guest\n", new String(get(host, "/index.html"), StandardCharsets.UTF_8));
        byte[] big = get(host, "/big.bin");
        assertEquals(3_000_000, big.length, "a body three times the forward's window came through whole");
        assertTrue(listensOnLoopbackOnly(host), "the forward listens on 127.0.0.1 only");
        assertEquals(host, ((Number) onlyPort(pyro.statusService(ws, "web")).get("host_port")).intValue());

        assertEquals("stopped", pyro.stopService(ws, "web", 1).state());
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), host).close());
        assertEquals(List.of(), pyro.statusService(ws, "web").get("published_ports"));
    }

    @Test
    void bytesSentUpAreDeliveredInOrderBeyondTheWindow() throws Exception {
        int guest = freePort();
        // an echo server: what goes up comes back down, so both windows are exercised at once
        ServiceInfo s = pyro.startService(ws, "echo", List.of("busybox", "nc", "-ll", "-p", String.valueOf(guest),
                "-e", "cat"), ServiceOptions.defaults()
                .readiness(Readiness.tcp("127.0.0.1", guest)).publish(String.valueOf(guest)));
        int host = ((Number) onlyPort(s).get("host_port")).intValue();
        byte[] sent = new byte[2_500_000];
        new Random(42).nextBytes(sent);
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), host)) {
            c.setSoTimeout(30_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.getOutputStream().write(sent);
                    c.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            InputStream in = c.getInputStream();
            byte[] got = in.readNBytes(sent.length);
            writer.join();
            assertArrayEquals(sent, got);
        }
        pyro.stopService(ws, "echo", 1);
    }

    @Test
    void theForwardEndsWhenTheServiceExitsByItself() throws Exception {
        int guest = freePort();
        ServiceInfo s = pyro.startService(ws, "brief", List.of("sh", "-c", "busybox httpd -f -p 127.0.0.1:" + guest
                + " -h . & pid=$!; sleep 2; kill $pid"), ServiceOptions.defaults()
                .readiness(Readiness.tcp("127.0.0.1", guest)).publish(String.valueOf(guest)));
        int host = ((Number) onlyPort(s).get("host_port")).intValue();
        assertTrue(HostProcess.within(Duration.ofSeconds(15), () -> {
            try {
                new Socket(InetAddress.getLoopbackAddress(), host).close();
                return false;
            } catch (IOException e) {
                return true;
            }
        }), "the host port closed once the service had exited");
    }

    @Test
    void aHostPortInUseIsRefusedByNumberAndNothingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int busy = taken.getLocalPort();
            PyroException e = assertThrows(PyroException.class, () -> pyro.startService(ws, "clash",
                    List.of("sleep", "60"), ServiceOptions.defaults().publish("7000", busy + ":7001")));
            assertEquals(ErrorCode.CONFLICT, e.code());
            assertTrue(e.getMessage().contains("host port " + busy + " is in use"), e.getMessage());
        }
        PyroException none = assertThrows(PyroException.class, () -> pyro.statusService(ws, "clash"));
        assertEquals(ErrorCode.NOT_FOUND, none.code(), "the service never started");
        assertTrue(pyro.listServices(ws).services().stream().allMatch(s -> !"clash".equals(s.serviceName())));
    }

    @Test
    void malformedPublishAndTheWrongPolicyAreRefusedUpFront() {
        for (String bad : List.of("abc", "80:", "1:2:3", "0", "70000", "8080:70000")) {
            PyroException e = assertThrows(PyroException.class, () -> pyro.startService(ws, "bad", List.of("true"),
                    ServiceOptions.defaults().publish(bad)));
            assertEquals(ErrorCode.INVALID_INPUT, e.code(), bad);
            assertTrue(e.getMessage().startsWith("publish '" + bad + "' is invalid"), e.getMessage());
        }
        String plain = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
        try {
            assertEquals("off", pyro.statusWorkspace(plain).networkPolicy());
            PyroException e = assertThrows(PyroException.class, () -> pyro.startService(plain, "web",
                    List.of("true"), ServiceOptions.defaults().publish("8080")));
            assertEquals(ErrorCode.INVALID_INPUT, e.code());
            assertTrue(e.getMessage().contains("--network egress+published-ports") && e.getMessage().contains("'off'"),
                    e.getMessage());
        } finally {
            pyro.deleteWorkspace(plain);
        }
    }

    /** /proc/net/tcp{,6} list each socket's local address and state (0A: listening); 0100007F is 127.0.0.1. */
    static boolean listensOnLoopbackOnly(int port) throws IOException {
        String suffix = String.format(":%04X", port);
        List<String> v4 = listening(Path.of("/proc/net/tcp"), suffix);
        return !v4.isEmpty() && v4.stream().allMatch(a -> a.equals("0100007F" + suffix))
                && listening(Path.of("/proc/net/tcp6"), suffix).isEmpty();
    }

    private static List<String> listening(Path table, String suffix) throws IOException {
        return Files.readAllLines(table).stream().skip(1).map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length > 3 && f[1].endsWith(suffix) && f[3].equals("0A")).map(f -> f[1]).toList();
    }
}
