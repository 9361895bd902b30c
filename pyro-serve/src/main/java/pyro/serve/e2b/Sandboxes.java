package pyro.serve.e2b;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.WorkspaceInfo;
import pyro.protocol.ErrorCode;

/**
 * What E2B says about a sandbox that a workspace does not record: the template it was asked for,
 * its metadata and its environment variables. pyro workspaces have no labels, so these live here,
 * in the server's memory: a restarted {@code pyro serve} still finds every sandbox (by its
 * workspace) but reports its environment as the template and no metadata.
 */
final class Sandboxes {
    record Meta(String templateId, Map<String, String> metadata, Map<String, String> envVars) {
        Meta {
            metadata = Map.copyOf(metadata);
            envVars = Map.copyOf(envVars);
        }
    }

    private final Supplier<Pyro> pyro;
    private final SandboxIds ids = new SandboxIds();
    private final Map<String, Meta> meta = new ConcurrentHashMap<>();

    Sandboxes(Supplier<Pyro> pyro) {
        this.pyro = pyro;
    }

    Pyro pyro() {
        return pyro.get();
    }

    String added(WorkspaceInfo ws, Meta m) {
        String sid = ids.remember(ws.workspaceId());
        meta.put(sid, m);
        return sid;
    }

    void removed(String sandboxId) {
        meta.remove(sandboxId);
        ids.forget(sandboxId);
    }

    String sandboxId(WorkspaceInfo ws) {
        return ids.remember(ws.workspaceId());
    }

    /** The workspace id of a sandbox id, or null. */
    String workspace(String sandboxId) {
        return ids.workspace(sandboxId, () -> pyro.get().listWorkspaces().workspaces().stream()
                .map(WorkspaceInfo::workspaceId).toList());
    }

    /** The workspace of a sandbox, or a 404 naming it. */
    WorkspaceInfo info(String sandboxId) {
        String ws = workspace(sandboxId);
        if (ws == null) {
            throw E2bError.notFound("sandbox " + sandboxId + " not found");
        }
        try {
            return pyro.get().statusWorkspace(ws);
        } catch (PyroException e) {
            throw e.code() == ErrorCode.NOT_FOUND || e.code() == ErrorCode.EXPIRED
                    ? E2bError.notFound("sandbox " + sandboxId + " not found") : E2bError.of(e);
        }
    }

    /**
     * The workspace id behind an envd request, which must find its sandbox running: E2B's edge answers
     * 502 for one that does not exist, was killed or is paused, and so does this.
     */
    String running(String sandboxId) {
        WorkspaceInfo ws;
        try {
            ws = info(sandboxId);
        } catch (E2bError e) {
            throw e.status == 404 ? E2bError.sandboxGone(sandboxId, "is not running: it does not exist or was killed") : e;
        }
        if (!"running".equals(state(ws))) {
            throw E2bError.sandboxGone(sandboxId, "is paused: Sandbox.connect() resumes it");
        }
        return ws.workspaceId();
    }

    Meta meta(String sandboxId, WorkspaceInfo ws) {
        Meta m = meta.get(sandboxId);
        return m != null ? m : new Meta(ws.environment(), Map.of(), Map.of());
    }

    /** The variables the sandbox was created with (none when this server did not create it). */
    Map<String, String> envVars(String sandboxId) {
        Meta m = meta.get(sandboxId);
        return m == null ? Map.of() : m.envVars();
    }

    /** E2B's state of a workspace: running (created, starting or started) or paused (stopped); null for failed. */
    static String state(WorkspaceInfo ws) {
        return switch (ws.state()) {
            case "created", "starting", "started" -> "running";
            case "stopped" -> "paused";
            default -> null;
        };
    }

    static Map<String, String> strings(Object o, String what) {
        Map<String, String> out = new LinkedHashMap<>();
        if (o == null) {
            return out;
        }
        if (!(o instanceof Map<?, ?> m)) {
            throw E2bError.invalid(what + " must be an object of strings");
        }
        m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
        return out;
    }
}
