package pyro.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A stand-in for a VMM that is configured over an HTTP API socket and serves its guest's vsock ports
 * as hybrid vsock, the way Firecracker does, for host-process tests of the supervisor (Firecracker
 * itself needs hardware KVM). Its "guest" is the real agent as a host process, started at
 * {@code PUT /actions} {@code InstanceStart} and connected to it over a private unix socket; until the
 * agent is connected, a {@code CONNECT} on the vsock socket is closed unanswered, as when nothing
 * listens in a booting guest. Every API request is appended to {@code api.log} in the working folder.
 *
 * <pre>StandInVmm API_SOCK VSOCK_SOCK REFUSED_PATH|- AGENT_ARGV...</pre>
 */
public final class StandInVmm {
    private static volatile SocketChannel agent;
    private static volatile Process agentProcess;

    private StandInVmm() {}

    public static void main(String[] args) throws Exception {
        Path api = Path.of(args[0]);
        Path vsock = Path.of(args[1]);
        String refused = args[2];
        List<String> agentArgv = Arrays.asList(args).subList(3, args.length);
        Path inner = Path.of("inner.sock").toAbsolutePath();
        Files.deleteIfExists(inner);
        ServerSocketChannel innerServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        innerServer.bind(UnixDomainSocketAddress.of(inner));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (agentProcess != null) {
                agentProcess.destroyForcibly();
            }
        }));
        ServerSocketChannel vs = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        vs.bind(UnixDomainSocketAddress.of(vsock));
        Thread.ofPlatform().start(() -> serveVsock(vs));
        ServerSocketChannel apiServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        apiServer.bind(UnixDomainSocketAddress.of(api));
        while (true) {
            SocketChannel c = apiServer.accept();
            Thread.ofPlatform().start(() -> serveApi(c, refused, agentArgv, inner, innerServer));
        }
    }

    private static void serveApi(SocketChannel c, String refused, List<String> agentArgv, Path inner,
            ServerSocketChannel innerServer) {
        try (c) {
            InputStream in = Channels.newInputStream(c);
            OutputStream out = Channels.newOutputStream(c);
            while (true) {
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    head.write(b);
                    String h = head.toString(StandardCharsets.ISO_8859_1);
                    if (h.endsWith("\r\n\r\n")) {
                        break;
                    }
                }
                if (b < 0) {
                    return;
                }
                String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
                String[] rl = lines[0].split(" ");
                int len = 0;
                for (String l : lines) {
                    if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        len = Integer.parseInt(l.substring(15).trim());
                    }
                }
                String body = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                Files.writeString(Path.of("api.log"), rl[0] + " " + rl[1] + " " + body + "\n", StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                if (rl[1].equals(refused)) {
                    byte[] fault = ("{\"fault_message\":\"the stand-in refuses " + rl[1] + "\"}").getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 400 \r\nContent-Type: application/json\r\nContent-Length: " + fault.length
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(fault);
                } else {
                    if (rl[1].equals("/actions") && body.contains("InstanceStart")) {
                        List<String> argv = new java.util.ArrayList<>(agentArgv);
                        argv.addAll(List.of("--channel", "unix:" + inner));
                        agentProcess = new ProcessBuilder(argv).inheritIO().start();
                        Thread.ofPlatform().start(() -> {
                            try {
                                agent = innerServer.accept();
                            } catch (IOException ignored) {
                                // ends with the process
                            }
                        });
                    }
                    out.write("HTTP/1.1 204 \r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void serveVsock(ServerSocketChannel vs) {
        while (true) {
            try {
                SocketChannel c = vs.accept();
                InputStream in = Channels.newInputStream(c);
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    line.append((char) b);
                }
                SocketChannel a = agent;
                if (a == null || !line.toString().equals("CONNECT 52")) {
                    System.out.println("stand-in: closing '" + line + "' unanswered (agent connected: " + (a != null) + ")");
                    c.close();
                    continue;
                }
                OutputStream out = Channels.newOutputStream(c);
                out.write("OK 1073741824\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.ofPlatform().start(() -> pump(in, Channels.newOutputStream(a)));
                pump(Channels.newInputStream(a), out);
                return;
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(InputStream in, OutputStream out) {
        byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side ended
        }
    }
}
