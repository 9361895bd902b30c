package pyro.core.supervisor;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import pyro.core.internal.Channels2;
import pyro.core.internal.HybridVsock;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The one channel to the guest agent. At boot it listens for the VMM's connection (or, for a vsock
 * plan, connects through the VMM's socket once the guest is up), then waits for the agent's hello,
 * or for a restored guest pings it and has it reseed itself. After boot it hands out the agent-side
 * request ids, writes frames one at a time, and runs the one reader that sends each frame from the
 * agent along its {@link Routes}. A second hello means the agent restarted: the requests it was
 * handling are answered with an error. When the channel ends the reader says why, once.
 */
final class AgentLink {
    private final InstancePaths paths;
    private final LaunchPlan plan;
    private final String instanceId;
    private final VmmProcess vmm;
    private final Routes routes;
    private final AtomicLong ids = new AtomicLong(1);
    private final Object writeLock = new Object();
    private ServerSocketChannel listener;
    private InputStream in;
    private volatile OutputStream out;

    AgentLink(InstancePaths paths, LaunchPlan plan, String instanceId, VmmProcess vmm, Routes routes) {
        this.paths = paths;
        this.plan = plan;
        this.instanceId = instanceId;
        this.vmm = vmm;
        this.routes = routes;
    }

    /** Before the VMM starts: a fresh agent socket, listened on unless the plan's channel connects. */
    void listen() throws IOException {
        Files.deleteIfExists(paths.agentSocket());
        if (!plan.channel().connects()) {
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(paths.agentSocket()));
        }
    }

    /** Once the VMM runs: the channel, then the agent's hello, within the boot's time from {@code t0}. */
    Reply.Hello open(long t0, long bootTimeoutMs) throws IOException {
        LaunchPlan.AgentChannel channel = plan.channel();
        SocketChannel agent;
        if (channel.connects()) {
            // The guest agent listens on its vsock port once it has booted: retry the handshake until then.
            long left = bootTimeoutMs - (System.nanoTime() - t0) / 1_000_000;
            long ms = Math.max(1, Math.min(left, plan.channelConnectTimeoutMs()));
            agent = HybridVsock.connect(channel.socket(), channel.port(), ms, vmm::isAlive,
                    () -> "the VM exited during boot (status " + vmm.process().exitValue() + "): "
                            + VmmProcess.tail(paths.vmmLog()) + "; console: " + VmmProcess.tail(paths.consoleLog()));
            Supervisor.log("agent channel: vsock port " + channel.port() + " through " + channel.socket());
        } else {
            // The VMM connects to us as soon as it starts; the hello frame comes when the guest agent is up.
            long ms = plan.channelConnectTimeoutMs();
            agent = Channels2.acceptFrom(listener, vmm.process(), ms, vmm::exitedAtStart,
                    () -> "the VM process did not connect its agent channel within " + ms + " ms");
        }
        in = new BufferedInputStream(Channels.newInputStream(agent), 1 << 16);
        out = new BufferedOutputStream(Channels.newOutputStream(agent), 1 << 16);
        long left = bootTimeoutMs - (System.nanoTime() - t0) / 1_000_000;
        return plan.warm() ? resumeWithin(left) : readHelloWithin(left);
    }

    /** After boot, or its failure: nothing else connects to the agent socket. */
    void closeListener() {
        try {
            if (listener != null) {
                listener.close();
            }
            Files.deleteIfExists(paths.agentSocket());
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** A fresh agent-side request id. */
    long nextId() {
        return ids.getAndIncrement();
    }

    /** Writes one frame to the agent; false when the channel is broken. */
    boolean send(Frame f) {
        synchronized (writeLock) {
            try {
                FrameCodec.write(out, f);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /** Starts the reader; {@code ended} hears once why the channel ended. */
    void startReader(Consumer<String> ended) {
        Thread.ofPlatform().name("agent-reader").daemon().start(() -> pump(ended));
    }

    private void pump(Consumer<String> ended) {
        try {
            Frame f;
            while ((f = FrameCodec.read(in)) != null) {
                if (Messages.isHello(f)) {
                    restarted();
                    continue;
                }
                routes.deliver(f);
            }
            ended.accept(vmm.deathOr("the guest agent closed its channel"));
        } catch (IOException e) {
            ended.accept(vmm.deathOr("the guest agent channel broke: " + e.getMessage()));
        } catch (Throwable t) {
            // never leave the record 'started' with nobody reading the channel
            ended.accept("the supervisor's reader of the agent channel died: " + t);
        }
    }

    /**
     * A second hello means the agent process died and init started it again: the requests it was
     * handling are gone, so answer them now instead of letting their callers wait forever.
     */
    private void restarted() {
        String reason = "the guest agent restarted while handling this request (it crashed; see "
                + "/var/log/pyro-agent.log in the guest)";
        Supervisor.log("agent hello again: failing " + routes.size() + " pending requests");
        routes.failAll(reason);
    }

    /**
     * A restored guest said its hello before it was saved: ping it, then have it reseed its RNG, set
     * its clock, hostname and machine id, before anyone else may talk to it.
     */
    private Reply.Hello resumeWithin(long ms) throws IOException {
        long deadline = System.currentTimeMillis() + ms;
        long pingId = nextId();
        sendOrThrow(Messages.frame(pingId, new Request.Ping()));
        Frame pong = awaitReply(pingId, deadline);
        Reply.Pong p = Messages.reply(pong, Reply.Pong.class);
        byte[] entropy = new byte[64];
        new SecureRandom().nextBytes(entropy);
        byte[] machine = new byte[16];
        new SecureRandom().nextBytes(machine);
        long reseedId = nextId();
        sendOrThrow(Messages.frame(reseedId, new Request.Reseed(Base64.getEncoder().encodeToString(entropy),
                System.currentTimeMillis(), "pyro-" + instanceId.substring(instanceId.indexOf('-') + 1),
                HexFormat.of().formatHex(machine))));
        Reply.ReseedResult r = Messages.reply(awaitReply(reseedId, deadline), Reply.ReseedResult.class);
        Supervisor.log("restored guest reseeded: " + r);
        return new Reply.Hello((long) Frame.PROTOCOL_VERSION, p.agentVersion(), null, null);
    }

    private void sendOrThrow(Frame f) throws IOException {
        if (!send(f)) {
            throw new IOException("the restored guest's agent channel closed");
        }
    }

    private Frame awaitReply(long id, long deadline) throws IOException {
        while (true) {
            Frame f = readWithin(deadline - System.currentTimeMillis(), "the restored guest's agent did not answer");
            if (f == null) {
                throw new IOException("the restored guest's agent closed its channel");
            }
            if (Messages.isError(f)) {
                throw new IOException("the restored guest's agent refused: " + f.string("message"));
            }
            if (f.id() == id) {
                return f;
            }
        }
    }

    private Reply.Hello readHelloWithin(long ms) throws IOException {
        Frame first = readWithin(ms, "the guest agent did not answer");
        if (first == null || !Messages.isHello(first)) {
            throw new IOException("the guest agent sent " + first + " instead of hello");
        }
        Reply.Hello hello = Messages.reply(first, Reply.Hello.class);
        long v = hello.version() == null ? -1 : hello.version();
        if (v != Frame.PROTOCOL_VERSION) {
            throw new IOException("the guest agent speaks protocol version " + v + ", this pyro speaks "
                    + Frame.PROTOCOL_VERSION + ": rebuild the environment with 'pyro env prune' and pull it again");
        }
        return hello;
    }

    /** One frame within {@code ms}, watching the VMM meanwhile; null at a clean end of the channel. */
    private Frame readWithin(long ms, String silence) throws IOException {
        CountDownLatch got = new CountDownLatch(1);
        Frame[] box = new Frame[1];
        IOException[] err = new IOException[1];
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                box[0] = FrameCodec.read(in);
            } catch (IOException e) {
                err[0] = e;
            }
            got.countDown();
        });
        long deadline = System.currentTimeMillis() + Math.max(ms, 1);
        try {
            while (!got.await(50, TimeUnit.MILLISECONDS)) {
                if (!vmm.isAlive()) {
                    throw new IOException("the VM exited during boot (status " + vmm.process().exitValue()
                            + "); console: " + VmmProcess.tail(paths.consoleLog()));
                }
                if (System.currentTimeMillis() > deadline) {
                    t.interrupt();
                    throw new IOException(silence + " within " + ms / 1000
                            + " s of boot; console: " + VmmProcess.tail(paths.consoleLog()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during boot");
        }
        if (err[0] != null) {
            throw new IOException("the agent channel broke during boot: " + err[0].getMessage());
        }
        return box[0];
    }
}
