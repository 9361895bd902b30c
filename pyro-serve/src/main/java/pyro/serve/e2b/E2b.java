package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import pyro.core.Pyro;
import pyro.core.PyroException;

/**
 * E2B's API on {@code pyro serve}, so E2B's own SDKs work unchanged with {@code E2B_API_URL} and
 * {@code E2B_SANDBOX_URL} set to this server and {@code E2B_API_KEY} to its token. A request is
 * E2B's when it carries {@code E2b-Sandbox-Id} (envd, the in-sandbox API, which the SDK sends to
 * the one origin with that header) or its path starts with {@code /sandboxes} or
 * {@code /v2/sandboxes} (the control plane, keyed by {@code X-API-Key}). envd requests carry
 * {@code X-Access-Token}: the {@code envdAccessToken} create returned, a digest of the server's
 * token and the sandbox id, so it outlives a restart and opens one sandbox only.
 */
public final class E2b {
    /**
     * The envd version reported: the SDK switches features on by it. 0.5.2 because this server
     * serves the 0.5.2 surface (Start with or without stdin, no username needed, CloseStdin) and
     * lacks octet-stream uploads (0.5.7) and file metadata (0.6.2), which the SDK then neither uses
     * nor offers. docs/e2b.md says more.
     */
    public static final String ENVD_VERSION = "0.5.2";

    /** How requests prove who they are: the API key is the server's token; envd tokens derive from it. */
    public interface Keys {
        boolean apiKey(String given);

        String envdToken(String sandboxId);
    }

    /** The server-streaming RPCs: a request envelope in, envelopes out. */
    private static final java.util.Set<String> STREAMS = java.util.Set.of("/process.Process/Start",
            "/process.Process/Connect", "/filesystem.Filesystem/WatchDir");

    private final Sandboxes sandboxes;
    private final Keys keys;
    private final ControlPlane control;
    private final EnvdProcess process;
    private final EnvdFiles files;
    private final EnvdFilesystem filesystem;
    private final EnvdWatch watch;
    private final SandboxPorts ports;
    /** The port envd listens on in an E2B sandbox; requests for any other go to the guest's port. */
    static final String ENVD_PORT = "49983";

    public E2b(Supplier<Pyro> pyro, Keys keys) {
        this.sandboxes = new Sandboxes(pyro);
        this.keys = keys;
        Processes processes = new Processes();
        EnvdWatch.WatchStreams watches = new EnvdWatch.WatchStreams();
        this.control = new ControlPlane(sandboxes, keys, new ControlPlane.Streams() {
            @Override
            public void killed(String sandboxId) {
                processes.killed(sandboxId);
                watches.end(sandboxId, E2bError.sandboxGone(sandboxId, "was killed"));
            }

            @Override
            public java.util.List<Integer> running(String sandboxId) {
                return processes.of(sandboxId).stream().filter(p -> !p.detached).map(p -> p.pid).toList();
            }

            @Override
            public void paused(String sandboxId) {
                processes.paused(sandboxId);
                watches.end(sandboxId, E2bError.sandboxGone(sandboxId, "was paused"));
            }
        });
        this.process = new EnvdProcess(sandboxes, processes);
        this.files = new EnvdFiles(sandboxes);
        this.filesystem = new EnvdFilesystem(sandboxes);
        this.watch = new EnvdWatch(sandboxes, watches);
        this.ports = new SandboxPorts(sandboxes);
    }

    /** Whether the request is E2B's (envd by its header, or the control plane by its path). */
    public static boolean claims(HttpExchange ex) {
        if (ex.getRequestHeaders().getFirst("E2b-Sandbox-Id") != null
                || SandboxPorts.fromHost(ex.getRequestHeaders().getFirst("Host")) != null) {
            return true;
        }
        String p = ex.getRequestURI().getRawPath();
        if (namedByToken(ex)) {
            return true;
        }
        return p.equals("/sandboxes") || p.startsWith("/sandboxes/") || p.equals("/v2/sandboxes") || p.startsWith("/v2/sandboxes/");
    }

    /** A low-cardinality name for metrics: ids replaced by {@code {sandboxID}}. */
    public static String label(HttpExchange ex) {
        String p = ex.getRequestURI().getRawPath();
        String port = ex.getRequestHeaders().getFirst("E2b-Sandbox-Port");
        if (SandboxPorts.fromHost(ex.getRequestHeaders().getFirst("Host")) != null
                || (port != null && !port.strip().equals(ENVD_PORT) && ex.getRequestHeaders().getFirst("E2b-Sandbox-Id") != null)) {
            return "e2b sandbox port " + ex.getRequestMethod();
        }
        if (ex.getRequestHeaders().getFirst("E2b-Sandbox-Id") != null) {
            return "e2b envd " + ex.getRequestMethod() + " " + p;
        }
        return "e2b " + ex.getRequestMethod() + " " + p.replaceFirst("^(/v2)?/sandboxes/[^/]+", "$1/sandboxes/{sandboxID}");
    }

    /** Answers the request; returns the status sent. IOException: the client went away. */
    public int handle(HttpExchange ex) throws IOException {
        String[] hostPort = SandboxPorts.fromHost(ex.getRequestHeaders().getFirst("Host"));
        String sid = ex.getRequestHeaders().getFirst("E2b-Sandbox-Id");
        String port = ex.getRequestHeaders().getFirst("E2b-Sandbox-Port");
        if (hostPort != null) {
            return toPort(ex, hostPort[1], hostPort[0]);
        }
        if (sid != null && port != null && !port.strip().equals(ENVD_PORT)) {
            return toPort(ex, sid, port);
        }
        if (sid == null && namedByToken(ex)) {
            sid = bySandboxToken(ex.getRequestHeaders().getFirst("X-Access-Token"));
            if (sid.isEmpty()) {
                return fail(ex, new E2bError(502, "unavailable", "no sandbox of this server has the X-Access-Token this "
                        + "request carries (it names no E2b-Sandbox-Id): it was killed, or the token is wrong"), false, false);
            }
        }
        return sid == null ? control.handle(ex) : envd(ex, sid);
    }

    /**
     * envd's REST routes ({@code /files}, {@code /health}) carrying an access token but no
     * {@code E2b-Sandbox-Id}, as SDK 2.7.0 sends them: the token names the sandbox.
     */
    private static boolean namedByToken(HttpExchange ex) {
        String p = ex.getRequestURI().getRawPath();
        return (p.equals("/files") || p.equals("/health")) && ex.getRequestHeaders().getFirst("X-Access-Token") != null
                && ex.getRequestHeaders().getFirst("E2b-Sandbox-Id") == null;
    }

    /** The sandbox whose envd access token this is (for requests that do not name their sandbox), or "" for none. */
    private String bySandboxToken(String token) {
        String given = token.strip();
        for (pyro.core.model.WorkspaceInfo ws : sandboxes.pyro().listWorkspaces().workspaces()) {
            String sid = sandboxes.sandboxId(ws);
            if (MessageDigest.isEqual(keys.envdToken(sid).getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
                return sid;
            }
        }
        return "";
    }

    /** {@code getHost(port)}: the request proxied to the sandbox's port; errors in the REST shape. */
    private int toPort(HttpExchange ex, String sid, String port) throws IOException {
        try {
            if (!SandboxIds.wellFormed(sid)) {
                throw E2bError.sandboxGone(sid, "is not a sandbox id");
            }
            return ports.proxy(ex, sid, SandboxPorts.port(port));
        } catch (PyroException e) {
            return fail(ex, E2bError.of(e), false, false);
        } catch (E2bError e) {
            return fail(ex, e, false, false);
        }
    }

    private int envd(HttpExchange ex, String sid) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        boolean rpc = path.startsWith("/process.Process/") || path.startsWith("/filesystem.Filesystem/");
        boolean stream = STREAMS.contains(path);
        try {
            checkAccess(ex, sid);
            if (path.equals("/health") && method.equals("GET")) {
                sandboxes.running(sid);
                Wire.noContent(ex);
                return 204;
            }
            if (path.equals("/files")) {
                return switch (method) {
                    case "GET" -> files.read(ex, sid);
                    case "POST" -> files.write(ex, sid);
                    default -> throw new E2bError(405, "unimplemented", method + " is not allowed on /files: use GET or POST");
                };
            }
            if (!rpc) {
                throw E2bError.notFound("pyro serve has no envd route " + method + " " + path + " (docs/e2b.md)");
            }
            if (!method.equals("POST")) {
                throw new E2bError(405, "unimplemented", "Connect RPCs are POSTs");
            }
            switch (path) {
                case "/process.Process/Start" -> {
                    return process.start(ex, sid);
                }
                case "/process.Process/Connect" -> {
                    return process.connect(ex, sid);
                }
                case "/filesystem.Filesystem/WatchDir" -> {
                    return watch.watch(ex, sid);
                }
                default -> { }
            }
            Map<String, Object> req;
            try (InputStream in = ex.getRequestBody()) {
                req = Wire.object(Wire.readBounded(in, Wire.MAX_JSON_BYTES, "the request"));
            }
            Object reply;
            if (path.startsWith("/process.Process/")) {
                reply = switch (path.substring("/process.Process/".length())) {
                    case "List" -> process.list(sid);
                    case "SendInput" -> process.sendInput(sid, req);
                    case "CloseStdin" -> process.closeStdin(sid, req);
                    case "SendSignal" -> process.sendSignal(sid, req);
                    default -> throw E2bError.unimplemented(path.substring(1) + " is not served by pyro serve (docs/e2b.md)");
                };
            } else if (path.startsWith("/filesystem.Filesystem/")) {
                reply = filesystem.call(path.substring("/filesystem.Filesystem/".length()), sid, req);
            } else {
                throw E2bError.unimplemented(path.substring(1) + " is not served by pyro serve (docs/e2b.md)");
            }
            Wire.sendJson(ex, 200, reply);
            return 200;
        } catch (PyroException e) {
            return fail(ex, E2bError.of(e), rpc, stream);
        } catch (E2bError e) {
            return fail(ex, e, rpc, stream);
        }
    }

    /**
     * An envd failure: RPCs get Connect's {@code {"code":"not_found",...}} (a stream: in its
     * end-of-stream envelope unless the sandbox is gone, which is E2B's plain 502), REST routes the
     * status as the code.
     */
    private static int fail(HttpExchange ex, E2bError e, boolean rpc, boolean stream) throws IOException {
        if (stream && e.status != 502 && e.status != 401) {
            ProcessEvents events = new ProcessEvents(ex);
            events.open();
            events.finish(e);
            ex.getResponseBody().close();
            return 200;
        }
        Wire.sendJson(ex, e.status, rpc ? Wire.connectError(e) : Wire.restError(e));
        return e.status;
    }

    private void checkAccess(HttpExchange ex, String sid) {
        if (!SandboxIds.wellFormed(sid)) {
            throw E2bError.sandboxGone(sid, "is not a sandbox id");
        }
        String given = ex.getRequestHeaders().getFirst("X-Access-Token");
        if (given == null || !MessageDigest.isEqual(keys.envdToken(sid).getBytes(StandardCharsets.UTF_8),
                given.strip().getBytes(StandardCharsets.UTF_8))) {
            throw E2bError.unauthorized("this envd request carries no or a wrong X-Access-Token: the SDK sends the "
                    + "envdAccessToken that create or connect returned");
        }
    }
}
