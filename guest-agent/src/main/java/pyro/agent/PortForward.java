package pyro.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import pyro.protocol.ForwardWindow;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The guest end of a published port: one connection to a port on the guest's loopback per
 * {@link Request.PortConnect}, piped both ways over the agent channel under the request's id. Bytes
 * from the host arrive as {@code data} frames (acknowledged with {@code data_ack} once written);
 * bytes from the service go back as {@code data} frames within the host's window.
 */
final class PortForward {
    private PortForward() {}

    static Reply run(Agent agent, long id, Request.PortConnect r, Upload fromHost, ForwardWindow window)
            throws IOException, AgentException {
        Integer port = r.port();
        if (port == null || port < 1 || port > 65535) {
            throw AgentException.invalid("guest port " + port + " is out of range: use 1 to 65535.");
        }
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        } catch (ConnectException e) {
            socket.close();
            throw AgentException.notFound("nothing listens on port " + port + " in the guest (" + e.getMessage() + ")");
        }
        socket.setTcpNoDelay(true);
        window.onAbort(() -> {
            close(socket);
            fromHost.end();
        });
        AtomicLong in = new AtomicLong();
        AtomicLong out = new AtomicLong();
        Thread up = Thread.ofVirtual().name("forward-" + id + "-in").start(() -> {
            byte[] buf = new byte[Messages.FORWARD_CHUNK];
            try {
                OutputStream so = socket.getOutputStream();
                int n;
                // one read of the upload is at most one data frame, so each ack is one frame's worth
                while ((n = fromHost.read(buf, 0, buf.length)) >= 0) {
                    so.write(buf, 0, n);
                    in.addAndGet(n);
                    agent.send(Messages.dataAck(id, n));
                }
                socket.shutdownOutput();
            } catch (IOException e) {
                // the service closed its side, or the host aborted: end the whole connection
                close(socket);
            }
        });
        try {
            InputStream si = socket.getInputStream();
            byte[] buf = new byte[Messages.FORWARD_CHUNK];
            int n;
            while ((n = si.read(buf)) >= 0) {
                if (n == 0) {
                    continue;
                }
                window.acquire(n);
                agent.send(Messages.data(id, Arrays.copyOf(buf, n)));
                out.addAndGet(n);
            }
            agent.send(Messages.dataEnd(id));
        } catch (IOException e) {
            // reset by the service, or the host aborted: tell the host to drop its end too
            close(socket);
            fromHost.end();
            if (!window.aborted()) {
                try {
                    agent.send(Messages.dataAck(id, -1));
                } catch (IOException ignored) {
                    // the channel is gone; the supervisor ends its connections with it
                }
            }
        }
        try {
            up.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close(socket);
        return new Reply.PortConnectResult(in.get(), out.get());
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
