package pyro.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import pyro.core.PyroException;

/**
 * {@code pyro serve}'s unix socket: a 0600 socket file whose connections need no token (the file's
 * permissions are the check, as for Docker's socket). The JDK's HTTP server listens only on TCP, so
 * each unix connection is carried byte for byte to a private loopback listener of the same API;
 * that listener trusts a request only when it comes from one of this bridge's own live client ports,
 * which no other process can hold while the bridge's socket is bound to it.
 */
final class UnixSocketBridge implements AutoCloseable {
    /** Linux's sun_path holds 108 bytes with its terminating NUL. */
    static final int MAX_PATH_BYTES = 107;

    private final Path path;
    private final ServerSocketChannel server;
    private final InetSocketAddress target;
    private final Set<Integer> ports = ConcurrentHashMap.newKeySet();
    private final PrintStream log;

    private UnixSocketBridge(Path path, ServerSocketChannel server, InetSocketAddress target, PrintStream log) {
        this.path = path;
        this.server = server;
        this.target = target;
        this.log = log;
    }

    /**
     * Binds {@code path} (0600, replacing a stale socket left by a server that died) and starts
     * carrying its connections to {@code target}, the private loopback listener.
     */
    static UnixSocketBridge open(Path path, InetSocketAddress target, PrintStream log) throws IOException {
        Path p = path.toAbsolutePath();
        if (tooLong(p)) {
            throw PyroException.invalid("--socket '" + p + "' is longer than the " + MAX_PATH_BYTES
                    + " bytes a unix socket path may have: choose a shorter path.");
        }
        if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(p)) {
                throw PyroException.invalid("--socket '" + p + "' exists and is not a socket: choose another path.");
            }
            if (answers(p)) {
                throw PyroException.invalid("--socket '" + p + "' is already served (another pyro serve?): stop it or "
                        + "choose another path with --socket.");
            }
            Files.delete(p); // a server that died left it behind
        }
        Files.createDirectories(p.getParent());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(p));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(p);
            throw e;
        }
        UnixSocketBridge b = new UnixSocketBridge(p, server, target, log);
        Thread.ofVirtual().name("pyro-serve-unix").start(b::acceptLoop);
        return b;
    }

    Path path() {
        return path;
    }

    /** True when a request that reached the private listener came through this bridge. */
    boolean carried(InetSocketAddress remote) {
        return remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress()
                && ports.contains(remote.getPort());
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.println("pyro serve: the unix socket stopped accepting: " + e.getMessage());
                }
                return;
            }
            Thread.ofVirtual().name("pyro-serve-unix-conn").start(() -> carry(client));
        }
    }

    private void carry(SocketChannel client) {
        Socket tcp = new Socket();
        int port = -1;
        try (client; tcp) {
            tcp.setTcpNoDelay(true);
            tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = tcp.getLocalPort();
            ports.add(port); // before the first byte can reach the listener
            tcp.connect(target, 5_000);
            InputStream fromClient = Channels.newInputStream(client);
            OutputStream toClient = Channels.newOutputStream(client);
            Thread up = Thread.ofVirtual().start(() -> pump(fromClient, tcp));
            try {
                tcp.getInputStream().transferTo(toClient);
            } catch (IOException e) {
                // either side went away: closing both ends below is all there is to do
            }
            up.interrupt();
        } catch (IOException e) {
            // the client left before we could carry anything
        } finally {
            if (port >= 0) {
                ports.remove(port);
            }
        }
    }

    private static void pump(InputStream from, Socket tcp) {
        try {
            from.transferTo(tcp.getOutputStream());
            tcp.shutdownOutput(); // the client finished sending; its answer may still be on its way
        } catch (IOException e) {
            try {
                tcp.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /** Why the default socket path cannot be served (too long, or another server holds it), or null. */
    static String unusable(Path path) {
        Path p = path.toAbsolutePath();
        if (tooLong(p)) {
            return p + " is longer than a unix socket path may be";
        }
        return isSocket(p) && answers(p) ? p + " is served by another pyro serve" : null;
    }

    private static boolean tooLong(Path p) {
        return p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PATH_BYTES;
    }

    private static boolean isSocket(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer m && (m & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean answers(Path p) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
            return c.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a socket file left behind is replaced by the next start
        }
    }
}
