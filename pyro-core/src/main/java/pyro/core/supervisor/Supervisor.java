package pyro.core.supervisor;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import pyro.protocol.ErrorCode;
import pyro.core.internal.Files2;
import pyro.core.internal.Instance;
import pyro.core.internal.StateStore;
import pyro.core.model.VmState;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.ProtocolException;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;

/**
 * The per-VM supervisor, the same for every backend: a small detached process that runs a backend's
 * {@link pyro.core.spi.LaunchPlan} (starts the VMM), owns the one agent channel,
 * and serves any number of clients on {@code supervisor.sock} (0600, in a 0700 folder). Client
 * requests are relayed to the agent with fresh ids and replies are routed back, so calls from
 * separate pyro processes run at the same time. It records a VMM death as the instance's failure,
 * enforces the TTL, and exits when the VM ends.
 *
 * <p>Start-up handshake: it prints exactly one line on stdout, {@code READY <boot_ms>} or
 * {@code FAILED <reason>}, then detaches stdout.
 */
public final class Supervisor {
    private final InstancePaths paths;
    private final LaunchFile launch;
    private final StateStore store;
    private final String instanceId;
    private final AtomicLong agentIds = new AtomicLong(1);
    private final Map<Long, Route> routes = new ConcurrentHashMap<>();
    private final Object agentWriteLock = new Object();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile OutputStream agentOut;
    private final VmmProcess vmm;
    private volatile boolean stopping;
    private volatile String failure;
    private ServerSocketChannel clients;
    private final Forwards forwards = new Forwards(new Forwards.AgentLink() {
        @Override
        public long open(java.util.function.Consumer<Frame> sink) {
            long id = agentIds.getAndIncrement();
            routes.put(id, new Route(sink::accept, id));
            return id;
        }

        @Override
        public boolean send(Frame f) {
            return failure == null && toAgent(f);
        }

        @Override
        public void close(long agentId) {
            routes.remove(agentId);
        }

        @Override
        public void log(String message) {
            Supervisor.log(message);
        }
    });

    /** Where frames from the agent for one request go: a client's connection, or a call of the supervisor's own. */
    private interface Sink {
        void send(Frame f);
    }

    /** Where a relayed request's replies go, under the id the sink knows it by. */
    private record Route(Sink sink, long clientId) {}

    private Supervisor(InstancePaths paths) throws IOException {
        this.paths = paths;
        this.launch = LaunchFile.read(paths.launchFile());
        this.store = new StateStore(launch.stateDir());
        this.instanceId = launch.instanceId();
        this.vmm = new VmmProcess(paths, launch.plan());
    }

    public static void main(String[] args) throws Exception {
        PrintStream handshake = System.out;
        InstancePaths paths = new InstancePaths(Path.of(args[0]));
        System.setOut(new PrintStream(Files.newOutputStream(Files2.touchPrivate(paths.supervisorLog())), true));
        System.setErr(System.out);
        Supervisor s;
        try {
            s = new Supervisor(paths);
        } catch (IOException | RuntimeException e) {
            handshake.println("FAILED cannot read launch.json: " + e.getMessage());
            handshake.close();
            System.exit(1);
            return;
        }
        s.run(handshake);
    }

    static void log(String msg) {
        System.out.println(Instant.now() + " " + msg);
    }

    private void run(PrintStream handshake) {
        long t0 = System.nanoTime();
        long bootTimeoutMs = launch.bootTimeoutMs();
        Path agentSock = paths.agentSocket();
        ServerSocketChannel agentServer = null;
        try {
            Files2.writeAtomically(paths.supervisorPid(), (ProcessHandle.current().pid() + "\n").getBytes());
            LaunchPlan.AgentChannel channel = launch.plan().channel();
            Files.deleteIfExists(agentSock);
            if (!channel.connects()) {
                agentServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                agentServer.bind(UnixDomainSocketAddress.of(agentSock));
            }
            vmm.start(t0, bootTimeoutMs);
            SocketChannel agent;
            if (channel.connects()) {
                // The guest agent listens on its vsock port once it has booted: retry the handshake until then.
                long left = bootTimeoutMs - (System.nanoTime() - t0) / 1_000_000;
                long ms = Math.max(1, Math.min(left, launch.plan().channelConnectTimeoutMs()));
                agent = pyro.core.internal.HybridVsock.connect(channel.socket(), channel.port(), ms, vmm::isAlive,
                        () -> "the VM exited during boot (status " + vmm.process().exitValue() + "): " + VmmProcess.tail(paths.vmmLog())
                                + "; console: " + VmmProcess.tail(paths.consoleLog()));
                log("agent channel: vsock port " + channel.port() + " through " + channel.socket());
            } else {
                // The VMM connects to us as soon as it starts; the hello frame comes when the guest agent is up.
                agent = acceptWithin(agentServer, launch.plan().channelConnectTimeoutMs());
            }
            InputStream in = new BufferedInputStream(Channels.newInputStream(agent), 1 << 16);
            agentOut = new BufferedOutputStream(Channels.newOutputStream(agent), 1 << 16);
            long left = bootTimeoutMs - (System.nanoTime() - t0) / 1_000_000;
            Reply.Hello hello = launch.plan().warm() ? resumeWithin(in, left) : readHelloWithin(in, left);
            long bootMs = (System.nanoTime() - t0) / 1_000_000;
            log("agent hello after " + bootMs + " ms: " + hello);
            Files2.writeAtomically(paths.hello(), pyro.core.internal.Json.write(Messages.fields(hello)).getBytes(
                    StandardCharsets.UTF_8));
            startClientServer();
            Thread.ofPlatform().name("agent-reader").daemon().start(() -> pumpAgent(in));
            Thread.ofPlatform().name("vmm-watch").daemon().start(this::watchVmm);
            Thread.ofPlatform().name("ttl").daemon().start(this::watchTtl);
            handshake.println("READY " + bootMs);
            handshake.close();
        } catch (Exception e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            log("boot failed: " + reason);
            handshake.println("FAILED " + reason.replace('\n', ' '));
            handshake.close();
            vmm.destroy();
            cleanupSockets();
            System.exit(1);
        } finally {
            try {
                if (agentServer != null) {
                    agentServer.close();
                }
                Files.deleteIfExists(agentSock);
            } catch (IOException ignored) {
                // best effort
            }
        }
        try {
            done.await();
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
        vmm.destroy();
        cleanupSockets();
        log("supervisor exits");
        System.exit(0);
    }

    private SocketChannel acceptWithin(ServerSocketChannel server, long ms) throws IOException {
        return pyro.core.internal.Channels2.acceptFrom(server, vmm.process(), ms, vmm::exitedAtStart,
                () -> "the VM process did not connect its agent channel within " + ms + " ms");
    }

    /**
     * A restored guest said its hello before it was saved: ping it, then have it reseed its RNG, set
     * its clock, hostname and machine id, before anyone else may talk to it.
     */
    private Reply.Hello resumeWithin(InputStream in, long ms) throws IOException {
        long deadline = System.currentTimeMillis() + ms;
        long pingId = agentIds.getAndIncrement();
        toAgentOrThrow(Messages.frame(pingId, new Request.Ping()));
        Frame pong = awaitReply(in, pingId, deadline);
        Reply.Pong p = Messages.reply(pong, Reply.Pong.class);
        byte[] entropy = new byte[64];
        new java.security.SecureRandom().nextBytes(entropy);
        byte[] machine = new byte[16];
        new java.security.SecureRandom().nextBytes(machine);
        long reseedId = agentIds.getAndIncrement();
        toAgentOrThrow(Messages.frame(reseedId, new Request.Reseed(java.util.Base64.getEncoder().encodeToString(entropy),
                System.currentTimeMillis(), "pyro-" + instanceId.substring(instanceId.indexOf('-') + 1),
                java.util.HexFormat.of().formatHex(machine))));
        Reply.ReseedResult r = Messages.reply(awaitReply(in, reseedId, deadline), Reply.ReseedResult.class);
        log("restored guest reseeded: " + r);
        return new Reply.Hello((long) Frame.PROTOCOL_VERSION, p.agentVersion(), null, null);
    }

    private void toAgentOrThrow(Frame f) throws IOException {
        if (!toAgent(f)) {
            throw new IOException("the restored guest's agent channel closed");
        }
    }

    private Frame awaitReply(InputStream in, long id, long deadline) throws IOException {
        while (true) {
            Frame f = readWithin(in, deadline - System.currentTimeMillis(), "the restored guest's agent did not answer");
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

    private Reply.Hello readHelloWithin(InputStream in, long ms) throws IOException {
        Frame first = readWithin(in, ms, "the guest agent did not answer");
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
    private Frame readWithin(InputStream in, long ms, String silence) throws IOException {
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
                    throw new IOException("the VM exited during boot (status " + vmm.process().exitValue() + "); console: "
                            + VmmProcess.tail(paths.consoleLog()));
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

    private void startClientServer() throws IOException {
        Path sock = paths.supervisorSocket();
        Files.deleteIfExists(sock);
        clients = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        clients.bind(UnixDomainSocketAddress.of(sock));
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-------"));
        Thread.ofPlatform().name("accept").daemon().start(() -> {
            while (clients.isOpen()) {
                try {
                    SocketChannel c = clients.accept();
                    Thread.ofVirtual().start(() -> serve(new ClientConn(c)));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /**
     * One connected client: frames in; replies out through its own queue and writer thread, so a client
     * that reads slowly or not at all never holds up the agent channel's reader (and with it every other
     * client of the VM). A download's data frames keep their back-pressure: the reader waits while this
     * client is more than {@link #DATA_BEHIND} behind, at most {@link #STALL_MS}; a client that stalls that
     * long, or lets {@link #MAX_BEHIND} of replies pile up, is disconnected.
     */
    private static final class ClientConn implements Sink {
        static final long DATA_BEHIND = 8L << 20;
        static final long MAX_BEHIND = 64L << 20;
        static final long STALL_MS = 60_000;
        private static final Frame END = new Frame(Map.of("id", -1L, "type", "end"));
        final SocketChannel channel;
        final InputStream in;
        final OutputStream out;
        final Map<Long, Long> uploads = new ConcurrentHashMap<>();
        private final java.util.concurrent.LinkedBlockingQueue<Frame> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        private final AtomicLong behind = new AtomicLong();
        private final Object progress = new Object();
        private final Thread writer;
        private volatile boolean closed;

        ClientConn(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            this.writer = Thread.ofVirtual().name("client-writer").start(this::writeLoop);
        }

        private static long size(Frame f) {
            return f.payload().length + 256L;
        }

        @Override
        public void send(Frame f) {
            if (closed) {
                return;
            }
            if (Messages.isData(f)) {
                long until = System.currentTimeMillis() + STALL_MS;
                synchronized (progress) {
                    while (behind.get() > DATA_BEHIND && !closed) {
                        long left = until - System.currentTimeMillis();
                        if (left <= 0) {
                            drop();
                            return;
                        }
                        try {
                            progress.wait(Math.min(left, 100));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
            if (behind.addAndGet(size(f)) > MAX_BEHIND) {
                drop();
                return;
            }
            queue.add(f);
        }

        private void writeLoop() {
            try {
                while (true) {
                    Frame f = queue.take();
                    if (f == END) {
                        return;
                    }
                    FrameCodec.write(out, f);
                    behind.addAndGet(-size(f));
                    synchronized (progress) {
                        progress.notifyAll();
                    }
                }
            } catch (IOException e) {
                drop(); // the client went away; its replies are dropped
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Disconnects the client (its requests' routes go when its serve loop ends). */
        private void drop() {
            closed = true;
            queue.clear();
            queue.add(END);
            synchronized (progress) {
                progress.notifyAll();
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // closed already
            }
        }

        /** Ends the writer once it has sent what is queued (the client is gone or done). */
        void end() {
            queue.add(END);
        }

        /** Lets the writer send what is queued (within {@code ms}), then ends it. */
        void finish(long ms) {
            queue.add(END);
            try {
                writer.join(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void serve(ClientConn c) {
        try (SocketChannel ignored = c.channel) {
            Frame f;
            while ((f = FrameCodec.read(c.in)) != null) {
                long clientId = f.id();
                if (Messages.isData(f) || Messages.isDataEnd(f)) {
                    Long agentId = c.uploads.get(clientId);
                    if (agentId != null) {
                        toAgent(Messages.withId(f, agentId));
                        if (Messages.isDataEnd(f)) {
                            c.uploads.remove(clientId);
                        }
                    }
                    continue;
                }
                Request request;
                try {
                    request = Messages.request(f);
                } catch (ProtocolException e) {
                    c.send(error(clientId, ErrorCode.INVALID_INPUT, e.getMessage()));
                    continue;
                }
                switch (request) {
                    case Request.VmStatus s -> c.send(Messages.frame(clientId, status()));
                    case Request.PortPublish p -> c.send(Messages.frame(clientId, failure != null
                            ? new Reply.Error(ErrorCode.GUEST_FAILURE, failure) : forwards.publish(p)));
                    case Request.PortUnpublish p -> c.send(Messages.frame(clientId, forwards.unpublish(p)));
                    case Request.PortList p -> c.send(Messages.frame(clientId, forwards.list()));
                    case Request.VmStop s -> {
                        stopVm(Boolean.TRUE.equals(s.graceful()));
                        c.send(Messages.frame(clientId, new Reply.VmStopResult()));
                        c.finish(2_000); // the answer goes out before the supervisor exits
                        done.countDown();
                        return;
                    }
                    default -> relay(c, f);
                }
            }
        } catch (IOException e) {
            // client disconnected
        } catch (RuntimeException | OutOfMemoryError e) {
            log("dropping a client whose frames could not be read: " + e);
        } finally {
            routes.entrySet().removeIf(e -> e.getValue().sink() == c);
            c.end();
        }
    }

    private void relay(ClientConn c, Frame f) {
        if (failure != null) {
            c.send(error(f.id(), ErrorCode.GUEST_FAILURE, failure));
            return;
        }
        long agentId = agentIds.getAndIncrement();
        routes.put(agentId, new Route(c, f.id()));
        c.uploads.put(f.id(), agentId);
        if (!toAgent(Messages.withId(f, agentId))) {
            routes.remove(agentId);
            c.send(error(f.id(), ErrorCode.GUEST_FAILURE, failure != null ? failure : "the agent channel is closed"));
        }
    }

    private boolean toAgent(Frame f) {
        synchronized (agentWriteLock) {
            try {
                FrameCodec.write(agentOut, f);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    private void pumpAgent(InputStream in) {
        try {
            Frame f;
            while ((f = FrameCodec.read(in)) != null) {
                if (Messages.isHello(f)) {
                    agentRestarted();
                    continue;
                }
                Route r = routes.get(f.id());
                if (r == null) {
                    continue;
                }
                if (!Messages.isData(f) && !Messages.isDataEnd(f) && !Messages.isDataAck(f)) {
                    routes.remove(f.id());
                    if (r.sink() instanceof ClientConn cc) {
                        cc.uploads.remove(r.clientId());
                    }
                }
                r.sink().send(Messages.withId(f, r.clientId()));
            }
            fail(vmm.deathOr("the guest agent closed its channel"));
        } catch (IOException e) {
            fail(vmm.deathOr("the guest agent channel broke: " + e.getMessage()));
        } catch (Throwable t) {
            // never leave the record 'started' with nobody reading the channel
            fail("the supervisor's reader of the agent channel died: " + t);
        }
    }

    /**
     * A second hello means the agent process died and init started it again: the requests it was
     * handling are gone, so answer them now instead of letting their callers wait forever.
     */
    private void agentRestarted() {
        String reason = "the guest agent restarted while handling this request (it crashed; see "
                + "/var/log/pyro-agent.log in the guest)";
        log("agent hello again: failing " + routes.size() + " pending requests");
        for (var e : routes.entrySet()) {
            e.getValue().sink().send(error(e.getValue().clientId(), ErrorCode.GUEST_FAILURE, reason));
        }
        routes.clear();
    }

    private void watchVmm() {
        try {
            int status = vmm.process().waitFor();
            if (!stopping) {
                fail(vmm.death(status));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends the VM when its TTL passes, when its record is deleted, or when the pyro process that is
     * still creating it died (a client killed during create must not leave a VM running and a record
     * saying starting).
     */
    private void watchTtl() {
        while (!stopping) {
            Instance inst;
            try {
                var loaded = store.load(instanceId);
                if (loaded.isEmpty()) {
                    stopVm(false);
                    done.countDown();
                    return;
                }
                inst = loaded.get();
            } catch (RuntimeException e) {
                // a corrupt record: keep the VM until someone deletes it (delete finds it by its pid files)
                sleep(5_000);
                continue;
            }
            Instant expires = inst.expiresAt();
            long waitMs = expires.toEpochMilli() - System.currentTimeMillis();
            if (waitMs <= 0) {
                log("ttl passed: releasing the VM");
                stopVm(false);
                store.update(instanceId, Instance::expire);
                done.countDown();
                return;
            }
            if (inst.num(pyro.core.internal.VmManager.OWNER_PID) != null
                    && !pyro.core.internal.VmManager.ownerAlive(inst)) {
                fail("the pyro process (pid " + inst.num(pyro.core.internal.VmManager.OWNER_PID)
                        + ") creating it exited before the create finished");
                return;
            }
            sleep(Math.min(waitMs, inst.num(pyro.core.internal.VmManager.OWNER_PID) != null ? 500 : 5_000));
        }
    }

    /** Records the failure in the instance record, answers pending requests, and ends. */
    private synchronized void fail(String reason) {
        if (stopping || failure != null) {
            return;
        }
        failure = reason;
        log("failure: " + reason);
        store.update(instanceId, i -> i.state(VmState.FAILED, reason));
        forwards.closeAll();
        for (var e : routes.entrySet()) {
            e.getValue().sink().send(error(e.getValue().clientId(), ErrorCode.GUEST_FAILURE, reason));
        }
        routes.clear();
        done.countDown();
    }

    /**
     * Ends the VM. The disk overlay is thrown away with the VM, so by default there is nothing to
     * flush and the VMM is simply killed (a guest shutdown under TCG costs seconds); {@code graceful}
     * asks the agent to sync and power off first.
     */
    private void stopVm(boolean graceful) {
        stopping = true;
        forwards.closeAll();
        if (vmm.isAlive()) {
            if (graceful) {
                long id = agentIds.getAndIncrement();
                toAgent(Messages.frame(id, new Request.Shutdown()));
            }
            vmm.stop(graceful ? launch.plan().gracefulStopMs() : 0);
        }
    }

    private void cleanupSockets() {
        try {
            if (clients != null) {
                clients.close();
            }
            Files.deleteIfExists(paths.supervisorSocket());
        } catch (IOException ignored) {
            // best effort
        }
        vmm.cleanupSockets();
    }

    private Reply.VmStatusResult status() {
        return new Reply.VmStatusResult(failure != null ? VmState.FAILED.wire() : "running", failure,
                vmm.process() == null ? null : vmm.process().pid(), (long) routes.size());
    }

    private static Frame error(long id, ErrorCode code, String message) {
        return Messages.frame(id, new Reply.Error(code, message));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
