package pyro.core.internal;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Supplier;

/** Waiting for a VMM to connect its agent channel, shared by the supervisor and the warm-start save. */
public final class Channels2 {
    private Channels2() {}

    /**
     * Accepts the one connection {@code vmm} makes to {@code server} within {@code ms}, failing at
     * once with {@code died}'s sentence when the process exits first, and with {@code late}'s when
     * the time runs out. The returned channel is blocking.
     */
    public static SocketChannel acceptFrom(ServerSocketChannel server, Process vmm, long ms, Supplier<String> died,
            Supplier<String> late) throws IOException {
        server.configureBlocking(false);
        long deadline = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < deadline) {
            SocketChannel c = server.accept();
            if (c != null) {
                c.configureBlocking(true);
                return c;
            }
            if (!vmm.isAlive()) {
                throw new IOException(died.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the VM to connect its agent channel");
            }
        }
        throw new IOException(late.get());
    }
}
