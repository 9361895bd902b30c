package pyro.mcp;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.LinkedHashMap;
import java.util.Map;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;
import pyro.protocol.archive.SafeExtractor;
import pyro.protocol.archive.TarWriter;
import pyro.core.model.JsonRecord;

/**
 * The tools of a remote {@code pyro serve} ({@code PYRO_URL}, {@code PYRO_TOKEN}): each call goes to
 * {@code POST /v1/tools/NAME} with the same arguments, and the record comes back as it would locally.
 * Arguments that name paths on this machine stay on this machine: a seed or sync source is tarred here
 * and uploaded, secret files are read here (64 KiB at most, regular files only), and an export is
 * downloaded and written here (a folder extracted with the same safety rules as a seed).
 */
public final class RemoteTools {
    static final long SECRET_FILE_MAX = 64 * 1024;

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public RemoteTools(String url, String token) {
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
    static RemoteTools fromEnvironment() {
        String url = System.getenv("PYRO_URL");
        return url == null || url.isBlank() ? null : new RemoteTools(url.strip(), System.getenv("PYRO_TOKEN"));
    }

    public String url() {
        return base;
    }

    /** One tool call on the server; {@code arguments} as an MCP client sends them (already checked). */
    public JsonRecord call(String tool, Map<String, Object> arguments) {
        Map<String, Object> args = new LinkedHashMap<>(arguments);
        try {
            return switch (tool) {
                case "workspace_create" -> {
                    readSecretFiles(args);
                    yield upload(tool, args, "seed_path");
                }
                case "workspace_sync_push" -> upload(tool, args, "source_path");
                case "workspace_export" -> export(args);
                default -> json(send(post(tool, args, null, null)));
            };
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
            q = "?upload=" + upload + "&arguments=" + URLEncoder.encode(JSON.std.asString(args), StandardCharsets.UTF_8);
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
                case "too_large" -> PyroException.invalid(message);
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
        Path tar = Files.createTempFile("pyro-upload-", ".tar");
        try {
            try (var out = Files.newOutputStream(tar); TarWriter w = new TarWriter(out)) {
                w.writeContents(source);
                w.finish();
            }
            return json(send(post(tool, args, pathArg, tar)));
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    private static void readSecretFiles(Map<String, Object> args) throws IOException {
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
            Path f = Path.of(String.valueOf(e.getValue()));
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                throw PyroException.invalid("secret file for '" + name + "' (" + f + ") is not a regular file.");
            }
            byte[] b;
            try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
                b = in.readNBytes((int) SECRET_FILE_MAX + 1);
            }
            if (b.length > SECRET_FILE_MAX) {
                throw PyroException.invalid("secret file for '" + name + "' (" + f + ") is over " + SECRET_FILE_MAX + " bytes.");
            }
            String v = new String(b, StandardCharsets.UTF_8);
            secrets.put(name, v.endsWith("\n") ? v.substring(0, v.length() - 1) : v);
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
