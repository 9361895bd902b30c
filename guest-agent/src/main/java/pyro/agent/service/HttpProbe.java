package pyro.agent.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import pyro.protocol.Request;

/**
 * Ready once a plain HTTP/1.0 GET of the URL answers 2xx or 3xx. Written over a socket because the guest
 * runtime has java.base only (no java.net.http).
 */
record HttpProbe(String url, String host, int port, String target) implements Probe {
    static HttpProbe of(String url) throws ServiceException {
        URI u;
        try {
            u = new URI(url);
        } catch (Exception e) {
            throw ServiceException.invalid("readiness url '" + url + "' is not a valid URL.");
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getHost().isEmpty()) {
            throw ServiceException.invalid("readiness url '" + url + "' must be an http:// URL with a host.");
        }
        int port = u.getPort() == -1 ? 80 : u.getPort();
        if (port < 1 || port > 65535) {
            throw ServiceException.invalid("readiness url '" + url + "' has port " + port + ", outside 1-65535.");
        }
        String host = u.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        String target = u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
        return new HttpProbe(url, host, port, target);
    }

    @Override
    public Request.Probe describe(long timeoutMs, long intervalMs) {
        return new Request.Probe(Request.ProbeType.HTTP, null, null, null, url, null, timeoutMs, intervalMs);
    }

    @Override
    public String check(long timeoutMs) {
        int t = (int) Math.max(1, Math.min(timeoutMs, Integer.MAX_VALUE));
        long deadline = System.nanoTime() + t * 1_000_000L;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), t);
            s.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            String hostHeader = host.contains(":") ? "[" + host + "]" : host;
            if (port != 80) {
                hostHeader += ":" + port;
            }
            String req = "GET " + target + " HTTP/1.0\r\nHost: " + hostHeader
                    + "\r\nUser-Agent: pyro-agent\r\nAccept: */*\r\nConnection: close\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String status = statusLine(s.getInputStream());
            if (status == null) {
                return "GET " + url + ": connection closed before a status line";
            }
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                return "GET " + url + ": not an HTTP status line: " + abbreviate(status);
            }
            int code;
            try {
                code = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                return "GET " + url + ": bad status code in " + abbreviate(status);
            }
            return code >= 200 && code < 400 ? null : "GET " + url + " answered HTTP " + code;
        } catch (IOException | RuntimeException e) {
            return "GET " + url + ": " + e.getMessage();
        }
    }

    /** Reads up to the first line end (at most 8 KiB); null when the peer closed first. */
    private static String statusLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && sb.length() < 8192) {
            if (b == '\n') {
                return sb.toString().strip();
            }
            sb.append((char) b);
        }
        return sb.isEmpty() ? null : sb.toString().strip();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
