package pyro.serve;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every route of the HTTP API, named after what a user handles: environments, VMs, workspaces and,
 * under a workspace, exec, files, diff, export, sync, services, shells and snapshots. The JSON body
 * (or, for GET and DELETE, the query string) carries the operation's other arguments under the MCP
 * tool's names; the response body is the tool's record.
 */
final class Routes {
    private Routes() {}

    static final String WS = "/v1/workspaces/{workspace_id}";

    static List<Route> all() {
        List<Route> r = new ArrayList<>();
        r.add(Route.handler("GET", "/healthz", "healthz", "Liveness: {\"ok\": true} while the server runs."));
        r.add(Route.handler("GET", "/metrics", "metrics", "Prometheus text: VMs by state, requests by route and status, latencies."));
        r.add(Route.handler("GET", "/openapi.json", "openapi", "This API's OpenAPI 3.1 document."));
        r.add(Route.handler("GET", "/v1/doctor", "doctor", "The host report of `pyro doctor --json`."));
        r.add(Route.handler("POST", "/v1/uploads", "upload", "Keeps a client's file (octet-stream body, ?name=) for "
                + "15 minutes for a remote CLI call to name as pyro-upload:ID; answers {upload_id} (201)."));
        r.add(Route.handler("POST", "/v1/cli", "cli", "Runs this host's pyro CLI with {argv, stdin (base64)}: "
                + "its stdout and stderr stream back as NDJSON lines {type: stdout|stderr, data (base64)}, then "
                + "{type: exit, code}. What the CLI does with PYRO_URL."));
        r.add(Route.handler("POST", "/v1/tools/{tool}", "tool", "Any operation by its MCP tool name, its MCP "
                + "arguments as the JSON body (host paths refused; a seed or sync tree as a tar body with "
                + "?upload=seed_path|source_path and the arguments in the Pyro-Arguments header): what pyro mcp serve sends with PYRO_URL."));
        // one-shot runs and environments
        r.add(Route.tool("POST", "/v1/run", "vm_run"));
        r.add(Route.tool("GET", "/v1/environments", "vm_list_environments"));
        r.add(Route.tool("POST", "/v1/environments/{environment}/pull", "vm_pull_environment"));
        // the raw VM lifecycle
        r.add(Route.tool("POST", "/v1/vms", "vm_create"));
        r.add(Route.tool("POST", "/v1/vms/reap", "vm_reap_expired"));
        r.add(Route.tool("GET", "/v1/vms/{vm_id}", "vm_status"));
        r.add(Route.tool("POST", "/v1/vms/{vm_id}/start", "vm_start"));
        r.add(Route.tool("POST", "/v1/vms/{vm_id}/exec", "vm_exec"));
        r.add(Route.tool("POST", "/v1/vms/{vm_id}/stop", "vm_stop"));
        r.add(Route.tool("DELETE", "/v1/vms/{vm_id}", "vm_delete"));
        // workspaces
        r.add(Route.tool("POST", "/v1/workspaces", "workspace_create").uploading("seed_path"));
        r.add(Route.tool("GET", "/v1/workspaces", "workspace_list"));
        r.add(Route.tool("GET", WS, "workspace_status"));
        r.add(Route.tool("PATCH", WS, "workspace_update"));
        r.add(Route.tool("DELETE", WS, "workspace_delete"));
        r.add(Route.tool("POST", WS + "/exec", "workspace_exec"));
        r.add(Route.tool("GET", WS + "/logs", "workspace_logs"));
        r.add(Route.tool("POST", WS + "/sync", "workspace_sync_push").uploading("source_path"));
        r.add(Route.tool("GET", WS + "/diff", "workspace_diff"));
        r.add(Route.handler("GET", WS + "/export", "export",
                "Exports path (a file or folder in /workspace) as a tar stream; the export record is in the Pyro-Result header."));
        r.add(Route.tool("GET", WS + "/files", "workspace_file_list"));
        r.add(Route.tool("GET", WS + "/files/content", "workspace_file_read"));
        r.add(Route.tool("PUT", WS + "/files/content", "workspace_file_write"));
        r.add(Route.tool("POST", WS + "/patch", "workspace_patch_apply"));
        r.add(Route.tool("POST", WS + "/snapshots", "workspace_snapshot_create"));
        r.add(Route.tool("GET", WS + "/snapshots", "workspace_snapshot_list"));
        r.add(Route.tool("DELETE", WS + "/snapshots/{name}", "workspace_snapshot_delete"));
        r.add(Route.tool("POST", WS + "/reset", "workspace_reset"));
        r.add(Route.tool("POST", WS + "/stop", "workspace_stop"));
        r.add(Route.tool("POST", WS + "/start", "workspace_start"));
        r.add(Route.tool("POST", WS + "/fork", "workspace_fork"));
        // services
        r.add(Route.tool("POST", WS + "/services", "service_start"));
        r.add(Route.tool("GET", WS + "/services", "service_list"));
        r.add(Route.tool("GET", WS + "/services/{service_name}", "service_status"));
        r.add(Route.tool("GET", WS + "/services/{service_name}/logs", "service_logs"));
        r.add(Route.tool("POST", WS + "/services/{service_name}/stop", "service_stop"));
        // shells: output by long poll (GET with cursor and wait_ms), input and signals by POST
        r.add(Route.tool("POST", WS + "/shells", "shell_open"));
        r.add(Route.tool("GET", WS + "/shells/{shell_id}", "shell_read"));
        r.add(Route.tool("POST", WS + "/shells/{shell_id}/input", "shell_write"));
        r.add(Route.tool("POST", WS + "/shells/{shell_id}/signal", "shell_signal"));
        r.add(Route.tool("DELETE", WS + "/shells/{shell_id}", "shell_close"));
        return List.copyOf(r);
    }

    /** The route for a method and path, the methods the path allows (for 405), or neither (404). */
    record Match(Route route, Map<String, String> pathArgs, Set<String> allowed) {}

    static Match find(List<Route> routes, String method, String path) {
        List<String> segs = Route.split(path);
        Route best = null;
        Map<String, String> bestArgs = null;
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Map<String, String> args = r.match(segs);
            if (args == null) {
                continue;
            }
            allowed.add(r.method());
            if (r.method().equals(method) && (best == null || r.literals() > best.literals())) {
                best = r;
                bestArgs = args;
            }
        }
        return new Match(best, bestArgs, allowed);
    }
}
