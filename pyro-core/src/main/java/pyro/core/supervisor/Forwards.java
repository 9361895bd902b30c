package pyro.core.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import pyro.protocol.ErrorCode;
import pyro.protocol.ForwardWindow;
import pyro.protocol.Frame;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServiceState;

/**
 * Published ports: the supervisor listens on the host's 127.0.0.1 (never any other interface) and
 * pipes each accepted connection to a port on the guest's loopback through the agent channel
 * ({@link Request.PortConnect}), with a window each way so a slow reader holds up only its own
 * connection. Forwards belong to a service: they end when it is no longer running (checked every
 * second), on {@link Request.PortUnpublish}, and with the VM (they live in this process only).
 */
final class Forwards {
    static final String HOST_ADDRESS = "127.0.0.1";
    private static final long WATCH_MS = 1_000;

    /** How Forwards reaches the agent: routes of its own on the supervisor's one channel. */
    interface Link {
        /** A fresh agent-side id whose frames from the agent go to {@code sink}. */
        long open(Consumer<Frame> sink);

        boolean send(Frame f);

        void close(long agentId);

        void log(String message);
    }

    private record Forward(String service, int guestPort, int hostPort, ServerSocketChannel server,
            java.util.concurrent.atomic.AtomicReference<Thread> acceptor) {
        Reply.Forward reply() {
            return new Reply.Forward(service, guestPort, hostPort, HOST_ADDRESS);
        }
    }

    private final Link link;
    private final List<Forward> forwards = new CopyOnWriteArrayList<>();
    private volatile Thread watcher;

    Forwards(Link link) {
        this.link = link;
    }

    Reply publish(Request.PortPublish r) {
        String problem = portProblem("guest port", r.guestPort(), 1);
        if (problem == null) {
            problem = portProblem("host port", r.hostPort() == null ? 0 : r.hostPort(), 0);
        }
        if (problem == null && (r.service() == null || r.service().isBlank())) {
            problem = "a published port needs its service's name";
        }
        if (problem != null) {
            return new Reply.Error(ErrorCode.INVALID_INPUT, problem + ".");
        }
        int want = r.hostPort() == null ? 0 : r.hostPort();
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open(java.net.StandardProtocolFamily.INET);
            try {
                server.bind(new InetSocketAddress(loopback(), want));
            } catch (IOException e) {
                server.close();
                throw e;
            }
        } catch (BindException e) {
            String why = e.getMessage() == null ? "" : e.getMessage();
            if (why.toLowerCase(java.util.Locale.ROOT).contains("permission")) {
                return new Reply.Error(ErrorCode.INVALID_INPUT, "host port " + want + " needs privileges pyro does not"
                        + " have: choose a port above 1023 or omit HOST_PORT to pick a free one.");
            }
            return new Reply.Error(ErrorCode.CONFLICT, "host port " + want + " is in use on " + HOST_ADDRESS
                    + ": choose another or omit HOST_PORT to pick a free one.");
        } catch (IOException e) {
            return new Reply.Error(ErrorCode.HOST_UNSUPPORTED, "cannot listen on " + HOST_ADDRESS + ":" + want + ": "
                    + e.getMessage());
        }
        int bound = ((InetSocketAddress) localAddress(server)).getPort();
        Forward f = new Forward(r.service(), r.guestPort(), bound, server, new java.util.concurrent.atomic.AtomicReference<>());
        forwards.add(f);
        f.acceptor().set(Thread.ofVirtual().name("forward-accept-" + bound).start(() -> acceptLoop(f)));
        link.log("published " + HOST_ADDRESS + ":" + bound + " -> guest port " + r.guestPort() + " for " + r.service());
        startWatcher();
        return new Reply.PortsResult(List.of(f.reply()));
    }

    Reply unpublish(Request.PortUnpublish r) {
        List<Reply.Forward> ended = new ArrayList<>();
        for (Forward f : forwards) {
            if (f.service().equals(r.service()) && (r.hostPort() == null || r.hostPort() == f.hostPort())) {
                end(f, "unpublished");
                ended.add(f.reply());
            }
        }
        return new Reply.PortsResult(ended);
    }

    Reply list() {
        return new Reply.PortsResult(forwards.stream().map(Forward::reply).toList());
    }

    void closeAll() {
        for (Forward f : forwards) {
            end(f, "the VM ended");
        }
    }

    private void end(Forward f, String why) {
        if (forwards.remove(f)) {
            try {
                f.server().close();
                // the socket stops listening only once its blocked accept has returned: wait for that, so
                // the port is closed when unpublish answers
                Thread t = f.acceptor().get();
                if (t != null && t != Thread.currentThread()) {
                    t.join(2_000);
                }
            } catch (IOException ignored) {
                // closed already
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            link.log("closed " + HOST_ADDRESS + ":" + f.hostPort() + " of " + f.service() + ": " + why);
        }
    }

    private static String portProblem(String what, Integer port, int min) {
        if (port == null || port < min || port > 65535) {
            return what + " " + port + " is out of range: use " + min + " to 65535";
        }
        return null;
    }

    private static InetAddress loopback() throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    }

    private static java.net.SocketAddress localAddress(ServerSocketChannel s) {
        try {
            return s.getLocalAddress();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void acceptLoop(Forward f) {
        while (f.server().isOpen()) {
            SocketChannel c;
            try {
                c = f.server().accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("forward-" + f.hostPort()).start(() -> pipe(f, c));
        }
    }

    /** One connection: host bytes up as data frames, guest bytes down, both within their windows. */
    private void pipe(Forward f, SocketChannel c) {
        ForwardWindow toGuest = new ForwardWindow();
        LinkedBlockingQueue<Frame> fromGuest = new LinkedBlockingQueue<>();
        long id = link.open(frame -> {
            if (Messages.isDataAck(frame)) {
                long n = frame.longValue("bytes", -1);
                toGuest.ack(n);
                if (n < 0) {
                    fromGuest.add(frame);
                }
            } else {
                fromGuest.add(frame);
            }
        });
        try (c) {
            InputStream in = Channels.newInputStream(c);
            OutputStream out = Channels.newOutputStream(c);
            if (!link.send(Messages.frame(id, new Request.PortConnect(f.guestPort())))) {
                return;
            }
            Thread up = Thread.ofVirtual().name("forward-" + f.hostPort() + "-up").start(() -> {
                byte[] buf = new byte[Messages.FORWARD_CHUNK];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        if (n == 0) {
                            continue;
                        }
                        toGuest.acquire(n);
                        link.send(Messages.data(id, Arrays.copyOf(buf, n)));
                    }
                    link.send(Messages.dataEnd(id));
                } catch (IOException e) {
                    if (!toGuest.aborted()) {
                        link.send(Messages.dataAck(id, -1));
                    }
                    link.send(Messages.dataEnd(id));
                }
            });
            while (true) {
                Frame frame = fromGuest.take();
                if (Messages.isData(frame)) {
                    try {
                        out.write(frame.payload());
                    } catch (IOException e) {
                        link.send(Messages.dataAck(id, -1)); // the host's client went away
                        break;
                    }
                    link.send(Messages.dataAck(id, frame.payload().length));
                } else if (Messages.isDataEnd(frame)) {
                    try {
                        c.shutdownOutput();
                    } catch (IOException ignored) {
                        // the client closed first
                    }
                } else {
                    break; // an abort, the forward's result, or an error (nothing listens in the guest)
                }
            }
            // never interrupt the up thread: an interrupt during its write would close the shared agent
            // channel (channel I/O is interruptible); closing the client's socket ends its read instead
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            toGuest.abort();
            link.close(id);
        }
    }

    private synchronized void startWatcher() {
        if (watcher == null || !watcher.isAlive()) {
            watcher = Thread.ofVirtual().name("forward-watch").start(this::watch);
        }
    }

    /** Ends the forwards of services that are no longer running (stopped, exited, failed, gone). */
    private void watch() {
        while (!forwards.isEmpty()) {
            try {
                Thread.sleep(WATCH_MS);
            } catch (InterruptedException e) {
                return;
            }
            Set<String> services = new LinkedHashSet<>();
            forwards.forEach(f -> services.add(f.service()));
            for (String s : services) {
                String state = serviceState(s);
                if (state != null && !ServiceState.fromWire(state).active()) {
                    for (Forward f : forwards) {
                        if (f.service().equals(s)) {
                            end(f, "the service is " + state);
                        }
                    }
                }
            }
        }
    }

    /** The service's state as the agent has it; "gone" when it has none; null when it did not answer. */
    private String serviceState(String service) {
        CompletableFuture<Frame> reply = new CompletableFuture<>();
        long id = link.open(reply::complete);
        try {
            if (!link.send(Messages.frame(id, new Request.ServiceStatus(service)))) {
                return null;
            }
            Frame f = reply.get(10, TimeUnit.SECONDS);
            if (Messages.isError(f)) {
                return ErrorCode.NOT_FOUND.wireName().equals(f.string("code")) ? "gone" : null;
            }
            ServiceState s = Messages.reply(f, Reply.ServiceResult.class).service().state();
            return s == null ? null : s.wire();
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException
                | pyro.protocol.ProtocolException
                | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            link.close(id);
        }
    }
}
