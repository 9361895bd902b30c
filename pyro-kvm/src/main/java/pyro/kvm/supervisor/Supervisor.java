package pyro.kvm.supervisor;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import pyro.core.internal.Json;
import pyro.core.internal.StateStore;
import pyro.core.protocol.Frame;
import pyro.core.protocol.FrameCodec;

/**
 * The per-VM supervisor: a small detached process that starts the VMM, owns the one agent channel,
 * and serves any number of clients on {@code supervisor.sock} (0600, in a 0700 folder). Client
 * requests are relayed to the agent with fresh ids and replies are routed back, so calls from
 * separate pyro processes run at the same time. It records a VMM death as the instance's failure,
 * enforces the TTL, and exits when the VM ends.
 *
 * <p>Start-up handshake: it prints exactly one line on stdout, {@code READY <boot_ms>} or
 * {@code FAILED <reason>}, then detaches stdout.
 */
public final class Supervisor {
    private final Path dir;
    private final Map<String, Object> launch;
    private final StateStore store;
    private final String instanceId;
    private final AtomicLong agentIds = new AtomicLong(1);
    private final Map<Long, Route> routes = new ConcurrentHashMap<>();
    private final Object agentWriteLock = new Object();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile OutputStream agentOut;
    private volatile Process vmm;
    private volatile boolean stopping;
    private volatile String failure;
    private ServerSocketChannel clients;

    /** Where a relayed request's replies go. */
    private record Route(ClientConn conn, long clientId) {}

    private Supervisor(Path dir) throws IOException {
        this.dir = dir;
        this.launch = Json.readMap(Files.readString(dir.resolve("launch.json")));
        this.store = new StateStore(Path.of(launch.get("state_dir").toString()));
        this.instanceId = launch.get("instance_id").toString();
    }

    public static void main(String[] args) throws Exception {
        PrintStream handshake = System.out;
        Path dir = Path.of(args[0]);
        System.setOut(new PrintStream(Files.newOutputStream(dir.resolve("supervisor.log")), true));
        System.setErr(System.out);
        Supervisor s;
        try {
            s = new Supervisor(dir);
        } catch (IOException | RuntimeException e) {
            handshake.println("FAILED cannot read launch.json: " + e.getMessage());
            handshake.close();
            System.exit(1);
            return;
        }
        s.run(handshake);
    }

    private void log(String msg) {
        System.out.println(Instant.now() + " " + msg);
    }

    @SuppressWarnings("unchecked")
    private void run(PrintStream handshake) {
        long t0 = System.nanoTime();
        long bootTimeoutMs = ((Number) launch.get("boot_timeout_ms")).longValue();
        Path agentSock = Path.of(launch.get("agent_socket").toString());
        ServerSocketChannel agentServer = null;
        try {
            Files.writeString(dir.resolve("supervisor.pid"), ProcessHandle.current().pid() + "\n");
            Files.deleteIfExists(agentSock);
            agentServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            agentServer.bind(UnixDomainSocketAddress.of(agentSock));
            List<String> argv = (List<String>) launch.get("vmm_argv");
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("vmm.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            log("starting " + String.join(" ", argv));
            vmm = pb.start();
            Files.writeString(dir.resolve("vmm.pid"), vmm.pid() + "\n");
            // QEMU connects to us as soon as it starts; the hello frame comes when the guest agent is up.
            SocketChannel agent = acceptWithin(agentServer, 30_000);
            InputStream in = new BufferedInputStream(Channels.newInputStream(agent), 1 << 16);
            agentOut = new BufferedOutputStream(Channels.newOutputStream(agent), 1 << 16);
            Frame hello = readHelloWithin(in, bootTimeoutMs - (System.nanoTime() - t0) / 1_000_000);
            long bootMs = (System.nanoTime() - t0) / 1_000_000;
            log("agent hello after " + bootMs + " ms: " + hello.header());
            Files.writeString(dir.resolve("hello.json"), Json.write(hello.header()));
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
            destroyVmm();
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
        destroyVmm();
        cleanupSockets();
        log("supervisor exits");
        System.exit(0);
    }

    private SocketChannel acceptWithin(ServerSocketChannel server, long ms) throws IOException {
        server.configureBlocking(false);
        long deadline = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < deadline) {
            SocketChannel c = server.accept();
            if (c != null) {
                c.configureBlocking(true);
                return c;
            }
            if (!vmm.isAlive()) {
                throw new IOException("the VM process exited at start (status " + vmm.exitValue() + "): "
                        + tail(dir.resolve("vmm.log")));
            }
            sleep(5);
        }
        throw new IOException("the VM process did not connect its agent channel within " + ms + " ms");
    }

    private Frame readHelloWithin(InputStream in, long ms) throws IOException {
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
                    throw new IOException("the VM exited during boot (status " + vmm.exitValue() + "); console: "
                            + tail(dir.resolve("console.log")));
                }
                if (System.currentTimeMillis() > deadline) {
                    t.interrupt();
                    throw new IOException("the guest agent did not answer within " + ms / 1000
                            + " s of boot; console: " + tail(dir.resolve("console.log")));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during boot");
        }
        if (err[0] != null) {
            throw new IOException("the agent channel broke during boot: " + err[0].getMessage());
        }
        if (box[0] == null || !"hello".equals(box[0].type())) {
            throw new IOException("the guest agent sent " + box[0] + " instead of hello");
        }
        long v = box[0].longValue("version", -1);
        if (v != Frame.PROTOCOL_VERSION) {
            throw new IOException("the guest agent speaks protocol version " + v + ", this pyro speaks "
                    + Frame.PROTOCOL_VERSION + ": rebuild the environment with 'pyro env prune' and pull it again");
        }
        return box[0];
    }

    static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "(no output)";
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            List<String> last = lines.subList(Math.max(0, lines.size() - 5), lines.size());
            String s = String.join(" | ", last).strip();
            return s.isEmpty() ? "(no output)" : s;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private void startClientServer() throws IOException {
        Path sock = dir.resolve("supervisor.sock");
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

    /** One connected client: frames in, replies out under its own lock. */
    private static final class ClientConn {
        final SocketChannel channel;
        final InputStream in;
        final OutputStream out;
        final Map<Long, Long> uploads = new ConcurrentHashMap<>();

        ClientConn(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        }

        void send(Frame f) {
            synchronized (out) {
                try {
                    FrameCodec.write(out, f);
                } catch (IOException ignored) {
                    // the client went away; its replies are dropped
                }
            }
        }
    }

    private void serve(ClientConn c) {
        try (SocketChannel ignored = c.channel) {
            Frame f;
            while ((f = FrameCodec.read(c.in)) != null) {
                long clientId = f.id();
                switch (f.type()) {
                    case "status" -> c.send(reply(clientId, "status_result", statusFields()));
                    case "stop" -> {
                        stopVm(f.bool("graceful"));
                        c.send(reply(clientId, "stop_result", Map.of()));
                        done.countDown();
                        return;
                    }
                    case "data", "data_end" -> {
                        Long agentId = c.uploads.get(clientId);
                        if (agentId != null) {
                            Map<String, Object> h = new LinkedHashMap<>(f.header());
                            h.put("id", agentId);
                            toAgent(new Frame(h, f.payload()));
                            if ("data_end".equals(f.type())) {
                                c.uploads.remove(clientId);
                            }
                        }
                    }
                    default -> relay(c, f);
                }
            }
        } catch (IOException e) {
            // client disconnected
        } finally {
            routes.entrySet().removeIf(e -> e.getValue().conn() == c);
        }
    }

    private void relay(ClientConn c, Frame f) {
        if (failure != null) {
            c.send(error(f.id(), "guest_failure", failure));
            return;
        }
        long agentId = agentIds.getAndIncrement();
        routes.put(agentId, new Route(c, f.id()));
        c.uploads.put(f.id(), agentId);
        Map<String, Object> h = new LinkedHashMap<>(f.header());
        h.put("id", agentId);
        if (!toAgent(new Frame(h, f.payload()))) {
            routes.remove(agentId);
            c.send(error(f.id(), "guest_failure", failure != null ? failure : "the agent channel is closed"));
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
                if ("hello".equals(f.type())) {
                    agentRestarted();
                    continue;
                }
                Route r = routes.get(f.id());
                if (r == null) {
                    continue;
                }
                String type = f.type();
                if (!"data".equals(type) && !"data_end".equals(type)) {
                    routes.remove(f.id());
                    r.conn().uploads.remove(r.clientId());
                }
                Map<String, Object> h = new LinkedHashMap<>(f.header());
                h.put("id", r.clientId());
                r.conn().send(new Frame(h, f.payload()));
            }
            fail(vmmDeathOr("the guest agent closed its channel"));
        } catch (IOException e) {
            fail(vmmDeathOr("the guest agent channel broke: " + e.getMessage()));
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
            e.getValue().conn().send(error(e.getValue().clientId(), "guest_failure", reason));
        }
        routes.clear();
    }

    /** When the channel ends because the VMM died, say that (the channel usually notices first). */
    private String vmmDeathOr(String reason) {
        try {
            if (vmm.waitFor(2, TimeUnit.SECONDS)) {
                return vmmDeath(vmm.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return reason;
    }

    private String vmmDeath(int status) {
        String how = status > 128 ? "killed by signal " + (status - 128) : "exit status " + status;
        return "the VM process (pid " + vmm.pid() + ") exited unexpectedly (" + how + ")";
    }

    private void watchVmm() {
        try {
            int status = vmm.waitFor();
            if (!stopping) {
                fail(vmmDeath(status));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void watchTtl() {
        while (!stopping) {
            var inst = store.load(instanceId);
            if (inst.isEmpty()) {
                stopVm(false);
                done.countDown();
                return;
            }
            Instant expires = inst.get().expiresAt();
            long waitMs = expires.toEpochMilli() - System.currentTimeMillis();
            if (waitMs <= 0) {
                log("ttl passed: releasing the VM");
                stopVm(false);
                store.update(instanceId, i -> i.set("expired", true)
                        .set("state", "stopped")
                        .set("state_reason", "expired: the ttl of " + i.ttlSeconds() + " s passed"));
                done.countDown();
                return;
            }
            sleep(Math.min(waitMs, 5_000));
        }
    }

    /** Records the failure in the instance record, answers pending requests, and ends. */
    private synchronized void fail(String reason) {
        if (stopping || failure != null) {
            return;
        }
        failure = reason;
        log("failure: " + reason);
        store.update(instanceId, i -> i.set("state", "failed").set("state_reason", reason));
        for (var e : routes.entrySet()) {
            e.getValue().conn().send(error(e.getValue().clientId(), "guest_failure", reason));
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
        if (vmm != null && vmm.isAlive()) {
            if (graceful) {
                long id = agentIds.getAndIncrement();
                toAgent(new Frame(Map.of("id", id, "type", "shutdown")));
            }
            try {
                if (!vmm.waitFor(graceful ? 3 : 0, TimeUnit.SECONDS)) {
                    vmm.destroy();
                    if (!vmm.waitFor(2, TimeUnit.SECONDS)) {
                        vmm.destroyForcibly();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void destroyVmm() {
        if (vmm != null && vmm.isAlive()) {
            vmm.destroyForcibly();
            try {
                vmm.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void cleanupSockets() {
        try {
            if (clients != null) {
                clients.close();
            }
            Files.deleteIfExists(dir.resolve("supervisor.sock"));
        } catch (IOException ignored) {
            // best effort
        }
    }

    private Map<String, Object> statusFields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vm_state", failure != null ? "failed" : "running");
        m.put("reason", failure);
        m.put("vmm_pid", vmm == null ? null : vmm.pid());
        m.put("pending_requests", routes.size());
        return m;
    }

    private static Frame reply(long id, String type, Map<String, Object> fields) {
        Map<String, Object> h = new LinkedHashMap<>(fields);
        h.put("id", id);
        h.put("type", type);
        return new Frame(h);
    }

    private static Frame error(long id, String code, String message) {
        return reply(id, "error", Map.of("code", code, "message", message));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
