package pyro.core.remote;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;
import pyro.core.WorkspaceOptions;
import pyro.core.model.JsonRecord;
import pyro.protocol.ErrorCode;
import pyro.protocol.archive.SafeExtractor;
import pyro.protocol.archive.TarWriter;

/**
 * A client of a remote {@code pyro serve} ({@code PYRO_URL}, {@code PYRO_TOKEN}), for the faces that
 * run on another machine than the VMs: the MCP server's tools ({@link #call}), the CLI ({@link #cli}).
 * What names a path on this machine stays on this machine: a seed or sync source is tarred here and
 * uploaded, secret files are read here (by the local CLI's rules), and an export is
 * downloaded and written here (a folder extracted with the same safety rules as a seed).
 */
public final class PyroServeClient {
    /** What an argv element names in place of an upload: the server puts the upload's path there. */
    public static final String UPLOAD_TOKEN = "pyro-upload:";

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public PyroServeClient(String url, String token) {
        if (url != null && url.startsWith("unix:")) {
            throw PyroException.invalid("PYRO_URL '" + url + "': the CLI and the MCP server reach pyro serve over "
                    + "http:// or https:// only; give its TCP address (the unix socket is for curl and the Python client).");
        }
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
            throw PyroException.invalid("PYRO_URL '" + url + "' is not an http:// or https:// URL.");
        }
        if (token == null || token.isBlank()) {
            throw PyroException.invalid("PYRO_URL is set but PYRO_TOKEN is not: give the token pyro serve printed.");
        }
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.token = token.strip();
    }

    /** The remote server from PYRO_URL and PYRO_TOKEN, or null when PYRO_URL is unset. */
    public static PyroServeClient fromEnvironment() {
        String url = System.getenv("PYRO_URL");
        return url == null || url.isBlank() ? null : new PyroServeClient(url.strip(), System.getenv("PYRO_TOKEN"));
    }

    public String url() {
        return base;
    }

    /** One operation by its MCP tool name on the server; {@code arguments} as an MCP client sends them. */
    public JsonRecord call(String tool, Map<String, Object> arguments) {
        Map<String, Object> args = new LinkedHashMap<>(arguments);
        return guarded(() -> switch (tool) {
            case "workspace_create" -> {
                readSecretFiles(args);
                yield upload(tool, args, "seed_path");
            }
            case "workspace_sync_push" -> upload(tool, args, "source_path");
            case "workspace_export" -> export(args);
            default -> json(send(post(tool, args, null, null)));
        });
    }

    /**
     * Runs {@code argv} with the server's own {@code pyro} (so the output and the exit status are
     * exactly what that CLI gives), copying its stdout and stderr here as they come; returns the exit
     * status. {@code stdin} (null: none) is given to it whole.
     */
    @SuppressWarnings("unchecked")
    public int cli(List<String> argv, byte[] stdin, OutputStream out, OutputStream err) {
        return guarded(() -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("argv", argv);
            body.put("stdin", stdin == null ? null : Base64.getEncoder().encodeToString(stdin));
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/cli")).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").header("Accept", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.std.asString(body))).build();
            HttpResponse<java.util.stream.Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
            if (r.statusCode() != 200) {
                throw error(r.statusCode(), String.join("\n", r.body().toList()));
            }
            Integer[] exit = {null};
            for (String line : (Iterable<String>) r.body()::iterator) {
                Map<String, Object> m = JSON.std.mapFrom(line);
                switch (String.valueOf(m.get("type"))) {
                    case "stdout", "stderr" -> {
                        OutputStream to = "stdout".equals(m.get("type")) ? out : err;
                        to.write(Base64.getDecoder().decode((String) m.get("data")));
                        to.flush();
                    }
                    case "exit" -> exit[0] = ((Number) m.get("code")).intValue();
                    case "error" -> throw error(500, JSON.std.asString(m));
                    default -> { } // a later server's event this client does not know
                }
            }
            if (exit[0] == null) {
                throw PyroException.guest("pyro serve at " + base + " ended the command's stream without its exit status.");
            }
            return exit[0];
        });
    }

    /**
     * Uploads a local folder (as a tar of its contents), archive or file to the server's scratch
     * space and returns the token an argv names it by ({@link #UPLOAD_TOKEN} and its id).
     */
    public String upload(Path local) {
        return guarded(() -> {
            Path source = local.toAbsolutePath();
            if (Files.isDirectory(source)) {
                Path tar = tarOf(source);
                try {
                    return UPLOAD_TOKEN + uploadFile(tar, "tree.tar");
                } finally {
                    Files.deleteIfExists(tar);
                }
            }
            if (!Files.isRegularFile(source)) {
                throw PyroException.invalid("'" + local + "' is neither a folder nor a file on this machine.");
            }
            String name = source.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
            return UPLOAD_TOKEN + uploadFile(source, name.startsWith(".") ? "_" + name : name);
        });
    }

    private String uploadFile(Path file, String name) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/uploads?name="
                        + URLEncoder.encode(name, StandardCharsets.UTF_8)))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofFile(file));
        return (String) JSON.std.mapFrom(send(b).body()).get("upload_id");
    }

    private interface Io<T> {
        T run() throws IOException, InterruptedException;
    }

    private <T> T guarded(Io<T> io) {
        try {
            return io.run();
        } catch (ConnectException e) {
            throw PyroException.host("cannot reach pyro serve at " + base + ": " + e.getMessage()
                    + " (is it running? PYRO_URL says where).");
        } catch (IOException e) {
            throw PyroException.guest("the call to pyro serve at " + base + " broke: " + e.getMessage() + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PyroException.guest("interrupted while waiting for pyro serve at " + base + ".");
        }
    }

    private HttpRequest.Builder post(String tool, Map<String, Object> args, String upload, Path body) throws IOException {
        String q = "";
        HttpRequest.BodyPublisher publisher;
        HttpRequest.Builder b = HttpRequest.newBuilder();
        if (body != null) {
            q = "?upload=" + upload;
            b.header("Pyro-Arguments", JSON.std.asString(args)); // secrets never in a URL
            publisher = HttpRequest.BodyPublishers.ofFile(body);
            b.header("Content-Type", body.getFileName().toString().endsWith(".tar") ? "application/x-tar" : "application/gzip");
        } else {
            publisher = HttpRequest.BodyPublishers.ofString(JSON.std.asString(args));
            b.header("Content-Type", "application/json");
        }
        return b.uri(URI.create(base + "/v1/tools/" + tool + q)).POST(publisher);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(b.header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw error(r.statusCode(), r.body());
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    static PyroException error(int status, String body) {
        try {
            Map<String, Object> e = (Map<String, Object>) JSON.std.mapFrom(body).get("error");
            String code = String.valueOf(e.get("code"));
            String message = String.valueOf(e.get("message"));
            return switch (code) {
                case "unauthorized" -> PyroException.invalid("pyro serve refused the token (PYRO_TOKEN): " + message);
                case "too_large", "no_route", "method_not_allowed" -> PyroException.invalid(message);
                default -> new PyroException(ErrorCode.fromWire(code), message);
            };
        } catch (IOException | RuntimeException bad) {
            return PyroException.guest("pyro serve answered HTTP " + status + " without an error record.");
        }
    }

    private static JsonRecord json(HttpResponse<String> r) throws IOException {
        Map<String, Object> m = JSON.std.mapFrom(r.body());
        return () -> m;
    }

    private static Path tarOf(Path dir) throws IOException {
        Path tar = Files.createTempFile("pyro-upload-", ".tar");
        try (var out = Files.newOutputStream(tar); TarWriter w = new TarWriter(out)) {
            w.writeContents(dir);
            w.finish();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tar);
            throw e;
        }
        return tar;
    }

    /** A local folder or archive named by {@code pathArg} goes up as the request body. */
    private JsonRecord upload(String tool, Map<String, Object> args, String pathArg) throws IOException, InterruptedException {
        Object p = args.remove(pathArg);
        if (p == null) {
            return json(send(post(tool, args, null, null)));
        }
        Path source = Path.of((String) p).toAbsolutePath();
        String n = source.getFileName() == null ? "" : source.getFileName().toString();
        if (Files.isRegularFile(source) && (n.endsWith(".tar") || n.endsWith(".tar.gz") || n.endsWith(".tgz"))) {
            return json(send(post(tool, args, pathArg, source))); // .tar.gz and .tgz go as they are, as gzip
        }
        if (!Files.isDirectory(source)) {
            throw PyroException.invalid(pathArg + " '" + p + "' is neither a folder nor a .tar, .tar.gz or .tgz archive.");
        }
        Path tar = tarOf(source);
        try {
            return json(send(post(tool, args, pathArg, tar)));
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    /** secret_files are this machine's files: read here with the local rules, sent as secrets. */
    private static void readSecretFiles(Map<String, Object> args) {
        Object files = args.remove("secret_files");
        if (!(files instanceof Map<?, ?> m) || m.isEmpty()) {
            return;
        }
        Map<String, Object> secrets = new LinkedHashMap<>();
        if (args.get("secrets") instanceof Map<?, ?> given) {
            given.forEach((k, v) -> secrets.put(String.valueOf(k), v));
        }
        for (var e : m.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (secrets.containsKey(name)) {
                throw PyroException.invalid("secret '" + name + "' is in both secrets and secret_files.");
            }
            secrets.put(name, WorkspaceOptions.readSecretFile(name, Path.of(String.valueOf(e.getValue()))));
        }
        args.put("secrets", secrets);
    }

    /** Downloads the export and writes it to output_path here: a file as it is, a folder extracted safely. */
    private JsonRecord export(Map<String, Object> args) throws IOException, InterruptedException {
        Path output = Path.of(String.valueOf(args.get("output_path"))).toAbsolutePath();
        if (Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
            throw PyroException.invalid("output_path '" + output + "' already exists: choose a new path.");
        }
        String q = "?path=" + URLEncoder.encode(String.valueOf(args.get("path")), StandardCharsets.UTF_8)
                + (args.get("max_bytes") == null ? "" : "&max_bytes=" + args.get("max_bytes"));
        String id = URLEncoder.encode(String.valueOf(args.get("workspace_id")), StandardCharsets.UTF_8).replace("+", "%20");
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/workspaces/" + id + "/export" + q))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                throw error(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        Map<String, Object> record = new LinkedHashMap<>(JSON.std.mapFrom(r.headers().firstValue("Pyro-Result").orElse("{}")));
        Files.createDirectories(output.getParent());
        try (InputStream in = r.body()) {
            if ("application/x-tar".equals(r.headers().firstValue("Content-Type").orElse(""))) {
                Files.createDirectory(output);
                SafeExtractor.extract(in, output, output.getParent());
            } else {
                Files.copy(in, output);
            }
        }
        record.put("output_path", output.toString());
        return () -> record;
    }
}
