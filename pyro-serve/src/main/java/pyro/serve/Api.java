package pyro.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.JsonRecord;
import pyro.mcp.ToolDef;
import pyro.mcp.Tools;
import pyro.serve.e2b.E2b;

/**
 * The one handler behind every route: checks the token, finds the route (404 for an unknown path,
 * 405 with {@code Allow} for a known path and another method), assembles the arguments, calls the
 * operation and answers with its record, or with the error record and the status its code maps to.
 * Each exchange runs on its own virtual thread, so a slow or vanished client holds up only itself.
 * One line per request goes to stderr (method, path, status, ms) unless quiet.
 */
final class Api implements HttpHandler {
    /** Collections whose POST makes a new thing: 201. */
    static final Set<String> CREATED = Set.of("/v1/workspaces", "/v1/vms", Routes.WS + "/snapshots",
            Routes.WS + "/shells", Routes.WS + "/services", Routes.WS + "/fork");

    private final List<Route> routes;
    private final Map<String, ToolDef> tools;
    private final Supplier<Pyro> pyro;
    private final Token token;
    private final Uploads uploads;
    private final CliRunner cli;
    private final Metrics metrics;
    private final OpenApi openApi;
    private final PrintStream log;
    private final E2b e2b;
    private volatile java.util.function.Predicate<HttpExchange> trusted = ex -> false;

    Api(Supplier<Pyro> pyro, Token token, Uploads uploads, CliRunner cli, Metrics metrics, PrintStream log) {
        this.routes = Routes.all();
        this.tools = new LinkedHashMap<>();
        Tools.all().forEach(t -> tools.put(t.name(), t));
        for (Route r : routes) {
            if (r.tool() && !tools.containsKey(r.operation())) {
                throw new IllegalStateException("route " + r.method() + " " + r.template() + " names no tool " + r.operation());
            }
        }
        this.pyro = pyro;
        this.token = token;
        this.uploads = uploads;
        this.cli = cli;
        this.metrics = metrics;
        this.openApi = new OpenApi(routes, tools);
        this.log = log;
        this.e2b = new E2b(pyro, new E2b.Keys() {
            @Override
            public boolean apiKey(String given) {
                return token.matches(given);
            }

            @Override
            public String envdToken(String sandboxId) {
                return token.derive("e2b-envd:" + sandboxId);
            }
        });
    }

    /** Requests this accepts without a token: those the unix socket carried (Server). */
    void trust(java.util.function.Predicate<HttpExchange> carried) {
        this.trusted = carried;
    }

    OpenApi openApi() {
        return openApi;
    }

    @Override
    public void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String method = ex.getRequestMethod();
        String label = "unmatched";
        int status = 500;
        try {
            if (E2b.claims(ex)) { // E2B's API (docs/e2b.md): its own keys, routes and error shapes
                label = E2b.label(ex);
                status = e2b.handle(ex);
                return;
            }
            if (!trusted.test(ex)) {
                token.check(ex);
            }
            Routes.Match m = Routes.find(routes, method, ex.getRequestURI().getRawPath());
            if (m.route() == null) {
                if (m.allowed().isEmpty()) {
                    status = 404; // its own code: a wrong base URL is not a missing workspace
                    Exchanges.sendJson(ex, 404, Exchanges.error("no_route", "no route " + method + " "
                            + ex.getRequestURI().getRawPath() + ": GET /openapi.json lists every route."));
                    return;
                }
                ex.getResponseHeaders().set("Allow", String.join(", ", m.allowed()));
                status = 405;
                Exchanges.sendJson(ex, 405, Exchanges.error("method_not_allowed", method + " is not allowed on "
                        + ex.getRequestURI().getRawPath() + ": use " + String.join(" or ", m.allowed()) + "."));
                return;
            }
            label = m.route().method() + " " + m.route().template();
            Map<String, String> pathArgs = new LinkedHashMap<>();
            m.pathArgs().forEach((k, v) -> pathArgs.put(k, Exchanges.decode(v)));
            status = m.route().tool() ? callTool(ex, m.route(), pathArgs) : callHandler(ex, m.route(), pathArgs);
        } catch (Exchanges.Unauthorized e) {
            status = 401;
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            sendQuietly(ex, 401, Exchanges.error("unauthorized", e.getMessage()));
        } catch (Exchanges.TooLarge e) {
            status = 413;
            Exchanges.drain(ex); // a client still sending would otherwise see its connection reset, not the 413
            sendQuietly(ex, 413, Exchanges.error("too_large", e.getMessage()));
        } catch (PyroException e) {
            status = Exchanges.status(e.code());
            sendQuietly(ex, status, Exchanges.error(e.code().wireName(), e.getMessage()));
        } catch (IOException e) {
            status = 499; // the client went away mid-request; nobody is left to answer
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vme && !(e instanceof OutOfMemoryError)) {
                throw vme;
            }
            status = 500;
            log.println("pyro serve: " + method + " " + ex.getRequestURI().getRawPath() + " failed unexpectedly:");
            e.printStackTrace(log);
            sendQuietly(ex, 500, Exchanges.error("internal_error", "the server failed unexpectedly ("
                    + e.getClass().getSimpleName() + "); the details are in the pyro serve log on stderr."));
        } finally {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            metrics.request(label, status);
            if (log != null && !quiet) {
                log.println(method + " " + ex.getRequestURI().getRawPath() + " " + status + " " + ms + " ms");
            }
            ex.close();
        }
    }

    private volatile boolean quiet;

    Api quiet(boolean q) {
        this.quiet = q;
        return this;
    }

    private int callTool(HttpExchange ex, Route route, Map<String, String> pathArgs) throws IOException {
        ToolDef tool = tools.get(route.operation());
        Map<String, List<String>> query = Exchanges.query(ex);
        boolean hasBody = !route.method().equals("GET") && !route.method().equals("DELETE");
        Path upload = null;
        try {
            Map<String, Object> body;
            String ct = Exchanges.contentType(ex);
            if (hasBody && route.upload() != null && Uploads.isTar(ct)) {
                body = Exchanges.headerArguments(ex); // secrets and other objects: never in a URL
                if (pathArgs.containsKey("workspace_id")) {
                    pyro.get().statusWorkspace(pathArgs.get("workspace_id")); // a 404 before the body is read
                }
                upload = uploads.save(ex.getRequestBody(), ct);
            } else {
                body = hasBody ? Exchanges.jsonObject(ex) : Map.of();
            }
            Map<String, Object> args = Arguments.of(tool, pathArgs, query, body);
            refuseHostPaths(args);
            if (upload != null) {
                args.put(route.upload(), upload.toString());
            }
            if (NdjsonOutput.wanted(ex)) {
                return route.operation().equals("service_logs") ? ServiceLogFollower.follow(ex, tool, pyro.get(), args)
                        : streamed(ex, route, tool, args, System.nanoTime());
            }
            return answer(ex, route.method().equals("POST") && OpenApi.created(route) ? 201 : 200, tool, args, upload);
        } finally {
            if (upload != null) {
                Files.deleteIfExists(upload);
            }
        }
    }

    /**
     * Any operation as a stream (NDJSON): its progress lines and, for a command, its output as they
     * come, then its record; the status is 200 once the first line is out, so a failure after that
     * is the stream's last line. A client that goes away mid-stream ends
     * nothing in the guest: the command runs to its own end or timeout, as it would for a CLI killed mid-exec.
     */
    private int streamed(HttpExchange ex, Route route, ToolDef tool, Map<String, Object> args, long t0) throws IOException {
        NdjsonOutput stream = new NdjsonOutput(ex);
        stream.start();
        try {
            JsonRecord record = Progress.to(stream::progress, () -> tool.invoke(pyro.get(), args, tool.streams() ? stream : null));
            metrics.operation(route.operation(), (System.nanoTime() - t0) / 1_000_000);
            stream.result(record.toMap());
        } catch (PyroException e) {
            stream.error(Exchanges.error(e.code().wireName(), e.getMessage()));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        ex.getResponseBody().close();
        return 200;
    }

    private int callHandler(HttpExchange ex, Route route, Map<String, String> pathArgs) throws IOException {
        switch (route.operation()) {
            case "healthz" -> Exchanges.sendJson(ex, 200, Map.of("ok", true, "pyro_version", Pyro.VERSION));
            case "metrics" -> Exchanges.sendText(ex, 200, "text/plain; version=0.0.4", metrics.text(pyro.get()));
            case "openapi" -> Exchanges.sendText(ex, 200, "application/json", openApi.json());
            case "doctor" -> Exchanges.sendJson(ex, 200, pyro.get().doctor().toMap());
            case "export" -> uploads.export(ex, pyro.get(), pathArgs.get("workspace_id"), Exchanges.query(ex));
            case "tool" -> namedTool(ex, pathArgs.get("tool"));
            case "upload" -> {
                cli.upload(ex);
                return 201;
            }
            case "cli" -> cli.run(ex);
            default -> throw new IllegalStateException("no handler " + route.operation());
        }
        return 200;
    }

    /**
     * Arguments naming a path on the server's own disk, which a client never gets to choose, each with
     * what to do instead; checked for every operation, whichever route carries it.
     */
    private static final Map<String, String> HOST_PATHS = Map.of(
            "seed_path", "upload the folder as a tar body (Content-Type: application/x-tar; on /v1/tools/NAME with ?upload=seed_path) instead.",
            "source_path", "upload the folder as a tar body (Content-Type: application/x-tar; on /v1/tools/NAME with ?upload=source_path) instead.",
            "output_path", "download with GET /v1/workspaces/{workspace_id}/export instead.",
            "secret_files", "send the values in secrets instead.");

    private static void refuseHostPaths(Map<String, Object> args) {
        for (String k : args.keySet()) {
            String instead = HOST_PATHS.get(k);
            if (instead != null) {
                throw PyroException.invalid("argument '" + k + "' would name a path on the server's host: " + instead);
            }
        }
    }

    /** Calls the operation and answers with its record (a scratch upload's path said as "upload"). */
    private int answer(HttpExchange ex, int status, ToolDef tool, Map<String, Object> args, Path upload) throws IOException {
        long t0 = System.nanoTime();
        JsonRecord record = tool.invoke(pyro.get(), args);
        metrics.operation(tool.name(), (System.nanoTime() - t0) / 1_000_000);
        Map<String, Object> body = record.toMap();
        Exchanges.sendJson(ex, status, upload == null ? body : Uploads.named(body, upload));
        return status;
    }

    /**
     * {@code POST /v1/tools/NAME}: any operation by its MCP name with its MCP arguments as the body
     * (what {@code pyro mcp serve} sends with PYRO_URL). A tree for an argument a route uploads
     * ({@code seed_path}, {@code source_path}) comes as a tar body with {@code ?upload=ARG} and the
     * arguments in the {@code Pyro-Arguments} header.
     */
    private void namedTool(HttpExchange ex, String name) throws IOException {
        ToolDef tool = tools.get(name);
        if (tool == null) {
            throw PyroException.notFound("no tool '" + name + "': GET /openapi.json lists the routes, and each names its tool.");
        }
        Map<String, List<String>> query = Exchanges.query(ex);
        Path upload = null;
        try {
            String ct = Exchanges.contentType(ex);
            String uploadArg = query.containsKey("upload") ? query.get("upload").getLast() : null;
            if (uploadArg != null && (!Uploads.isTar(ct) || routes.stream().noneMatch(
                    r -> r.tool() && r.operation().equals(name) && uploadArg.equals(r.upload())))) {
                throw PyroException.invalid("upload=" + uploadArg + " is not an upload of " + name
                        + ": send a tar body for workspace_create's seed_path or workspace_sync_push's source_path.");
            }
            Map<String, Object> args = uploadArg != null ? Exchanges.headerArguments(ex) : Exchanges.jsonObject(ex);
            refuseHostPaths(args);
            if (uploadArg != null) {
                upload = uploads.save(ex.getRequestBody(), ct);
                args.put(uploadArg, upload.toString());
            }
            answer(ex, 200, tool, args, upload);
        } finally {
            if (upload != null) {
                Files.deleteIfExists(upload);
            }
        }
    }

    private static void sendQuietly(HttpExchange ex, int status, Map<String, Object> body) {
        try {
            Exchanges.sendJson(ex, status, body);
        } catch (IOException | RuntimeException ignored) {
            // headers already sent or the client is gone: the status is logged all the same
        }
    }
}
