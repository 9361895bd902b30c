package pyro.core.model;

import java.util.LinkedHashMap;
import java.util.Map;

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

    public static Readiness http(String url) {
        return new Readiness("http", null, null, null, url, null, DEFAULT_TIMEOUT_SECONDS, DEFAULT_INTERVAL_MS);
    }

    public static Readiness command(String command) {
        return new Readiness("command", null, null, null, null, command, DEFAULT_TIMEOUT_SECONDS, DEFAULT_INTERVAL_MS);
    }

    public Readiness withTimeout(long seconds, long intervalMs) {
        return new Readiness(type, path, host, port, url, command, seconds, intervalMs);
    }

    /** The probe as the agent's {@code readiness} request field (null for none). */
    public Map<String, Object> toRequest() {
        if ("none".equals(type)) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        switch (type) {
            case "file" -> m.put("path", path);
            case "tcp" -> {
                m.put("host", host == null ? "127.0.0.1" : host);
                m.put("port", port);
            }
            case "http" -> m.put("url", url);
            case "command" -> m.put("command", command);
            default -> throw new IllegalStateException(type);
        }
        m.put("timeout_ms", timeoutSeconds * 1000);
        m.put("interval_ms", intervalMs);
        return m;
    }
}
