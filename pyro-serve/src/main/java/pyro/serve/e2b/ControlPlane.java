package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.core.model.WorkspaceInfo;

/**
 * E2B's control plane on workspaces: create (a template is a pyro environment, {@code base} being
 * debian:12; {@code timeout} the idle TTL), get, list, kill (delete), set the timeout (the TTL),
 * pause (stop) and connect or resume (start). Both the paths of SDK 2.51 ({@code /v2/sandboxes},
 * {@code /v2/sandboxes/{id}/connect}) and of earlier ones ({@code /sandboxes}, {@code .../connect}).
 */
final class ControlPlane {
    static final String DEFAULT_ENVIRONMENT = "debian:12";
    static final int MAX_PAGE = 100;

    /** The envd streams open on sandboxes, which a kill or pause ends at once (else a client waits on). */
    interface Streams {
        void killed(String sandboxId);

        void paused(String sandboxId);

        /** The PIDs of the commands this server runs in the sandbox now. */
        java.util.List<Integer> running(String sandboxId);
    }

    private final Sandboxes sandboxes;
    private final E2b.Keys keys;
    private final Streams streams;

    ControlPlane(Sandboxes sandboxes, E2b.Keys keys, Streams streams) {
        this.sandboxes = sandboxes;
        this.keys = keys;
        this.streams = streams;
    }

    int handle(HttpExchange ex) throws IOException {
        try {
            checkKey(ex);
            return route(ex);
        } catch (PyroException e) {
            return fail(ex, E2bError.of(e));
        } catch (E2bError e) {
            return fail(ex, e);
        }
    }

    private static int fail(HttpExchange ex, E2bError e) throws IOException {
        Wire.sendJson(ex, e.status, Wire.restError(e));
        return e.status;
    }

    private void checkKey(HttpExchange ex) {
        String key = ex.getRequestHeaders().getFirst("X-API-Key");
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (key == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = auth.substring(7).strip();
        }
        if (key == null || key.isBlank()) {
            throw E2bError.unauthorized("no API key: set E2B_API_KEY to the pyro serve token (it goes out as X-API-Key)");
        }
        if (!keys.apiKey(key.strip())) {
            throw E2bError.unauthorized("the API key is wrong: E2B_API_KEY must be the pyro serve token");
        }
    }

    private int route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        List<String> segs = new ArrayList<>(List.of(ex.getRequestURI().getRawPath().replaceAll("^/+|/+$", "").split("/+")));
        boolean v2 = segs.getFirst().equals("v2");
        if (v2) {
            segs.removeFirst();
        }
        if (segs.isEmpty() || !segs.getFirst().equals("sandboxes")) {
            throw noRoute(ex);
        }
        if (segs.size() == 1) {
            return switch (method) {
                case "POST" -> create(ex);
                case "GET" -> list(ex, v2);
                default -> throw notAllowed(ex, "GET, POST");
            };
        }
        String sid = Wire.decode(segs.get(1));
        String action = segs.size() == 3 ? segs.get(2) : segs.size() == 2 ? "" : null;
        if (action == null || (v2 && !action.equals("connect"))) {
            throw noRoute(ex);
        }
        if (action.isEmpty()) {
            return switch (method) {
                case "GET" -> detail(ex, sid);
                case "DELETE" -> kill(ex, sid);
                default -> throw notAllowed(ex, "GET, DELETE");
            };
        }
        if (!List.of("timeout", "pause", "connect", "resume").contains(action)) {
            throw noRoute(ex);
        }
        if (!method.equals("POST")) {
            throw notAllowed(ex, "POST");
        }
        return switch (action) {
            case "timeout" -> setTimeout(ex, sid);
            case "pause" -> pause(ex, sid);
            case "connect" -> connect(ex, sid, false);
            case "resume" -> connect(ex, sid, true);
            default -> throw noRoute(ex);
        };
    }

    private static E2bError noRoute(HttpExchange ex) {
        return E2bError.notFound("pyro serve has no E2B route " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
                + " (docs/e2b.md lists what is served)");
    }

    private static E2bError notAllowed(HttpExchange ex, String allowed) {
        ex.getResponseHeaders().set("Allow", allowed);
        return new E2bError(405, "unimplemented", ex.getRequestMethod() + " is not allowed on "
                + ex.getRequestURI().getRawPath() + ": use " + allowed);
    }

    private int create(HttpExchange ex) throws IOException {
        Map<String, Object> body = Wire.jsonBody(ex);
        Object t = body.get("templateID");
        if (!(t instanceof String template) || template.isBlank()) {
            throw E2bError.invalid("templateID is required (\"base\" is pyro's " + DEFAULT_ENVIRONMENT + ")");
        }
        Map<String, String> metadata = Sandboxes.strings(body.get("metadata"), "metadata");
        Map<String, String> envVars = Sandboxes.strings(body.get("envVars"), "envVars");
        WorkspaceOptions o = WorkspaceOptions.of(environment(template)).ttlSeconds(ttl(body.get("timeout"), 15));
        if (Boolean.TRUE.equals(body.get("allow_internet_access"))) {
            o = o.network(true);
        }
        WorkspaceInfo ws = pyro().createWorkspace(o);
        Sandboxes.Meta meta = new Sandboxes.Meta(template, metadata, envVars);
        String sid = sandboxes.added(ws, meta);
        Wire.sendJson(ex, 201, sandbox(ws, sid, meta));
        return 201;
    }

    /** The pyro environment of an E2B template: {@code base} is debian:12, any other name is an environment's. */
    static String environment(String template) {
        return template.equals("base") ? DEFAULT_ENVIRONMENT : template;
    }

    /** E2B's timeout (seconds) as a TTL pyro accepts: clamped to 30 s .. 7 days. */
    static long ttl(Object timeout, long orElse) {
        long t;
        if (timeout == null) {
            t = orElse;
        } else if (timeout instanceof Number n) {
            t = n.longValue();
        } else {
            throw E2bError.invalid("timeout must be a whole number of seconds");
        }
        return Math.max(30, Math.min(7L * 24 * 3600, t));
    }

    private int detail(HttpExchange ex, String sid) throws IOException {
        WorkspaceInfo ws = sandboxes.info(sid);
        Wire.sendJson(ex, 200, listed(ws, sid, true));
        return 200;
    }

    private int kill(HttpExchange ex, String sid) throws IOException {
        WorkspaceInfo ws = sandboxes.info(sid);
        streams.killed(sid);
        pyro().deleteWorkspace(ws.workspaceId());
        sandboxes.removed(sid);
        Wire.noContent(ex);
        return 204;
    }

    private int setTimeout(HttpExchange ex, String sid) throws IOException {
        Map<String, Object> body = Wire.jsonBody(ex);
        if (body.get("timeout") == null) {
            throw E2bError.invalid("timeout (seconds) is required");
        }
        WorkspaceInfo ws = sandboxes.info(sid);
        pyro().updateWorkspace(ws.workspaceId(), ttl(body.get("timeout"), 0), null);
        Wire.noContent(ex);
        return 204;
    }

    private int pause(HttpExchange ex, String sid) throws IOException {
        WorkspaceInfo ws = sandboxes.info(sid);
        if ("paused".equals(Sandboxes.state(ws))) {
            throw new E2bError(409, "failed_precondition", "sandbox " + sid + " is already paused");
        }
        List<Integer> running = streams.running(sid);
        if (!running.isEmpty()) {
            // a guest saved while the agent runs a command did not resume (its agent never answered): refuse.
            // 400, not 409: the SDK reads a 409 on pause as "already paused" and returns false
            throw new E2bError(400, "failed_precondition", "sandbox " + sid + " has running commands (pids " + running
                    + "): pyro cannot pause a sandbox while a command runs yet; kill them (commands.kill) or let them end");
        }
        streams.paused(sid);
        pyro().stopWorkspace(ws.workspaceId());
        Wire.noContent(ex);
        return 204;
    }

    /** Connect: 200 for a running sandbox, 201 for one it resumed. Resume (older SDKs): 409 when running. */
    private int connect(HttpExchange ex, String sid, boolean resumeOnly) throws IOException {
        Map<String, Object> body = Wire.jsonBody(ex);
        WorkspaceInfo ws = sandboxes.info(sid);
        int status = 200;
        if ("paused".equals(Sandboxes.state(ws))) {
            ws = pyro().startWorkspace(ws.workspaceId());
            status = 201;
        } else if (resumeOnly) {
            throw new E2bError(409, "failed_precondition", "sandbox " + sid + " is already running");
        }
        if (body.get("timeout") != null) {
            ws = pyro().updateWorkspace(ws.workspaceId(), ttl(body.get("timeout"), 0), null);
        }
        Wire.sendJson(ex, status, sandbox(ws, sid, sandboxes.meta(sid, ws)));
        return status;
    }

    private int list(HttpExchange ex, boolean v2) throws IOException {
        Map<String, String> q = Wire.query(ex);
        Set<String> states = q.containsKey("state") ? Set.of(q.get("state").split(",")) : Set.of("running", "paused");
        Map<String, String> wanted = metadataQuery(q.get("metadata"));
        List<Map<String, Object>> all = new ArrayList<>();
        List<WorkspaceInfo> wss = new ArrayList<>(pyro().listWorkspaces().workspaces());
        wss.sort(Comparator.comparing(WorkspaceInfo::createdAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(WorkspaceInfo::workspaceId));
        for (WorkspaceInfo ws : wss) {
            String state = Sandboxes.state(ws);
            if (state == null || !states.contains(state)) {
                continue;
            }
            String sid = sandboxes.sandboxId(ws);
            Sandboxes.Meta meta = sandboxes.meta(sid, ws);
            if (!meta.metadata().entrySet().containsAll(wanted.entrySet())) {
                continue;
            }
            if (q.containsKey("template") && !q.get("template").equals(meta.templateId())) {
                continue;
            }
            all.add(listed(ws, sid, false));
        }
        if (!v2) {
            Wire.sendJson(ex, 200, all);
            return 200;
        }
        int from = 0;
        if (q.get("nextToken") != null && !q.get("nextToken").isEmpty()) {
            try {
                from = Integer.parseInt(q.get("nextToken"));
            } catch (NumberFormatException e) {
                throw E2bError.invalid("nextToken '" + q.get("nextToken") + "' is not one this server gave out");
            }
        }
        int limit = MAX_PAGE;
        if (q.get("limit") != null) {
            try {
                limit = Math.max(1, Math.min(MAX_PAGE, Integer.parseInt(q.get("limit"))));
            } catch (NumberFormatException e) {
                throw E2bError.invalid("limit must be a whole number");
            }
        }
        from = Math.max(0, Math.min(from, all.size()));
        int to = Math.min(all.size(), from + limit);
        if (to < all.size()) {
            ex.getResponseHeaders().set("x-next-token", Integer.toString(to));
        }
        Wire.sendJson(ex, 200, all.subList(from, to));
        return 200;
    }

    /** The list's {@code metadata} filter: {@code k=v&k2=v2}, each part %-encoded again. */
    static Map<String, String> metadataQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(Wire.decode(pair.substring(0, eq)), Wire.decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    private Map<String, Object> sandbox(WorkspaceInfo ws, String sid, Sandboxes.Meta meta) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("templateID", meta.templateId());
        m.put("sandboxID", sid);
        m.put("clientID", "pyro");
        m.put("envdVersion", E2b.ENVD_VERSION);
        m.put("envdAccessToken", keys.envdToken(sid));
        m.put("domain", null);
        return m;
    }

    private Map<String, Object> listed(WorkspaceInfo ws, String sid, boolean detail) {
        Sandboxes.Meta meta = sandboxes.meta(sid, ws);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("templateID", meta.templateId());
        m.put("sandboxID", sid);
        m.put("clientID", "pyro");
        m.put("startedAt", ws.createdAt());
        m.put("endAt", ws.expiresAt() != null ? ws.expiresAt() : ws.createdAt());
        m.put("cpuCount", ws.vcpuCount());
        m.put("memoryMB", ws.memMib());
        m.put("diskSizeMB", 0);
        m.put("metadata", meta.metadata());
        m.put("state", Sandboxes.state(ws));
        m.put("envdVersion", E2b.ENVD_VERSION);
        m.put("volumeMounts", List.of());
        if (detail) {
            m.put("envdAccessToken", keys.envdToken(sid));
            m.put("allowInternetAccess", ws.network());
            m.put("domain", null);
        }
        return m;
    }

    private Pyro pyro() {
        return sandboxes.pyro();
    }
}
