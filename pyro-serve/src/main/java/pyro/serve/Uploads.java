package pyro.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.protocol.archive.SafeExtractor;
import pyro.protocol.archive.TarWriter;
import pyro.core.model.ExportResult;

/**
 * Trees that cross the wire: an uploaded seed or sync push (a tar body, optionally gzipped, saved to a
 * private scratch file the SDK then imports with its own checks and limits) and an export (the SDK
 * exports into a scratch folder, which is streamed back: a file as its bytes, a folder as a tar whose
 * members are relative to it). Scratch files live under the state folder, 0700, and are removed when
 * the call ends, whatever happened.
 */
final class Uploads {
    private final Path scratch;
    private final long maxUploadBytes;

    Uploads(Path scratch, long maxUploadBytes) throws IOException {
        this.scratch = scratch;
        this.maxUploadBytes = maxUploadBytes;
        Files.createDirectories(scratch);
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx------"));
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(scratch)) {
            for (Path p : leftovers) {
                SafeExtractor.deleteTree(p); // from a server that was killed mid-call
            }
        }
    }

    static boolean isTar(String contentType) {
        return contentType.equals("application/x-tar") || contentType.equals("application/gzip")
                || contentType.equals("application/x-gzip") || contentType.equals("application/octet-stream");
    }

    /** Saves an upload body; the file's name ends as the SDK expects for its kind (.tar or .tar.gz). */
    Path save(InputStream body, String contentType) throws IOException {
        boolean gz = contentType.contains("gzip");
        Path file = scratch.resolve("upload-" + UUID.randomUUID() + (gz ? ".tar.gz" : ".tar"));
        Exchanges.saveBounded(body, file, maxUploadBytes);
        return file;
    }

    /**
     * The record with the scratch file's path (a seed's or sync's {@code source}) said as {@code "upload"}:
     * the file is gone when the answer leaves, and its name means nothing to the client.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> named(Map<String, Object> record, Path upload) {
        return (Map<String, Object>) replace(record, upload.toString());
    }

    @SuppressWarnings("unchecked")
    private static Object replace(Object v, String path) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, x) -> out.put(k, replace(x, path)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(x -> replace(x, path)).toList();
        }
        return path.equals(v) ? "upload" : v;
    }

    void export(HttpExchange ex, Pyro pyro, String workspaceId, Map<String, List<String>> query) throws IOException {
        String path = single(query, "path");
        if (path == null || path.isBlank()) {
            throw PyroException.invalid("missing query parameter 'path': the file or folder in /workspace to export.");
        }
        String max = single(query, "max_bytes");
        long maxBytes;
        try {
            maxBytes = max == null ? Pyro.DEFAULT_EXPORT_MAX_BYTES : Long.parseLong(max);
        } catch (NumberFormatException e) {
            throw PyroException.invalid("query parameter 'max_bytes' must be a whole number, got '" + max + "'.");
        }
        for (String k : query.keySet()) {
            if (!k.equals("path") && !k.equals("max_bytes")) {
                throw PyroException.invalid("unknown query parameter '" + k + "' for export: it takes path, max_bytes.");
            }
        }
        Path dir = Files.createDirectory(scratch.resolve("export-" + UUID.randomUUID()));
        try {
            Path out = dir.resolve("out");
            ExportResult r = pyro.exportWorkspace(workspaceId, path, out, maxBytes);
            Map<String, Object> result = new java.util.LinkedHashMap<>(r.toMap());
            result.put("output_path", null); // the scratch copy is gone; the client writes where it wants
            ex.getResponseHeaders().set("Pyro-Result", Exchanges.COMPACT.asString(result));
            ex.getResponseHeaders().set("Pyro-Artifact-Type", r.artifactType());
            if (Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS)) {
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, Files.size(out));
                try (OutputStream body = ex.getResponseBody()) {
                    Files.copy(out, body);
                }
            } else {
                ex.getResponseHeaders().set("Content-Type", "application/x-tar");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream body = ex.getResponseBody(); TarWriter tar = new TarWriter(body)) {
                    if (Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
                        tar.writeContents(out);
                    } else {
                        tar.writeTree(out, Path.of(path).getFileName().toString());
                    }
                    tar.finish();
                }
            }
        } finally {
            SafeExtractor.deleteTree(dir);
        }
    }

    private static String single(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        if (v == null) {
            return null;
        }
        if (v.size() > 1) {
            throw PyroException.invalid("query parameter '" + name + "' is given " + v.size() + " times: give it once.");
        }
        return v.getFirst();
    }
}
