package pyro.agent.service;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import pyro.agent.cgroup.Cgroups;
import pyro.protocol.ErrorCode;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServicePolicy;

/**
 * Workspace services: long-lived processes with readiness probes, started, listed, read and stopped by
 * the {@code service_*} requests. Records and logs live under the state root ({@code --service-root},
 * default {@code /var/lib/pyro/services}), one folder per service: {@code service.json},
 * {@code stdout.log}, {@code stderr.log}. Records found there at start-up are loaded; those whose process
 * is gone are marked failed.
 */
public final class Services {
    public static final Path DEFAULT_ROOT = Path.of(pyro.protocol.Guest.SERVICE_ROOT);
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

    static void log(String message) {
        System.err.println(Instant.now() + " pyro-agent: " + message);
    }

    /** Serves one service request; errors come back as {@link Reply.Error} replies, never as exceptions. */
    public Reply handle(Request.ServiceRequest<?> request) {
        try {
            return switch (request) {
                case Request.ServiceStart r -> new Reply.ServiceResult(start(r));
                case Request.ServiceList r -> list();
                case Request.ServiceStatus r -> new Reply.ServiceResult(require(r.name()).record());
                case Request.ServiceLogs r -> logs(r);
                case Request.ServiceStop r -> new Reply.ServiceResult(stop(r));
            };
        } catch (ServiceException e) {
            return new Reply.Error(e.code(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply.Error(ErrorCode.GUEST_FAILURE, type(request) + " was interrupted in the guest.");
        } catch (IOException | RuntimeException e) {
            log(type(request) + " failed: " + e);
            return new Reply.Error(ErrorCode.GUEST_FAILURE, type(request) + " failed in the guest: " + e.getMessage());
        }
    }

    private static String type(Request<?> r) {
        return Messages.typeName((Record) r);
    }

    private Reply.ServiceRecord start(Request.ServiceStart r) throws ServiceException, InterruptedException {
        ServiceSpec spec = ServiceSpec.parse(r, workspaceRoot);
        Service svc;
        synchronized (this) {
            Service old = services.get(spec.name());
            if (old != null && old.active()) {
                throw ServiceException.conflict("service '" + spec.name() + "' is already "
                        + old.record().state().wire() + "; stop it first or use another name.");
            }
            checkOrder(spec);
            if (old != null) {
                old.retire();
            }
            svc = new Service(spec, root.resolve(spec.name()), logCap, this::lookup);
            services.put(spec.name(), svc);
        }
        return svc.start();
    }

    private synchronized Service lookup(String name) {
        return services.get(name);
    }

    /**
     * Must hold the lock. Every {@code after} name must be a service of this workspace, and the start order
     * (with this service's entries in place of any earlier service of its name) must have no cycle.
     */
    private void checkOrder(ServiceSpec spec) throws ServiceException {
        List<String> unknown = new ArrayList<>();
        for (ServicePolicy.Dependency d : spec.after()) {
            if (!services.containsKey(d.name())) {
                unknown.add("'" + d.name() + "'");
            }
        }
        if (!unknown.isEmpty()) {
            throw ServiceException.invalid("service '" + spec.name() + "' cannot start after "
                    + String.join(", ", unknown) + ": " + (unknown.size() == 1 ? "no such service" : "no such services")
                    + " in this workspace (start " + (unknown.size() == 1 ? "it" : "them") + " first).");
        }
        List<String> path = new ArrayList<>();
        path.add(spec.name());
        for (ServicePolicy.Dependency d : spec.after()) {
            List<String> cycle = cycleFrom(d.name(), spec.name(), path);
            if (cycle != null) {
                throw ServiceException.invalid("service '" + spec.name() + "' cannot start after '" + d.name()
                        + "': the start order would be a cycle (" + String.join(" -> ", cycle) + ").");
            }
        }
    }

    /** The path from {@code node} back to {@code target} along the services' after lists, or null. */
    private List<String> cycleFrom(String node, String target, List<String> path) {
        List<String> here = new ArrayList<>(path);
        here.add(node);
        if (node.equals(target)) {
            return here;
        }
        if (path.contains(node) || here.size() > services.size() + 2) {
            return null;
        }
        Service s = services.get(node);
        if (s == null) {
            return null;
        }
        for (String next : s.afterNames()) {
            List<String> c = cycleFrom(next, target, here);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    private Reply list() {
        List<Service> all;
        synchronized (this) {
            all = new ArrayList<>(services.values()); // TreeMap: sorted by name
        }
        List<Reply.ServiceRecord> records = new ArrayList<>();
        for (Service s : all) {
            records.add(s.record());
        }
        return new Reply.ServiceListResult(records);
    }

    private Service require(String nameValue) throws ServiceException {
        String name = ServiceSpec.checkName(nameValue);
        synchronized (this) {
            Service s = services.get(name);
            if (s == null) {
                throw ServiceException.notFound("service '" + name + "' does not exist.");
            }
            return s;
        }
    }

    private Reply.ServiceRecord stop(Request.ServiceStop r) throws ServiceException, InterruptedException {
        Service s = require(r.name());
        long grace = 10_000;
        Long g = r.graceMs();
        if (g != null) {
            if (g < 0 || g > 3_600_000) {
                throw ServiceException.invalid("grace_ms " + g + " is invalid: use 0 to 3600000.");
            }
            grace = g;
        }
        return s.stop(grace);
    }

    private Reply logs(Request.ServiceLogs r) throws ServiceException, IOException {
        Service s = require(r.name());
        Integer tail = r.tailLines();
        if (tail != null && (tail < 0 || tail > 1_000_000)) {
            throw ServiceException.invalid("tail_lines " + tail + " is invalid: use 0 to 1000000.");
        }
        Request.LogStream stream = r.stream() == null ? Request.LogStream.BOTH : r.stream();
        Long afterOut = offset("after_stdout", r.afterStdout());
        Long afterErr = offset("after_stderr", r.afterStderr());
        LogFile so = s.stdout();
        LogFile se = s.stderr();
        LogFile.Slice o = stream == Request.LogStream.STDERR || so == null ? null : so.read(afterOut, tail, LogFile.READ_LIMIT);
        LogFile.Slice e = stream == Request.LogStream.STDOUT || se == null ? null : se.read(afterErr, tail, LogFile.READ_LIMIT);
        return new Reply.ServiceLogsResult(s.name, o == null ? "" : o.text(), e == null ? "" : e.text(),
                o == null ? (afterOut == null ? 0L : afterOut) : o.offset(),
                e == null ? (afterErr == null ? 0L : afterErr) : e.offset(),
                (o != null && o.truncated()) || (e != null && e.truncated()));
    }

    private static Long offset(String key, Long v) throws ServiceException {
        if (v != null && v < 0) {
            throw ServiceException.invalid(key + " " + v + " is invalid: use a byte offset from an earlier logs reply.");
        }
        return v;
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
        // a service cgroup with no live service behind it holds only leftovers (a daemon of a gone service)
        Cgroups.current().sweep(n -> {
            Service s = n.startsWith("svc-") ? services.get(n.substring(4)) : null;
            return n.startsWith("svc-") && (s == null || !s.active());
        });
    }
}
