package pyro.agent.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

/** Ready once {@code host:port} accepts a TCP connection. */
record TcpProbe(String host, int port) implements Probe {
    @Override
    public void describe(Map<String, Object> into) {
        into.put("type", "tcp");
        into.put("host", host);
        into.put("port", port);
    }

    @Override
    public String check(long timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(timeoutMs, Integer.MAX_VALUE)));
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot connect to " + host + ":" + port + ": " + e.getMessage();
        }
    }
}
