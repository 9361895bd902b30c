package pyro.agent.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import pyro.protocol.Request;

/** Ready once {@code host:port} accepts a TCP connection. */
record TcpProbe(String host, int port) implements Probe {
    @Override
    public Request.Probe describe(long timeoutMs, long intervalMs) {
        return new Request.Probe(Request.ProbeType.TCP, null, host, port, null, null, timeoutMs, intervalMs);
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
