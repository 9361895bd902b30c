package pyro.agent;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import pyro.protocol.ErrorCode;
import pyro.protocol.archive.ArchiveException;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.ProtocolException;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The request loop. One reader (this thread) parses frames; each request runs on its own virtual thread;
 * every write to the channel goes through {@link #send} under one lock; {@code data}/{@code data_end}
 * frames of an upload are routed to the request with the same id.
 */
final class Agent {
    static final String VERSION = pyro.protocol.Version.PYRO;

    private volatile DataInputStream in;
    private volatile OutputStream out;
    /** Where the next host connection comes from when the current one ends (vsock), or null. */
    private final Acceptor acceptor;
    private final Object writeLock = new Object();
    private final boolean guest;
    private final boolean reconnecting;
    private final Workspace workspace;
    private final pyro.agent.shell.Shells shells;
    private final Map<Long, Upload> uploads = new ConcurrentHashMap<>();
    private final Map<Long, pyro.protocol.ForwardWindow> windows = new ConcurrentHashMap<>();
    /** The threads of running execs by request id: a {@link Request.Cancel} interrupts one, which kills its process group. */
    private final Map<Long, Thread> execs = new ConcurrentHashMap<>();

    /**
     * @param guest true when running inside a guest ({@code --channel virtio:...}): shutdown powers off
     * @param reconnecting true when end-of-stream means "host not connected yet" rather than "exit"
     */
    Agent(InputStream in, OutputStream out, Path root, boolean guest, boolean reconnecting) {
        this(null, root, guest, reconnecting);
        this.in = in instanceof DataInputStream d ? d : new DataInputStream(in);
        this.out = out;
    }

    /** One host connection: the agent's frames in and out, closed when it ends. */
    interface Link extends AutoCloseable {
        InputStream in();

        OutputStream out();

        @Override
        void close();
    }

    /** Waits for the host's next connection (a listening vsock socket's accept). */
    interface Acceptor {
        Link accept() throws IOException;
    }

    /**
     * An agent that serves one host connection after another from {@code acceptor}, keeping its
     * shells, services and uploads across them: with vsock the host connects to a listening agent, and
     * a new connection (a restored snapshot, a restarted supervisor) is answered with hello again.
     */
    Agent(Acceptor acceptor, Path root, boolean guest) {
        this(acceptor, root, guest, true);
    }

    private Agent(Acceptor acceptor, Path root, boolean guest, boolean reconnecting) {
        this.acceptor = acceptor;
        this.guest = guest;
        this.reconnecting = reconnecting;
        this.workspace = new Workspace(root);
        this.shells = new pyro.agent.shell.Shells(root);
    }

    void send(Frame frame) throws IOException {
        if (!Messages.isData(frame) && !pyro.agent.secret.Secrets.get().isEmpty()) {
            // every reply, error and record passes here: no secret's value leaves the guest in one
            frame = new Frame(pyro.agent.secret.Secrets.get().redactHeader(frame.header()), frame.payload());
        }
        synchronized (writeLock) {
            FrameCodec.write(out, frame);
        }
    }

    private void send(long id, Reply reply) throws IOException {
        send(Messages.frame(id, reply));
    }

    static Reply.Hello hello() {
        long uptime = 0;
        try {
            uptime = (long) (Double.parseDouble(readFirstLine("/proc/uptime", "0").split(" ")[0]) * 1000);
        } catch (NumberFormatException ignored) {
            // leave 0
        }
        return new Reply.Hello((long) Frame.PROTOCOL_VERSION, VERSION,
                readFirstLine("/proc/sys/kernel/osrelease", "unknown"), uptime);
    }

    private static String readFirstLine(String file, String fallback) {
        try {
            String s = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            int nl = s.indexOf('\n');
            return nl >= 0 ? s.substring(0, nl) : s;
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    /** Sends hello, then serves requests until the channel ends (or forever, when reconnecting). */
    void serve() throws IOException {
        if (acceptor != null) {
            serveConnections();
            return;
        }
        send(0, hello());
        while (true) {
            Frame f;
            try {
                f = FrameCodec.read(in);
            } catch (java.io.EOFException e) {
                f = null;
            }
            if (f == null) {
                if (!reconnecting) {
                    Log.info("channel closed; exiting");
                    return;
                }
                sleep(100); // virtio-serial: host side not connected
                continue;
            }
            dispatch(f);
        }
    }

    /** Each accepted connection: hello, then its requests until it ends; then the next one. */
    private void serveConnections() throws IOException {
        while (true) {
            Link link = acceptor.accept();
            synchronized (writeLock) {
                in = new DataInputStream(new java.io.BufferedInputStream(link.in(), 64 * 1024));
                out = new java.io.BufferedOutputStream(link.out(), 64 * 1024);
            }
            Log.info("host connected");
            try {
                send(0, hello());
                Frame f;
                while ((f = FrameCodec.read(in)) != null) {
                    dispatch(f);
                }
                Log.info("host connection closed; waiting for the next one");
            } catch (IOException e) {
                Log.error("host connection broke; waiting for the next one", e);
            } finally {
                link.close();
            }
        }
    }

    private void dispatch(Frame f) {
        long id = f.id();
        if (Messages.isDataAck(f)) {
            var w = windows.get(id);
            if (w != null) {
                w.ack(f.longValue("bytes", -1));
            }
            return;
        }
        if (Messages.isData(f) || Messages.isDataEnd(f)) {
            Upload u = uploads.get(id);
            if (u == null) {
                Log.info("dropping " + f.type() + " frame for unknown upload id " + id);
                return;
            }
            try {
                u.offer(f);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (Messages.isDataEnd(f)) {
                uploads.remove(id, u);
            }
            return;
        }
        Request<?> request;
        try {
            request = Messages.request(f);
        } catch (ProtocolException e) {
            reply(id, new Reply.Error(ErrorCode.INVALID_INPUT, e.getMessage()));
            return;
        }
        Upload upload = null;
        if (request instanceof Request.Import || request instanceof Request.Discard) {
            upload = new Upload();
            uploads.put(id, upload);
        } else if (request instanceof Request.PortConnect) {
            upload = Upload.windowed();
            uploads.put(id, upload);
            windows.put(id, new pyro.protocol.ForwardWindow());
        }
        Upload finalUpload = upload;
        if (request instanceof Request.Exec) {
            Thread t = Thread.ofVirtual().name("request-" + id + "-" + f.type()).unstarted(() -> {
                try {
                    handle(id, request, finalUpload);
                } finally {
                    execs.remove(id);
                }
            });
            execs.put(id, t);
            t.start();
            return;
        }
        Thread.ofVirtual().name("request-" + id + "-" + f.type()).start(() -> handle(id, request, finalUpload));
    }

    private void handle(long id, Request<?> request, Upload upload) {
        Reply reply;
        try {
            if (!(request instanceof Request.ToAgent<?> forAgent)) {
                throw AgentException.invalid(Messages.typeName((Record) request) + " is answered by the VM's supervisor");
            }
            reply = switch (forAgent) {
                case Request.Ping p -> new Reply.Pong(VERSION);
                case Request.Shutdown s -> new Reply.ShutdownResult();
                case Request.Exec e -> {
                    Exec.Spec spec = execSpec(e);
                    yield Exec.run(spec, Boolean.TRUE.equals(e.stream()) ? new ExecStream(this, id, spec.outputLimit()) : null);
                }
                case Request.Import i -> workspace.importArchive(i, upload);
                case Request.Export e -> workspace.export(e, id, new ChunkedOutput(this, id), this);
                case Request.Snapshot s -> workspace.snapshot(s);
                case Request.Discard d -> discard(upload);
                case Request.FileList r -> new FileOps(workspace).list(r);
                case Request.FileRead r -> new FileOps(workspace).read(r);
                case Request.FileWrite r -> new FileOps(workspace).write(r);
                case Request.Reseed r -> Reseed.apply(r, guest);
                case Request.ShellRequest<?> r -> shells.handle(r);
                case Request.ServiceRequest<?> r -> pyro.agent.service.Services.get().handle(r);
                case Request.PortConnect r -> PortForward.run(this, id, r, upload, windows.get(id));
                case Request.SecretsPut r -> putSecrets(r);
                case Request.SecretsGet r -> new Reply.SecretValues(pyro.agent.secret.Secrets.get().encoded());
                case Request.Cancel c -> cancel(c);
            };
        } catch (AgentException e) {
            reply = new Reply.Error(e.code(), e.getMessage());
        } catch (ArchiveException e) {
            reply = new Reply.Error(ErrorCode.INVALID_INPUT, e.getMessage());
        } catch (IOException | RuntimeException e) {
            String type = Messages.typeName((Record) request);
            Log.error("request " + id + " (" + type + ") failed", e);
            reply = new Reply.Error(ErrorCode.GUEST_FAILURE, type + " failed in the guest: " + e.getMessage());
        }
        if (upload != null && !(request instanceof Request.PortConnect)) {
            try {
                upload.drain();
            } catch (IOException e) {
                Log.error("draining upload " + id, e);
            }
        }
        if (upload != null) {
            uploads.remove(id, upload);
        }
        windows.remove(id);
        reply(id, reply);
        if (request instanceof Request.Shutdown && !(reply instanceof Reply.Error)) {
            shutdown();
        }
    }

    private void reply(long id, Reply reply) {
        try {
            send(id, reply);
        } catch (IOException e) {
            Log.error("cannot send reply to request " + id, e);
        }
    }

    /** Reads an upload and throws it away: the bench's raw channel throughput, without tar or disk. */
    private static Reply.DiscardResult discard(Upload upload) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = upload.read(buf, 0, buf.length)) > 0) {
            total += n;
        }
        return new Reply.DiscardResult(total);
    }

    private void shutdown() {
        Log.info("shutdown requested");
        try {
            new ProcessBuilder("sync").redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException | InterruptedException e) {
            Log.error("sync failed", e);
        }
        if (guest) {
            try {
                Files.writeString(Path.of("/proc/sysrq-trigger"), "o");
                sleep(10_000); // power-off is asynchronous
            } catch (IOException e) {
                Log.error("cannot power off through /proc/sysrq-trigger", e);
            }
        }
        System.exit(0);
    }

    /** Interrupts the exec running under {@code requestId}, if any: {@link Exec} then kills its process group. */
    private Reply.CancelResult cancel(Request.Cancel c) {
        Thread t = c.requestId() == null ? null : execs.get(c.requestId());
        if (t == null) {
            return new Reply.CancelResult(false);
        }
        Log.info("cancelling exec " + c.requestId() + ": its requester went away");
        t.interrupt();
        return new Reply.CancelResult(true);
    }

    private Exec.Spec execSpec(Request.Exec req) throws AgentException {
        List<String> argv = req.argv();
        if (argv == null || argv.isEmpty()) {
            throw AgentException.invalid("exec argv must be a non-empty list of strings, got " + argv);
        }
        if (argv.get(0).isEmpty()) {
            throw AgentException.invalid("exec argv[0] is empty");
        }
        String cwdText = req.cwd();
        Path cwd = cwdText == null || cwdText.isEmpty() ? workspace.root() : workspace.guestPath(cwdText);
        if (!Files.isDirectory(cwd)) {
            throw AgentException.invalid("exec cwd '" + cwdText + "' does not exist or is not a directory");
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (req.env() != null) {
            for (Map.Entry<String, String> e : req.env().entrySet()) {
                if (e.getKey().isEmpty() || e.getKey().contains("=")) {
                    throw AgentException.invalid("exec env entry '" + e.getKey() + "' must map a name to a string");
                }
                env.put(e.getKey(), e.getValue());
            }
        }
        long timeout = req.timeoutMs() == null ? Exec.DEFAULT_TIMEOUT_MS : req.timeoutMs();
        if (timeout <= 0) {
            throw AgentException.invalid("exec timeout_ms must be positive, got " + timeout);
        }
        long limit = req.outputLimitBytes() == null ? Exec.DEFAULT_OUTPUT_LIMIT : req.outputLimitBytes();
        if (limit < 0 || limit > 64L * 1024 * 1024) {
            throw AgentException.invalid("exec output_limit_bytes must be between 0 and 67108864, got " + limit);
        }
        env.putAll(secretEnvironment(req.secretEnv()));
        return new Exec.Spec(argv, cwd, env, timeout, limit);
    }

    static Map<String, String> secretEnvironment(Map<String, String> secretEnv) throws AgentException {
        try {
            return pyro.agent.secret.Secrets.get().environment(secretEnv);
        } catch (IllegalArgumentException e) {
            throw AgentException.invalid(e.getMessage());
        }
    }

    private static Reply putSecrets(Request.SecretsPut r) throws AgentException, IOException {
        try {
            return new Reply.SecretsResult(pyro.agent.secret.Secrets.get().put(r.secrets() == null ? Map.of() : r.secrets()));
        } catch (IllegalArgumentException e) {
            throw AgentException.invalid(e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
