package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.serve.Server;

/**
 * {@code pyro serve}'s unix socket, with real sockets and curl as the client: requests through the
 * 0600 socket need no token, the same requests over TCP (and to the socket's private loopback
 * listener) still do, a second server is refused the socket by name, and a socket file left by a
 * dead server is replaced.
 */
class UnixSocketHostProcessTest {
    static final String TOKEN = "unix-test-token-0123456789";

    @Test
    void theSocketNeedsNoTokenWhileTcpAndThePrivateListenerStillDo() throws Exception {
        Path state = HostProcess.stateDir("unix");
        Pyro pyro = HostProcess.pyro(state);
        Path sock = state.resolve("s.sock");
        try (Server server = Server.start(new Server.Options("127.0.0.1:0", true, null, 1 << 20, sock), pyro.config(),
                () -> pyro, TOKEN, System.err)) {
            assertEquals(sock.toAbsolutePath(), server.socket());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));

            Process curl = new ProcessBuilder("curl", "-sS", "-w", "\n%{http_code}", "--unix-socket", sock.toString(),
                    "http://pyro/v1/workspaces").redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(30, TimeUnit.SECONDS));
            assertTrue(out.endsWith("\n200") && out.contains("\"workspaces\""), "curl over the unix socket: " + out);

            String raw = rawGet(sock, "/v1/nowhere");
            assertTrue(raw.startsWith("HTTP/1.1 404") && raw.contains("no_route"), "errors keep their record: " + raw);

            HttpClient http = HttpClient.newHttpClient();
            for (String base : new String[] {server.url(), "http://127.0.0.1:" + server.socketListener().getPort()}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/workspaces")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(401, r.statusCode(), base + " without a token: " + r.body());
                HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/workspaces"))
                        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, ok.statusCode(), base + " with the token: " + ok.body());
            }

            PyroException twice = assertThrows(PyroException.class, () -> Server.start(
                    new Server.Options("127.0.0.1:0", true, null, 1 << 20, sock), pyro.config(), () -> pyro, TOKEN,
                    System.err));
            assertTrue(twice.getMessage().contains(sock.toAbsolutePath().toString())
                    && twice.getMessage().contains("already served"), twice.getMessage());
            assertTrue(rawGet(sock, "/v1/workspaces").startsWith("HTTP/1.1 200"), "the first server still serves");
        }
        assertTrue(!Files.exists(sock), "closing the server removes its socket file");
    }

    @Test
    void aSocketFileLeftByADeadServerIsReplacedAndAPlainFileIsRefused() throws Exception {
        Path state = HostProcess.stateDir("unix-stale");
        Pyro pyro = HostProcess.pyro(state);
        Path sock = state.resolve("stale.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close(); // the file stays, as after a kill -9
        assertTrue(Files.exists(sock));
        try (Server server = Server.start(new Server.Options("127.0.0.1:0", true, null, 1 << 20, sock), pyro.config(),
                () -> pyro, TOKEN, System.err)) {
            assertTrue(rawGet(sock, "/healthz").startsWith("HTTP/1.1 200"));
        }
        Path plain = state.resolve("plain.txt");
        Files.writeString(plain, "mine");
        PyroException e = assertThrows(PyroException.class, () -> Server.start(
                new Server.Options("127.0.0.1:0", true, null, 1 << 20, plain), pyro.config(), () -> pyro, TOKEN, System.err));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("mine", Files.readString(plain), "a file that is not a socket is left as it was");
    }

    static String rawGet(Path sock, String path) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            c.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: pyro\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            return new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
