package pyro.core.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;
import pyro.core.ServiceOptions;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceCounts;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ServiceList;
import pyro.core.model.ServiceLogs;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServicePolicy;
import pyro.protocol.ServiceState;
import pyro.protocol.Wire;

/**
 * Workspace services. The agent runs them, probes their readiness and keeps their records and logs
 * under {@code /var/lib/pyro/services/NAME/} in the guest (outside /workspace); the host keeps each
 * service's spec in the workspace record.
 */
public final class ServiceManager {
    private final VmManager vms;

    public ServiceManager(VmManager vms) {
        this.vms = vms;
    }

    public ServiceInfo start(String id, String name, List<String> argv, String cwd, Map<String, String> env,
            Readiness readiness) {
        return start(id, name, argv, ServiceOptions.defaults().cwd(cwd).env(env == null ? Map.of() : env)
                .readiness(readiness));
    }

    public ServiceInfo start(String id, String name, List<String> argv, ServiceOptions options) {
        // the restart policy and start order are checked first: bad input is reported as such
        String restart = options.restart() == null ? ServicePolicy.DEFAULT_RESTART : options.restart();
        String problem = ServicePolicy.restartProblem(restart);
        if (problem == null) {
            problem = ServicePolicy.maxRestartsProblem(options.maxRestarts());
        }
        if (problem != null) {
            throw PyroException.invalid(problem);
        }
        List<String> after;
        try {
            after = ServicePolicy.parseAll(name, options.after()).stream().map(ServicePolicy.Dependency::wire).toList();
        } catch (IllegalArgumentException e) {
            throw PyroException.invalid(e.getMessage());
        }
        List<PublishSpec> publish = PublishSpec.parseAll(options.publish());
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        Validate.name("service", name);
        Validate.command(argv);
        String guestCwd = WorkspacePaths.guestPath(options.cwd(), "service cwd");
        Readiness probe = options.readiness() == null ? Readiness.none() : options.readiness();
        checkProbe(probe, guestCwd);
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        if (!publish.isEmpty() && !inst.networkPolicy().publishesPorts()) {
            throw PyroException.invalid("--publish needs a workspace created with --network egress+published-ports; "
                    + id + " has network policy '" + inst.networkPolicy().wire() + "'.");
        }
        Map<String, String> env = options.env() == null ? Map.of() : options.env();
        Map<String, String> secrets = WorkspaceSecrets.environment(inst, options.secretEnv());
        Request.ServiceStart req = new Request.ServiceStart(name, argv, guestCwd, env, probe.toRequest(),
                ServicePolicy.restart(restart), options.maxRestarts(), after, secrets.isEmpty() ? null : secrets);
        Map<String, Object> spec = Messages.fields(req);
        spec.put("readiness", req.readiness() == null ? Map.of("type", "none") : Messages.fields(req.readiness()));
        spec.put("started_at", VmManager.now());
        // the host ports are taken first, so a port in use fails the start before the service runs
        List<Reply.Forward> ports = publishAll(inst, name, publish);
        // the agent refuses bad input (an unknown after name, a cycle) before anything starts: only then record it
        Reply.ServiceRecord started;
        try {
            started = vms.call(inst, req).service();
        } catch (RuntimeException e) {
            unpublish(inst, name, ports);
            throw e;
        }
        if (!publish.isEmpty()) {
            if (started.state() == null || !started.state().active()) {
                unpublish(inst, name, ports);
                ports = List.of();
            }
            dropStaleForwards(inst, name, ports);
        }
        ServiceInfo info = info(id, started, ports);
        vms.store().update(id, i -> {
            Map<String, Object> services = specs(i);
            services.put(name, spec);
            return i.set("services", services).set("last_activity_at", VmManager.now());
        });
        if (ServiceState.fromWire(info.state()) == ServiceState.FAILED) {
            throw new PyroException(ErrorCode.GUEST_FAILURE, failureMessage(info));
        }
        return info;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> specs(Instance i) {
        Object s = i.map().get("services");
        return s instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
    }

    /** Which probe failed, how many attempts, the last probe error, and the last lines of the logs. */
    static String failureMessage(ServiceInfo s) {
        StringBuilder sb = new StringBuilder("service '" + s.serviceName() + "' failed");
        String reason = s.stopReason();
        if (reason != null) {
            sb.append(" (").append(reason.replace('_', ' ')).append(')');
        }
        boolean byDependency = reason != null && reason.startsWith("dependency_");
        if (byDependency || "max_restarts_reached".equals(reason)) {
            sb.append(": ").append(s.get("note"));
        }
        if (!byDependency && s.get("readiness") instanceof Map<?, ?> r && !"none".equals(r.get("type"))) {
            sb.append(": ").append(r.get("type")).append(" probe");
            Object target = r.get("path") != null ? r.get("path") : r.get("url") != null ? r.get("url")
                    : r.get("command") != null ? r.get("command") : r.get("port") != null ? r.get("host") + ":" + r.get("port") : null;
            if (target != null) {
                sb.append(" on ").append(target);
            }
            sb.append(", ").append(r.get("attempts")).append(" attempts");
            if (r.get("last_error") != null) {
                sb.append(", last error: ").append(r.get("last_error"));
            }
        }
        if (s.get("exit_code") != null) {
            sb.append("; exit code ").append(s.get("exit_code"));
        }
        if (s.get("signal") != null) {
            sb.append("; signal ").append(s.get("signal"));
        }
        appendTail(sb, "stderr", s.get("last_stderr"));
        appendTail(sb, "stdout", s.get("last_stdout"));
        return sb.append('.').toString();
    }

    private static void appendTail(StringBuilder sb, String stream, Object tail) {
        if (tail == null) {
            return;
        }
        String t = tail instanceof List<?> l ? String.join(" | ", l.stream().map(String::valueOf).toList())
                : tail.toString().strip().replace("\n", " | ");
        if (!t.isBlank()) {
            sb.append("; last ").append(stream).append(": ").append(t);
        }
    }

    private static void checkProbe(Readiness p, String cwd) {
        if (p.timeoutSeconds() < 1 || p.timeoutSeconds() > 3600) {
            throw PyroException.invalid("readiness timeout " + p.timeoutSeconds() + " seconds is out of range: use 1 to 3600.");
        }
        if (p.intervalMs() < 10 || p.intervalMs() > 60_000) {
            throw PyroException.invalid("readiness interval " + p.intervalMs() + " ms is out of range: use 10 to 60000.");
        }
        String problem = pyro.protocol.Probes.problem(p.toRequest());
        if (problem != null) {
            throw PyroException.invalid(problem);
        }
        if ("file".equals(p.type())) {
            if (p.path().indexOf('\0') >= 0) {
                throw PyroException.invalid("ready file '" + p.path().replace("\0", "\\0") + "' contains a NUL byte.");
            }
            // an absolute path may be anywhere in the guest (/tmp/app.ready stays out of the diff); a
            // relative one is resolved against the service's cwd and must stay inside it
            if (!p.path().startsWith("/")) {
                String norm = java.nio.file.Path.of(cwd).resolve(p.path()).normalize().toString();
                if (!(norm + "/").startsWith(cwd + "/") || norm.equals(cwd)) {
                    throw PyroException.invalid("ready file '" + p.path() + "' escapes the service's cwd " + cwd + ".");
                }
            }
        }
    }

    public ServiceList list(String id) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        List<ServiceInfo> out = new ArrayList<>();
        List<Reply.ServiceRecord> services = vms.call(inst, new Request.ServiceList())
                .services();
        List<Reply.Forward> ports = services.isEmpty() ? List.of() : forwards(inst);
        for (Reply.ServiceRecord s : services) {
            out.add(info(id, s, ports));
        }
        return new ServiceList(id, out);
    }

    public ServiceInfo status(String id, String name) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        Validate.name("service", name);
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        Reply.ServiceRecord s = vms.call(inst, new Request.ServiceStatus(name)).service();
        return info(id, s, forwards(inst));
    }

    public ServiceLogs logs(String id, String name, Integer tailLines, String stream, String after) {
        Validate.name("service", name);
        if (tailLines != null && (tailLines < 0 || tailLines > 100_000)) {
            throw PyroException.invalid("tail lines " + tailLines + " is out of range: use 0 to 100000.");
        }
        Long afterStdout = null;
        Long afterStderr = null;
        Request.LogStream s = stream == null ? Request.LogStream.BOTH : Wire.find(Request.LogStream.class, stream);
        if (s == null) {
            throw PyroException.invalid("stream '" + stream + "' is invalid: use stdout, stderr or both.");
        }
        if (after != null && !after.isBlank()) {
            String[] parts = after.split(":", -1);
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                long so = Long.parseLong(parts[0]);
                long se = Long.parseLong(parts[1]);
                if (so < 0 || se < 0) {
                    throw new NumberFormatException();
                }
                afterStdout = so;
                afterStderr = se;
            } catch (NumberFormatException e) {
                throw PyroException.invalid("log cursor '" + after
                        + "' is invalid: use STDOUT_OFFSET:STDERR_OFFSET as printed by a previous logs call.");
            }
        }
        id = vms.resolveId(id, Instance.KIND_WORKSPACE); // after the arguments: bad input is reported as such
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        Request.ServiceLogs req = new Request.ServiceLogs(name, tailLines, s, afterStdout, afterStderr);
        return new ServiceLogs(id, Messages.fields(vms.call(inst, req)));
    }

    public ServiceInfo stop(String id, String name, long graceSeconds) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        Validate.name("service", name);
        if (graceSeconds < 0 || graceSeconds > 3600) {
            throw PyroException.invalid("grace " + graceSeconds + " seconds is out of range: use 0 to 3600.");
        }
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        Reply.ServiceRecord s = vms.call(inst, new Request.ServiceStop(name, graceSeconds * 1000)).service();
        // the forwards end with the service, now rather than at the supervisor's next look (one call: all of its ports)
        try {
            vms.call(inst, new Request.PortUnpublish(name, null));
        } catch (RuntimeException ignored) {
            // the VM ended: its forwards ended with it
        }
        return info(id, s, List.of());
    }

    /** Counts per state for workspace status; none when the VM is not running. */
    ServiceCounts counts(Instance inst) {
        return vms.query(inst, new Request.ServiceList()).map(f -> {
            int[] n = new int[5];
            if (f.services() != null) {
                for (Reply.ServiceRecord o : f.services()) {
                    n[(o.state() == null ? ServiceState.FAILED : o.state()).ordinal()]++;
                }
            }
            return new ServiceCounts(n[0], n[1], n[2], n[3], n[4]);
        }).orElse(ServiceCounts.NONE);
    }


    /** Takes every host port of a start, all or none: one in use gives back the ones taken. */
    private List<Reply.Forward> publishAll(Instance inst, String name, List<PublishSpec> publish) {
        List<Reply.Forward> ports = new ArrayList<>();
        try {
            for (PublishSpec p : publish) {
                ports.addAll(vms.call(inst, new Request.PortPublish(name, p.guestPort(), p.hostPort())).ports());
            }
        } catch (RuntimeException e) {
            unpublish(inst, name, ports);
            throw e;
        }
        return ports;
    }

    private void unpublish(Instance inst, String name, List<Reply.Forward> ports) {
        for (Reply.Forward p : ports) {
            try {
                vms.call(inst, new Request.PortUnpublish(name, p.hostPort()));
            } catch (RuntimeException ignored) {
                // the VM ended: its forwards ended with it
            }
        }
    }

    /** A new run of a service replaces the forwards a previous run left (the supervisor ends those within a second anyway). */
    private void dropStaleForwards(Instance inst, String name, List<Reply.Forward> keep) {
        List<Integer> kept = keep.stream().map(Reply.Forward::hostPort).toList();
        List<Reply.Forward> stale = forwards(inst).stream()
                .filter(p -> name.equals(p.service()) && !kept.contains(p.hostPort())).toList();
        unpublish(inst, name, stale);
    }

    /** Every forward of the workspace's supervisor; none when it cannot say, or its policy publishes nothing. */
    private List<Reply.Forward> forwards(Instance inst) {
        if (!inst.networkPolicy().publishesPorts()) {
            return List.of();
        }
        try {
            List<Reply.Forward> p = vms.call(inst, new Request.PortList()).ports();
            return p == null ? List.of() : p;
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** A service's record with its forwards among {@code all} ({@code published_ports}, without the service). */
    private static ServiceInfo info(String id, Reply.ServiceRecord service, List<Reply.Forward> all) {
        Map<String, Object> m = GuestJson.service(service);
        m.put("published_ports", GuestJson.publishedPorts(all.stream()
                .filter(p -> p.service() != null && p.service().equals(service.serviceName())).toList()));
        return new ServiceInfo(id, m);
    }
}
