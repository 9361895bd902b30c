package pyro.kvm.firecracker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import pyro.core.internal.Json;

/**
 * A stand-in for Firecracker's API server (the real one needs hardware KVM): a unix socket that reads
 * HTTP/1.1 requests and checks each against the shapes of Firecracker's published API description
 * (src/firecracker/swagger/firecracker.yaml: the method of each path, the required and known fields
 * of its body, their JSON types and enums), answering 204 when a request is well-formed and 400 with
 * a {@code fault_message} naming what is wrong otherwise, like Firecracker. It keeps each connection
 * open after answering (so a client that waits for the end of the connection would hang), and for
 * {@code /snapshot/create} it writes the two files, as Firecracker does.
 */
final class FirecrackerStandIn implements AutoCloseable {
    record Request(String method, String path, Map<String, String> headers, Map<String, Object> body) {}

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();
    private final ServerSocketChannel server;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    /** A refusal to make instead of the answer the shapes give (null: none), by "METHOD /path". */
    volatile Function<String, String> forceFault = k -> null;

    FirecrackerStandIn(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofPlatform().daemon().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel c = server.accept();
                    open.add(c);
                    Thread.ofPlatform().daemon().start(() -> serve(c));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void serve(SocketChannel c) {
        try {
            InputStream in = Channels.newInputStream(c);
            OutputStream out = Channels.newOutputStream(c);
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String[] lines = head.split("\r\n");
                String[] rl = lines[0].split(" ");
                Map<String, String> headers = new java.util.LinkedHashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
                }
                int len = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                byte[] body = in.readNBytes(len);
                String fault;
                Map<String, Object> json = null;
                try {
                    json = len == 0 ? null : Json.readMap(new String(body, StandardCharsets.UTF_8));
                    fault = check(rl[0], rl[1], rl.length > 2 ? rl[2] : "", headers, json);
                } catch (RuntimeException e) {
                    fault = "the body is not a JSON object: " + e.getMessage();
                }
                String forced = forceFault.apply(rl[0] + " " + rl[1]);
                if (fault == null && forced != null) {
                    fault = forced;
                }
                requests.add(new Request(rl[0], rl[1], headers, json));
                if (fault == null && rl[1].equals("/snapshot/create")) {
                    Files.writeString(Path.of((String) json.get("snapshot_path")), "state");
                    Files.writeString(Path.of((String) json.get("mem_file_path")), "memory of the guest");
                }
                if (fault == null) {
                    out.write("HTTP/1.1 204 \r\nServer: Firecracker API\r\nConnection: keep-alive\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                } else {
                    refusals.add(rl[0] + " " + rl[1] + ": " + fault);
                    byte[] b = Json.writeCompact(Map.of("fault_message", fault)).getBytes(StandardCharsets.UTF_8);
                    // head and body in separate writes: a client must read by Content-Length
                    out.write(("HTTP/1.1 400 \r\nServer: Firecracker API\r\nContent-Type: application/json\r\nContent-Length: "
                            + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    out.write(b);
                }
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the client went away
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                return new String(a, 0, n - 4, StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    // --- the shapes of the API description ----------------------------------------------------------

    private record Field(String name, String type, boolean required, Set<String> values) {}

    private static Field req(String name, String type) {
        return new Field(name, type, true, null);
    }

    private static Field opt(String name, String type) {
        return new Field(name, type, false, null);
    }

    private static Field enumOf(String name, boolean required, String... values) {
        return new Field(name, "string", required, Set.of(values));
    }

    private static final List<Field> MACHINE_CONFIGURATION = List.of(req("vcpu_count", "integer"),
            req("mem_size_mib", "integer"), opt("smt", "boolean"), opt("track_dirty_pages", "boolean"),
            enumOf("cpu_template", false, "C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"),
            enumOf("huge_pages", false, "None", "Transparent", "2M"));
    private static final List<Field> BOOT_SOURCE = List.of(req("kernel_image_path", "string"),
            opt("initrd_path", "string"), opt("boot_args", "string"));
    private static final List<Field> DRIVE = List.of(req("drive_id", "string"), req("is_root_device", "boolean"),
            opt("partuuid", "string"), enumOf("cache_type", false, "Unsafe", "Writeback"), opt("is_read_only", "boolean"),
            opt("path_on_host", "string"), opt("rate_limiter", "object"), enumOf("io_engine", false, "Sync", "Async"),
            opt("socket", "string"));
    private static final List<Field> VSOCK = List.of(req("guest_cid", "integer"), req("uds_path", "string"),
            opt("vsock_id", "string"));
    private static final List<Field> ACTION = List.of(enumOf("action_type", true, "FlushMetrics", "InstanceStart",
            "SendCtrlAltDel"));
    private static final List<Field> VM = List.of(enumOf("state", true, "Paused", "Resumed"));
    private static final List<Field> SNAPSHOT_CREATE = List.of(req("mem_file_path", "string"),
            req("snapshot_path", "string"), enumOf("snapshot_type", false, "Full", "Diff"));
    private static final List<Field> SNAPSHOT_LOAD = List.of(req("snapshot_path", "string"),
            opt("enable_diff_snapshots", "boolean"), opt("track_dirty_pages", "boolean"), opt("mem_file_path", "string"),
            opt("mem_backend", "object"), opt("resume_vm", "boolean"), opt("network_overrides", "array"),
            opt("vsock_override", "object"), opt("clock_realtime", "boolean"));
    private static final List<Field> MEMORY_BACKEND = List.of(enumOf("backend_type", true, "File", "Uffd"),
            req("backend_path", "string"));

    /** Null when the request is one Firecracker's API accepts; otherwise why not. */
    static String check(String method, String path, String version, Map<String, String> headers, Map<String, Object> body) {
        if (!version.equals("HTTP/1.1")) {
            return "not HTTP/1.1: " + version;
        }
        if (body != null && !"application/json".equals(headers.get("content-type"))) {
            return "a body without Content-Type application/json";
        }
        String key = method + " " + (path.startsWith("/drives/") ? "/drives/{drive_id}" : path);
        List<Field> shape = switch (key) {
            case "PUT /machine-config", "PATCH /machine-config" -> MACHINE_CONFIGURATION;
            case "PUT /boot-source" -> BOOT_SOURCE;
            case "PUT /drives/{drive_id}" -> DRIVE;
            case "PUT /vsock" -> VSOCK;
            case "PUT /actions" -> ACTION;
            case "PATCH /vm" -> VM;
            case "PUT /snapshot/create" -> SNAPSHOT_CREATE;
            case "PUT /snapshot/load" -> SNAPSHOT_LOAD;
            default -> null;
        };
        if (shape == null) {
            return "no such operation: " + method + " " + path;
        }
        if (body == null) {
            return "the body is required";
        }
        String f = fields(body, shape);
        if (f != null) {
            return f;
        }
        if (key.equals("PUT /drives/{drive_id}") && !path.substring("/drives/".length()).equals(body.get("drive_id"))) {
            return "drive_id " + body.get("drive_id") + " is not the path's " + path;
        }
        if (key.equals("PUT /machine-config") && (((Number) body.get("vcpu_count")).intValue() < 1
                || ((Number) body.get("vcpu_count")).intValue() > 32)) {
            return "vcpu_count must be 1-32";
        }
        if (key.equals("PUT /vsock") && ((Number) body.get("guest_cid")).longValue() < 3) {
            return "guest_cid must be at least 3";
        }
        if (key.equals("PUT /snapshot/load")) {
            boolean file = body.containsKey("mem_file_path");
            boolean backend = body.containsKey("mem_backend");
            if (file == backend) {
                return "exactly one of mem_file_path and mem_backend";
            }
            if (backend) {
                return fields((Map<?, ?>) body.get("mem_backend"), MEMORY_BACKEND);
            }
        }
        return null;
    }

    private static String fields(Map<?, ?> body, List<Field> shape) {
        for (Object k : body.keySet()) {
            if (shape.stream().noneMatch(f -> f.name().equals(k))) {
                return "unknown field " + k;
            }
        }
        for (Field f : shape) {
            Object v = body.get(f.name());
            if (v == null) {
                if (f.required()) {
                    return "missing field " + f.name();
                }
                continue;
            }
            boolean ok = switch (f.type()) {
                case "integer" -> v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger;
                case "boolean" -> v instanceof Boolean;
                case "string" -> v instanceof String;
                case "object" -> v instanceof Map;
                case "array" -> v instanceof List;
                default -> false;
            };
            if (!ok) {
                return f.name() + " must be " + f.type() + ", not " + v;
            }
            if (f.values() != null && !f.values().contains(v)) {
                return f.name() + " must be one of " + f.values() + ", not " + v;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel c : open) {
            c.close();
        }
    }
}
