package pyro.protocol;

import java.net.URI;

/**
 * The one check of a readiness probe's shape, run by the host before it sends a service start and
 * by the agent before it spawns anything: a known type, the field that type needs, ranges. Where a
 * file probe's path leads is the agent's to check (it depends on the guest's folders).
 */
public final class Probes {
    public static final long MIN_TIMEOUT_MS = 1;
    public static final long MAX_TIMEOUT_MS = 3_600_000;
    public static final long MIN_INTERVAL_MS = 10;
    public static final long MAX_INTERVAL_MS = 60_000;

    private Probes() {}

    /** The sentence for a probe type no {@link Request.ProbeType} names (the host checks a face's text with it). */
    public static String unknownType(String type) {
        return "readiness type '" + type + "' is unknown: use file, tcp, http or command.";
    }

    /** Null when {@code p} is a valid probe (or none); otherwise one sentence naming the bad value. */
    public static String problem(Request.Probe p) {
        if (p == null || p.type() == null || p.type() == Request.ProbeType.NONE) {
            return null;
        }
        if (p.timeoutMs() != null && (p.timeoutMs() < MIN_TIMEOUT_MS || p.timeoutMs() > MAX_TIMEOUT_MS)) {
            return "readiness timeout_ms " + p.timeoutMs() + " is invalid: use " + MIN_TIMEOUT_MS + " to "
                    + MAX_TIMEOUT_MS + ".";
        }
        if (p.intervalMs() != null && (p.intervalMs() < MIN_INTERVAL_MS || p.intervalMs() > MAX_INTERVAL_MS)) {
            return "readiness interval_ms " + p.intervalMs() + " is invalid: use " + MIN_INTERVAL_MS + " to "
                    + MAX_INTERVAL_MS + ".";
        }
        return switch (p.type()) {
            case NONE -> null;
            case FILE -> blank(p.path()) ? "the file probe needs a path." : null;
            case TCP -> p.port() == null || p.port() < 1 || p.port() > 65535
                    ? "readiness port " + p.port() + " is invalid: use 1 to 65535." : null;
            case HTTP -> urlProblem(p.url());
            case COMMAND -> blank(p.command()) ? "the command probe needs a command." : null;
        };
    }

    private static String urlProblem(String url) {
        if (blank(url)) {
            return "the http probe needs a url.";
        }
        URI u;
        try {
            u = new URI(url);
        } catch (Exception e) {
            return "readiness url '" + url + "' is not a valid URL.";
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getHost().isEmpty()) {
            return "readiness url '" + url + "' must be an http:// URL with a host.";
        }
        int port = u.getPort() == -1 ? 80 : u.getPort();
        if (port < 1 || port > 65535) {
            return "readiness url '" + url + "' has port " + port + ", outside 1-65535.";
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
