package pyro.agent.service;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import pyro.core.ErrorCode;
import pyro.core.protocol.Frame;

/**
 * Workspace services: long-lived processes with readiness probes, started, listed, read and stopped by
 * the {@code service_*} requests. Records and logs live under the state root ({@code --service-root},
 * default {@code /var/lib/pyro/services}), one folder per service: {@code service.json},
 * {@code stdout.log}, {@code stderr.log}. Records found there at start-up are loaded; those whose process
 * is gone are marked failed.
 */
public final class Services {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/pyro/services");
    private static final Set<String> TYPES = Set.of("service_start", "service_list", "service_status",
            "service_logs", "service_stop");
    private static volatile Services instance;

    private final Path root;
    private final Path workspaceRoot;
    private final long logCap;
    private final Map<String, Service> services = new TreeMap<>();

    Services(Path root, Path workspaceRoot, long logCap) {
        this.root = root.toAbsolutePath().normalize();
        this.workspaceRoot = workspaceRoot.toAbsolutePath().normalize();
        this.logCap = logCap;
    }

    /**
     * Sets up the process-wide services from {@code serviceRoot} (loading earlier records). Throws
     * IllegalArgumentException when the root is inside the workspace (diff and export would see it).
     */
    public static synchronized Services init(Path serviceRoot, Path workspaceRoot) {
        Path r = serviceRoot.toAbsolutePath().normalize();
        Path w = workspaceRoot.toAbsolutePath().normalize();
        if (r.startsWith(w) || w.startsWith(r)) {
            throw new IllegalArgumentException("service root " + r + " must be outside the workspace root " + w);
        }
        Services s = new Services(r, w, LogFile.DEFAULT_CAP);
        s.load();
        instance = s;
        return s;
    }

    /** The process-wide services (set up with the defaults when {@link #init} was not called). */
    public static Services get() {
        Services s = instance;
        if (s == null) {
            synchronized (Services.class) {
                if (instance == null) {
                    Services d = new Services(DEFAULT_ROOT, Path.of(ServiceSpec.GUEST_ROOT), LogFile.DEFAULT_CAP);
                    d.load();
                    instance = d;
                }
                s = instance;
            }
        }
        return s;
    }

    /** Whether {@code type} is one of the service requests. */
    public static boolean handles(String type) {
        return TYPES.contains(type);
    }

    static void log(String message) {
        System.err.println(Instant.now() + " pyro-agent: " + message);
    }

    /** Serves one service request; errors come back as {@code error} replies, never as exceptions. */
    public Map<String, Object> handle(Frame f) {
        try {
            return switch (f.type()) {
                case "service_start" -> result(start(f));
                case "service_list" -> list();
                case "service_status" -> result(require(f.header().get("name")).record());
                case "service_logs" -> logs(f);
                case "service_stop" -> result(stop(f));
                default -> throw ServiceException.invalid("unknown request type '" + f.type() + "'.");
            };
        } catch (ServiceException e) {
            return error(e.code(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(ErrorCode.GUEST_FAILURE, f.type() + " was interrupted in the guest.");
        } catch (IOException | RuntimeException e) {
            log(f.type() + " failed: " + e);
            return error(ErrorCode.GUEST_FAILURE, f.type() + " failed in the guest: " + e.getMessage());
        }
    }

    private static Map<String, Object> result(Map<String, Object> record) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_result");
        m.put("service", record);
        return m;
    }

    private static Map<String, Object> error(ErrorCode code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "error");
        m.put("code", code.wireName());
        m.put("message", message);
        return m;
    }

    private Map<String, Object> start(Frame f) throws ServiceException, InterruptedException {
        ServiceSpec spec = ServiceSpec.parse(f, workspaceRoot);
        Service svc;
        synchronized (this) {
            Service old = services.get(spec.name());
            if (old != null && old.active()) {
                throw ServiceException.conflict("service '" + spec.name() + "' is already "
                        + old.record().get("state") + "; stop it first or use another name.");
            }
            if (old != null) {
                old.retire();
            }
            svc = new Service(spec, root.resolve(spec.name()), logCap);
            services.put(spec.name(), svc);
        }
        return svc.start();
    }

    private Map<String, Object> list() {
        List<Service> all;
        synchronized (this) {
            all = new ArrayList<>(services.values()); // TreeMap: sorted by name
        }
        List<Map<String, Object>> records = new ArrayList<>();
        for (Service s : all) {
            records.add(s.record());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_list_result");
        m.put("services", records);
        return m;
    }

    private Service require(Object nameValue) throws ServiceException {
        String name = ServiceSpec.checkName(nameValue);
        synchronized (this) {
            Service s = services.get(name);
            if (s == null) {
                throw ServiceException.notFound("service '" + name + "' does not exist.");
            }
            return s;
        }
    }

    private Map<String, Object> stop(Frame f) throws ServiceException, InterruptedException {
        Service s = require(f.header().get("name"));
        long grace = 10_000;
        Object g = f.header().get("grace_ms");
        if (g != null) {
            if (!(g instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0
                    || n.longValue() > 3_600_000) {
                throw ServiceException.invalid("grace_ms " + g + " is invalid: use 0 to 3600000.");
            }
            grace = n.longValue();
        }
        return s.stop(grace);
    }

    private Map<String, Object> logs(Frame f) throws ServiceException, IOException {
        Map<String, Object> h = f.header();
        Service s = require(h.get("name"));
        Integer tail = null;
        Object t = h.get("tail_lines");
        if (t != null) {
            if (!(t instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0
                    || n.longValue() > 1_000_000) {
                throw ServiceException.invalid("tail_lines " + t + " is invalid: use 0 to 1000000.");
            }
            tail = n.intValue();
        }
        Object streamValue = h.get("stream");
        String stream = streamValue == null ? "both" : streamValue.toString();
        if (!List.of("stdout", "stderr", "both").contains(stream)) {
            throw ServiceException.invalid("stream '" + stream + "' is invalid: use stdout, stderr or both.");
        }
        Long afterOut = offset(h, "after_stdout");
        Long afterErr = offset(h, "after_stderr");
        LogFile so = s.stdout();
        LogFile se = s.stderr();
        LogFile.Slice o = stream.equals("stderr") || so == null ? null : so.read(afterOut, tail, LogFile.READ_LIMIT);
        LogFile.Slice e = stream.equals("stdout") || se == null ? null : se.read(afterErr, tail, LogFile.READ_LIMIT);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_logs_result");
        m.put("service_name", s.name);
        m.put("stdout", o == null ? "" : o.text());
        m.put("stderr", e == null ? "" : e.text());
        m.put("stdout_offset", o == null ? (afterOut == null ? 0L : afterOut) : o.offset());
        m.put("stderr_offset", e == null ? (afterErr == null ? 0L : afterErr) : e.offset());
        m.put("truncated", (o != null && o.truncated()) || (e != null && e.truncated()));
        return m;
    }

    private static Long offset(Map<String, Object> h, String key) throws ServiceException {
        Object v = h.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0) {
            throw ServiceException.invalid(key + " " + v + " is invalid: use a byte offset from an earlier logs reply.");
        }
        return n.longValue();
    }

    /** Loads the records an earlier agent process left under the root. */
    private void load() {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path dir : ds) {
                Path file = dir.resolve("service.json");
                String name = dir.getFileName().toString();
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                try {
                    ServiceSpec.checkName(name);
                    Map<String, Object> rec = JSON.std.mapFrom(Files.readAllBytes(file));
                    if (!name.equals(rec.get("service_name"))) {
                        continue;
                    }
                    services.put(name, Service.load(name, dir, logCap, rec));
                } catch (ServiceException | IOException | RuntimeException e) {
                    log("ignoring the service record " + file + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            log("cannot read the service root " + root + ": " + e.getMessage());
        }
    }
}
