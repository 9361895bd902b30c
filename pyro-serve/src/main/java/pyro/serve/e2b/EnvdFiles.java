package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.model.FileContent;

/**
 * envd's file transfer ({@code GET /files} downloads one file's bytes, {@code POST /files} writes one
 * file per multipart part) over pyro's file calls, paths mapped by {@link GuestPaths}. A write
 * carries at most pyro's one-write limit (8 MiB) per file. Paths outside /workspace, which the file
 * calls do not reach, go through {@link GuestFiles}.
 */
final class EnvdFiles {
    /** A read larger than this is refused rather than held in memory. */
    static final long MAX_READ_BYTES = 256L << 20;
    static final int MAX_UPLOAD_BYTES = 64 << 20;
    static final long CHUNK = 4L << 20;

    private final Sandboxes sandboxes;
    private final GuestFiles elsewhere;

    EnvdFiles(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
        this.elsewhere = new GuestFiles(sandboxes);
    }

    int read(HttpExchange ex, String sid) throws IOException {
        String path = Wire.query(ex).get("path");
        if (path == null || path.isEmpty()) {
            throw E2bError.invalid("path is required");
        }
        String guest = GuestPaths.toGuest(path);
        String ws = sandboxes.running(sid);
        if (!GuestPaths.inWorkspace(guest)) {
            byte[] bytes = elsewhere.read(ws, guest, path, MAX_READ_BYTES);
            ex.getResponseHeaders().set("Content-Disposition", "inline; filename=\"" + name(guest).replace("\"", "") + "\"");
            Wire.send(ex, 200, "application/octet-stream", bytes);
            return 200;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = 0;
        while (true) {
            FileContent c = sandboxes.pyro().readFile(ws, guest, offset, CHUNK, null, null, true);
            byte[] bytes = "base64".equals(c.encoding()) ? Base64.getDecoder().decode(c.content())
                    : c.content().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.write(bytes);
            offset += bytes.length;
            if (c.eof() || bytes.length == 0) {
                break;
            }
            if (offset > MAX_READ_BYTES) {
                throw new E2bError(413, "resource_exhausted", path + " is over " + MAX_READ_BYTES
                        + " bytes: read it in parts with commands (e.g. split) or export the workspace");
            }
        }
        ex.getResponseHeaders().set("Content-Disposition", "inline; filename=\"" + name(guest).replace("\"", "") + "\"");
        Wire.send(ex, 200, "application/octet-stream", out.toByteArray());
        return 200;
    }

    int write(HttpExchange ex, String sid) throws IOException {
        String path = Wire.query(ex).get("path");
        String boundary = Multipart.boundary(ex.getRequestHeaders().getFirst("Content-Type"));
        if (boundary == null) {
            throw E2bError.invalid("POST /files takes multipart/form-data, one part per file (envd < 0.5.7's form; "
                    + "pyro serve reports envd " + E2b.ENVD_VERSION + ")");
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = Wire.readBounded(in, MAX_UPLOAD_BYTES, "the upload");
        }
        List<Multipart.Part> parts = Multipart.parse(body, boundary);
        if (parts.isEmpty()) {
            throw E2bError.invalid("the upload has no file part");
        }
        String ws = sandboxes.running(sid);
        List<Map<String, Object>> written = new ArrayList<>();
        for (Multipart.Part p : parts) {
            String target = parts.size() == 1 && path != null && !path.isEmpty() ? path : p.filename();
            if (target == null || target.isEmpty()) {
                throw E2bError.invalid("a part names no file: give ?path= or the part's filename");
            }
            String guest = GuestPaths.toGuest(target);
            if (GuestPaths.inWorkspace(guest)) {
                sandboxes.pyro().writeFile(ws, guest, p.content(), null);
            } else {
                elsewhere.write(ws, guest, target, p.content());
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", name(guest));
            e.put("type", "file");
            e.put("path", GuestPaths.toClient(guest, GuestPaths.homeStyle(target)));
            written.add(e);
        }
        Wire.sendJson(ex, 200, written);
        return 200;
    }

    static String name(String guestPath) {
        return guestPath.substring(guestPath.lastIndexOf('/') + 1);
    }
}
