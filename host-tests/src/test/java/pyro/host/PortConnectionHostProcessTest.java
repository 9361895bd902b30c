package pyro.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.PortConnection;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;

/**
 * {@code Pyro.connectWorkspacePort}: one connection to a port on the guest's loopback through the
 * supervisor and the real agent run as a host process (whose "guest" loopback is this machine's, so
 * a plain ServerSocket here is the guest's listener). Megabytes go both ways, more than the flow
 * control window, so both sides' acknowledgements must pass the supervisor; nothing listening is an
 * IOException naming the port; a bad port is refused before anything opens. No network policy is needed.
 */
class PortConnectionHostProcessTest {
    static Pyro pyro;
    static String ws;

    @BeforeAll
    static void create() {
        Path state = HostProcess.stateDir("port-connection");
        pyro = HostProcess.pyro(state);
        ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).memMib(256)).workspaceId();
    }

    @AfterAll
    static void delete() {
        if (ws != null) {
            pyro.deleteWorkspace(ws);
        }
    }

    @Test
    void megabytesGoBothWaysPastTheWindow() throws Exception {
        byte[] up = new byte[3 << 20];
        byte[] down = new byte[5 << 20];
        Random r = new Random(7);
        r.nextBytes(up);
        r.nextBytes(down);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = listener.accept()) {
                    byte[] got = s.getInputStream().readNBytes(up.length);
                    s.getOutputStream().write(down);
                    s.getOutputStream().flush();
                    return got;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (PortConnection c = pyro.connectWorkspacePort(ws, listener.getLocalPort())) {
                c.output().write(up);
                c.output().flush();
                InputStream in = c.input();
                byte[] back = in.readAllBytes();
                assertEquals(down.length, back.length, "every byte the listener sent, then the end");
                assertArrayEquals(down, back);
            }
            assertArrayEquals(up, received.join(), "every byte written reached the listener in order");
        }
    }

    @Test
    void nothingListeningIsAnIoExceptionNamingThePort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (PortConnection c = pyro.connectWorkspacePort(ws, port)) {
            c.output().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            IOException e = assertThrows(IOException.class, () -> c.input().read());
            assertTrue(e.getMessage().contains("nothing listens on port " + port), e.getMessage());
        }
    }

    @Test
    void aPortOutOfRangeIsRefusedNamingIt() {
        PyroException e = assertThrows(PyroException.class, () -> pyro.connectWorkspacePort(ws, 70000));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
    }
}
