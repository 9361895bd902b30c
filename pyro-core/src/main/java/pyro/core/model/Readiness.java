package pyro.core.model;

import pyro.protocol.Probes;
import pyro.protocol.Request;
import pyro.protocol.Wire;

/**
 * A service's readiness probe, run inside the guest: a file appears (path relative to the service's
 * cwd), a TCP port accepts, an HTTP URL answers 2xx/3xx, or a command exits 0. Defaults: 30 s
 * timeout, 500 ms interval.
 */
public record Readiness(String type, String path, String host, Integer port, String url, String command,
        long timeoutSeconds, long intervalMs) {
    public static final long DEFAULT_TIMEOUT_SECONDS = 30;
    public static final long DEFAULT_INTERVAL_MS = 500;

    public static Readiness none() {
        return new Readiness("none", null, null, null, null, null, DEFAULT_TIMEOUT_SECONDS, DEFAULT_INTERVAL_MS);
    }

    public static Readiness file(String path) {
        return new Readiness("file", path, null, null, null, null, DEFAULT_TIMEOUT_SECONDS, DEFAULT_INTERVAL_MS);
    }

    public static Readiness tcp(String host, int port) {
        return new Readiness("tcp", null, host, port, null, null, DEFAULT_TIMEOUT_SECONDS, DEFAULT_INTERVAL_MS);
    }

    /**
     * Parses {@code [HOST:]PORT} (host defaults to 127.0.0.1), the form every face takes a TCP probe
     * in; {@code what} names the face's field in the error (e.g. {@code --ready-tcp}).
     */
    public static Readiness tcp(String spec, String what) {
        String text = spec == null ? "" : spec.strip();
        String host = "127.0.0.1";
        String port = text;
        int colon = text.lastIndexOf(':');
        if (colon >= 0) {
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        try {
            return tcp(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw pyro.core.PyroException.invalid(what + " '" + spec + "' is not [HOST:]PORT.");
        }
    }

    public static Readiness http(String url) {
        return new Readiness("http", null, null, null, url, null, DEFAULT_TIMEOUT_SECONDS, DEFAULT_INTERVAL_MS);
    }

    public static Readiness command(String command) {
        return new Readiness("command", null, null, null, null, command, DEFAULT_TIMEOUT_SECONDS, DEFAULT_INTERVAL_MS);
    }

    public Readiness withTimeout(long seconds, long intervalMs) {
        return new Readiness(type, path, host, port, url, command, seconds, intervalMs);
    }

    /** The probe as the agent's {@code readiness} request field (null for none); an unknown type is refused. */
    public Request.Probe toRequest() {
        Request.ProbeType t = Wire.find(Request.ProbeType.class, type);
        if (t == null) {
            throw pyro.core.PyroException.invalid(Probes.unknownType(type));
        }
        return switch (t) {
            case NONE -> null;
            case FILE -> probe(t, path, null, null, null, null);
            case TCP -> probe(t, null, host == null ? "127.0.0.1" : host, port, null, null);
            case HTTP -> probe(t, null, null, null, url, null);
            case COMMAND -> probe(t, null, null, null, null, command);
        };
    }

    private Request.Probe probe(Request.ProbeType t, String path, String host, Integer port, String url,
            String command) {
        return new Request.Probe(t, path, host, port, url, command, timeoutSeconds * 1000, intervalMs);
    }
}
