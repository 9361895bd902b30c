package pyro.agent.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import pyro.protocol.Probes;
import pyro.protocol.Request;
import pyro.protocol.ServicePolicy;

/**
 * A validated {@code service_start} request. Everything is checked here, before anything is spawned, so
 * bad input never leaves a half-started service behind.
 */
record ServiceSpec(String name, List<String> argv, Path cwd, Map<String, String> env, Probe probe,
        long timeoutMs, long intervalMs, Request.Restart restart, int maxRestarts, List<ServicePolicy.Dependency> after) {
    /** The readiness a service without a probe shows. */
    static final Request.Probe NO_PROBE = new Request.Probe(Request.ProbeType.NONE, null, null, null, null, null, null,
            null);
    static final String GUEST_ROOT = pyro.protocol.Guest.WORKSPACE;
    static final long DEFAULT_TIMEOUT_MS = 30_000;
    static final long DEFAULT_INTERVAL_MS = 500;
    static final long MAX_TIMEOUT_MS = 3_600_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    static String checkName(Object value) throws ServiceException {
        if (!(value instanceof String s) || !NAME.matcher(s).matches()) {
            throw ServiceException.invalid("service name '" + value
                    + "' is invalid: use 1-64 characters, first a letter or digit, then letters, digits, '.', '_' or '-'.");
        }
        return s;
    }

    static ServiceSpec parse(Request.ServiceStart r, Path workspaceRoot) throws ServiceException {
        String name = checkName(r.name());
        List<String> argv = r.argv();
        if (argv == null || argv.isEmpty()) {
            throw ServiceException.invalid("service argv must be a non-empty list of strings, got " + argv + ".");
        }
        if (argv.get(0).isEmpty()) {
            throw ServiceException.invalid("service argv[0] is empty.");
        }
        String cwdText = r.cwd();
        Path cwd = cwdText == null || cwdText.isEmpty() ? workspaceRoot : guestPath(cwdText, workspaceRoot);
        if (!Files.isDirectory(cwd)) {
            throw ServiceException.invalid("service cwd '" + cwdText + "' does not exist or is not a directory.");
        }
        Map<String, String> env = baseEnv();
        env.putAll(env(r.env()));
        try {
            // the values stay in this record in memory; the service's files on disk keep only its command
            env.putAll(pyro.agent.secret.Secrets.get().environment(r.secretEnv()));
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalid(e.getMessage() + ".");
        }
        if (resolveExecutable(argv.get(0), env.get("PATH"), cwd) == null) {
            throw ServiceException.invalid("service command '" + argv.get(0) + "' was not found or is not executable.");
        }
        String restartProblem = ServicePolicy.maxRestartsProblem(r.maxRestarts());
        if (restartProblem != null) {
            throw ServiceException.invalid(restartProblem);
        }
        List<ServicePolicy.Dependency> after;
        try {
            after = List.copyOf(ServicePolicy.parseAll(name, r.after()));
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalid(e.getMessage());
        }
        Request.Restart restart = r.restart() == null ? Request.Restart.NO : r.restart();
        int maxRestarts = r.maxRestarts() == null ? ServicePolicy.DEFAULT_MAX_RESTARTS : r.maxRestarts();
        Request.Probe m = r.readiness();
        Probe probe = null;
        long timeout = DEFAULT_TIMEOUT_MS;
        long interval = DEFAULT_INTERVAL_MS;
        String problem = Probes.problem(m);
        if (problem != null) {
            throw ServiceException.invalid(problem);
        }
        if (m != null) {
            timeout = longField("timeout_ms", m.timeoutMs(), DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
            interval = longField("interval_ms", m.intervalMs(), DEFAULT_INTERVAL_MS, 10, 60_000);
            probe = probe(name, m, cwd, workspaceRoot, env);
        }
        return new ServiceSpec(name, List.copyOf(argv), cwd, env, probe, timeout, interval, restart, maxRestarts, after);
    }

    private static Map<String, String> env(Map<String, String> m) throws ServiceException {
        Map<String, String> env = new LinkedHashMap<>();
        if (m == null) {
            return env;
        }
        for (Map.Entry<String, String> e : m.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            if (k.isEmpty() || k.contains("=") || k.indexOf('\0') >= 0 || v.indexOf('\0') >= 0) {
                throw ServiceException.invalid("service env entry '" + k + "' must map a name to a string.");
            }
            env.put(k, v);
        }
        return env;
    }

    static Map<String, String> baseEnv() {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.putIfAbsent("HOME", "/root");
        return env;
    }

    private static Probe probe(String name, Request.Probe m, Path cwd, Path root, Map<String, String> env)
            throws ServiceException {
        Request.ProbeType type = m.type();
        if (type == null) {
            return null;
        }
        switch (type) {
            case NONE -> {
                return null;
            }
            case FILE -> {
                String path = string(m.path(), "the file probe needs a path");
                Path p = Path.of(path);
                Path file;
                if (p.isAbsolute()) {
                    // any guest path: /tmp/app.ready keeps the marker out of the workspace's diff
                    file = guestPath(path, root);
                    if (file.equals(root) || file.getParent() == null) {
                        throw ServiceException.invalid("readiness path '" + path + "' is a folder, not a file.");
                    }
                } else {
                    file = cwd.resolve(p).normalize();
                    if (!file.startsWith(cwd) || file.equals(cwd)) {
                        throw ServiceException.invalid("readiness path '" + path + "' escapes the service cwd " + cwd + ".");
                    }
                }
                return new FileProbe(path, file);
            }
            case TCP -> {
                String hostValue = m.host();
                String host = hostValue == null || hostValue.isBlank() ? "127.0.0.1" : hostValue.strip();
                Integer port = m.port();
                if (port == null || port < 1 || port > 65535) {
                    throw ServiceException.invalid("readiness port " + port + " is invalid: use 1 to 65535.");
                }
                return new TcpProbe(host, port);
            }
            case HTTP -> {
                return HttpProbe.of(string(m.url(), "the http probe needs a url"));
            }
            case COMMAND -> {
                return new CommandProbe(string(m.command(), "the command probe needs a command"), cwd, env,
                        Service.cgroup(name));
            }
        }
        throw new IllegalStateException("no probe for " + type);
    }

    private static String string(String v, String missing) throws ServiceException {
        if (v == null || v.isBlank()) {
            throw ServiceException.invalid(missing + ".");
        }
        return v;
    }

    private static long longField(String key, Long v, long fallback, long min, long max) throws ServiceException {
        if (v == null) {
            return fallback;
        }
        if (v < min || v > max) {
            throw ServiceException.invalid("readiness " + key + " " + v + " is invalid: use " + min + " to " + max + ".");
        }
        return v;
    }

    /** Maps a request path onto the filesystem: {@code /workspace/...} lands on the workspace root. */
    static Path guestPath(String text, Path root) {
        Path p = Path.of(text);
        if (p.isAbsolute()) {
            Path guestRoot = Path.of(GUEST_ROOT);
            Path n = p.normalize();
            if (n.startsWith(guestRoot) && !root.equals(guestRoot)) {
                return root.resolve(guestRoot.relativize(n).toString()).normalize();
            }
            return n;
        }
        return root.resolve(p).normalize();
    }

    static Path resolveExecutable(String exe, String path, Path cwd) {
        if (exe.contains("/")) {
            Path p = cwd.resolve(exe);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            Path p = cwd.resolve(dir.isEmpty() ? "." : dir).resolve(exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The part of a spec that a service's record shows and keeps: from {@link #recorded()}, or read back from
     * a record an earlier agent process left, which has no spec behind it any more.
     */
    record Recorded(List<String> command, String cwd, Request.Probe readiness, Request.Restart restart, int maxRestarts,
            List<String> after) {

        /** The names this service starts after. */
        List<String> afterNames() {
            return after.stream().map(a -> a.substring(0, a.indexOf(':') < 0 ? a.length() : a.indexOf(':'))).toList();
        }
    }

    Recorded recorded() {
        return new Recorded(argv, cwd.toString(), readinessRecord(), restart, maxRestarts,
                after.stream().map(ServicePolicy.Dependency::wire).toList());
    }

    /** The record's {@code readiness} (without attempts and last_error): the probe with its defaults applied. */
    Request.Probe readinessRecord() {
        return probe == null ? NO_PROBE : probe.describe(timeoutMs, intervalMs);
    }
}
