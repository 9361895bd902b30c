package pyro.agent;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import pyro.core.ErrorCode;
import pyro.core.archive.ArchiveException;
import pyro.core.protocol.Frame;
import pyro.core.protocol.FrameCodec;

/**
 * The request loop. One reader (this thread) parses frames; each request runs on its own virtual thread;
 * every write to the channel goes through {@link #send} under one lock; {@code data}/{@code data_end}
 * frames of an upload are routed to the request with the same id.
 */
final class Agent {
    static final String VERSION = "2.7.0";

    private final DataInputStream in;
    private final OutputStream out;
    private final Object writeLock = new Object();
    private final boolean guest;
    private final boolean reconnecting;
    private final Workspace workspace;
    private final pyro.agent.shell.Shells shells;
    private final Map<Long, Upload> uploads = new ConcurrentHashMap<>();

    /**
     * @param guest true when running inside a guest ({@code --channel virtio:...}): shutdown powers off
     * @param reconnecting true when end-of-stream means "host not connected yet" rather than "exit"
     */
    Agent(InputStream in, OutputStream out, Path root, boolean guest, boolean reconnecting) {
        this.in = in instanceof DataInputStream d ? d : new DataInputStream(in);
        this.out = out;
        this.guest = guest;
        this.reconnecting = reconnecting;
        this.workspace = new Workspace(root);
        this.shells = new pyro.agent.shell.Shells(root);
    }

    void send(Map<String, Object> header, byte[] payload) throws IOException {
        synchronized (writeLock) {
            FrameCodec.write(out, new Frame(header, payload));
        }
    }

    void send(Map<String, Object> header) throws IOException {
        send(header, null);
    }

    static Map<String, Object> hello() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("id", 0);
        h.put("type", "hello");
        h.put("version", Frame.PROTOCOL_VERSION);
        h.put("agent_version", VERSION);
        h.put("kernel_release", readFirstLine("/proc/sys/kernel/osrelease", "unknown"));
        long uptime = 0;
        try {
            uptime = (long) (Double.parseDouble(readFirstLine("/proc/uptime", "0").split(" ")[0]) * 1000);
        } catch (NumberFormatException ignored) {
            // leave 0
        }
        h.put("uptime_ms", uptime);
        return h;
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
        send(hello());
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

    private void dispatch(Frame f) {
        long id = f.id();
        String type = f.type();
        if (type.equals("data") || type.equals("data_end")) {
            Upload u = uploads.get(id);
            if (u == null) {
                Log.info("dropping " + type + " frame for unknown upload id " + id);
                return;
            }
            try {
                u.offer(f);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (type.equals("data_end")) {
                uploads.remove(id, u);
            }
            return;
        }
        Upload upload = null;
        if (type.equals("import") || type.equals("discard")) {
            upload = new Upload();
            uploads.put(id, upload);
        }
        Upload finalUpload = upload;
        Thread.ofVirtual().name("request-" + id + "-" + type).start(() -> handle(f, finalUpload));
    }

    private void handle(Frame f, Upload upload) {
        long id = f.id();
        Map<String, Object> reply;
        try {
            reply = switch (f.type()) {
                case "ping" -> new LinkedHashMap<>(Map.of("type", "pong", "agent_version", VERSION));
                case "shutdown" -> new LinkedHashMap<>(Map.of("type", "shutdown_result"));
                case "exec" -> Exec.run(parseExec(f));
                case "import" -> workspace.importArchive(f, upload);
                case "export" -> workspace.export(f, new ChunkedOutput(this, id), this);
                case "snapshot" -> workspace.snapshot(f);
                case "discard" -> discard(upload);
                case "shell_open", "shell_read", "shell_write", "shell_signal", "shell_close", "shell_list" ->
                    shells.handle(f);
                case "service_start", "service_list", "service_status", "service_logs", "service_stop" ->
                    pyro.agent.service.Services.get().handle(f);
                default -> throw AgentException.invalid("unknown request type '" + f.type() + "'");
            };
        } catch (AgentException e) {
            reply = error(e.code(), e.getMessage());
        } catch (ArchiveException e) {
            reply = error(ErrorCode.INVALID_INPUT, e.getMessage());
        } catch (IOException | RuntimeException e) {
            Log.error("request " + id + " (" + f.type() + ") failed", e);
            reply = error(ErrorCode.GUEST_FAILURE, f.type() + " failed in the guest: " + e.getMessage());
        }
        if (upload != null) {
            try {
                upload.drain();
            } catch (IOException e) {
                Log.error("draining upload " + id, e);
            }
            uploads.remove(id, upload);
        }
        reply.put("id", id);
        try {
            send(reply);
        } catch (IOException e) {
            Log.error("cannot send reply to request " + id, e);
        }
        if (f.type().equals("shutdown") && !"error".equals(reply.get("type"))) {
            shutdown();
        }
    }

    /** Reads an upload and throws it away: the bench's raw channel throughput, without tar or disk. */
    private static Map<String, Object> discard(Upload upload) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = upload.read(buf, 0, buf.length)) > 0) {
            total += n;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "discard_result");
        m.put("bytes", total);
        return m;
    }

    private static Map<String, Object> error(ErrorCode code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "error");
        m.put("code", code.wireName());
        m.put("message", message);
        return m;
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

    private Exec.Request parseExec(Frame f) throws AgentException {
        Object argvValue = f.header().get("argv");
        if (!(argvValue instanceof List<?> list) || list.isEmpty()) {
            throw AgentException.invalid("exec argv must be a non-empty list of strings, got " + argvValue);
        }
        List<String> argv = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw AgentException.invalid("exec argv element " + o + " is not a string");
            }
            argv.add(s);
        }
        if (argv.get(0).isEmpty()) {
            throw AgentException.invalid("exec argv[0] is empty");
        }
        String cwdText = f.string("cwd");
        Path cwd = cwdText == null || cwdText.isEmpty() ? workspace.root() : workspace.guestPath(cwdText);
        if (!Files.isDirectory(cwd)) {
            throw AgentException.invalid("exec cwd '" + cwdText + "' does not exist or is not a directory");
        }
        Map<String, String> env = new LinkedHashMap<>();
        Object envValue = f.header().get("env");
        if (envValue instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String v) || e.getKey().toString().isEmpty()
                        || e.getKey().toString().contains("=")) {
                    throw AgentException.invalid("exec env entry '" + e.getKey() + "' must map a name to a string");
                }
                env.put(e.getKey().toString(), v);
            }
        } else if (envValue != null) {
            throw AgentException.invalid("exec env must be an object of strings, got " + envValue);
        }
        long timeout = f.longValue("timeout_ms", Exec.DEFAULT_TIMEOUT_MS);
        if (timeout <= 0) {
            throw AgentException.invalid("exec timeout_ms must be positive, got " + timeout);
        }
        long limit = f.longValue("output_limit_bytes", Exec.DEFAULT_OUTPUT_LIMIT);
        if (limit < 0 || limit > 64L * 1024 * 1024) {
            throw AgentException.invalid("exec output_limit_bytes must be between 0 and 67108864, got " + limit);
        }
        return new Exec.Request(argv, cwd, env, timeout, limit);
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
