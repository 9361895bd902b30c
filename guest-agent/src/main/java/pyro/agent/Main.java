package pyro.agent;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.net.UnixDomainSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import pyro.agent.cgroup.Cgroups;
import pyro.agent.service.Services;
import pyro.protocol.archive.ArchivePaths;
import pyro.protocol.archive.TarEntry;
import pyro.protocol.archive.TarReader;
import pyro.protocol.archive.TarWriter;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The guest agent's entry point.
 *
 * <pre>
 * pyro-agent --channel virtio:NAME | vsock:PORT | stdio | unix:PATH [--workspace-root DIR] [--service-root DIR]
 *            [--secret-root DIR] [--cgroup-root DIR] [--self-test]
 * </pre>
 *
 * {@code virtio:NAME} opens the virtio-serial port whose {@code /sys/class/virtio-ports/* /name} is NAME
 * (waiting up to 10 s for it to appear), once, read-write; {@code vsock:PORT} listens on AF_VSOCK port PORT
 * (any CID) and serves one host connection after another, saying hello on each; {@code stdio} speaks frames on stdin/stdout;
 * {@code unix:PATH} connects to a listening AF_UNIX socket. Logs go to stderr. {@code --self-test} loads
 * and exercises the main classes (for a CDS/AOT training run) and exits 0. {@code --service-root} is where
 * service records and logs live (default {@code /var/lib/pyro/services}; must be outside the workspace).
 *
 * <p>{@code virtio:NAME} and {@code vsock:PORT} mean the agent runs in a guest: it protects itself from the OOM killer and puts
 * everything it runs into cgroups under {@code --cgroup-root} (default {@link Cgroups#GUEST_ROOT}; see
 * {@link Cgroups}). With another channel it uses cgroups only when {@code --cgroup-root} is given, so as a
 * host process in tests it never touches the host's cgroups.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        String channel = null;
        String rootText = Workspace.GUEST_ROOT;
        String serviceRootText = Services.DEFAULT_ROOT.toString();
        String cgroupRootText = null;
        String secretRootText = pyro.agent.secret.Secrets.DEFAULT_ROOT.toString();
        boolean selfTest = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--channel" -> channel = value(args, ++i, "--channel");
                case "--workspace-root" -> rootText = value(args, ++i, "--workspace-root");
                case "--service-root" -> serviceRootText = value(args, ++i, "--service-root");
                case "--cgroup-root" -> cgroupRootText = value(args, ++i, "--cgroup-root");
                case "--secret-root" -> secretRootText = value(args, ++i, "--secret-root");
                case "--self-test" -> selfTest = true;
                case "--version" -> {
                    System.out.println("pyro-agent " + Agent.VERSION);
                    return;
                }
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        Path root = Path.of(rootText).toAbsolutePath().normalize();
        if (selfTest) {
            System.exit(selfTest(root) ? 0 : 1);
        }
        if (channel == null) {
            usage("--channel is required");
        }
        boolean guest = channel.startsWith("virtio:") || channel.startsWith("vsock:");
        if (guest || cgroupRootText != null) {
            Cgroups.install(Cgroups.setUp(cgroupRootText == null ? Cgroups.GUEST_ROOT : Path.of(cgroupRootText), guest));
        }
        pyro.agent.secret.Secrets.init(Path.of(secretRootText));
        try {
            Services.init(Path.of(serviceRootText), root);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        try {
            run(channel, root);
        } catch (IOException | RuntimeException e) {
            Log.error("agent stopped", e);
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(String channel, Path root) throws IOException {
        if (channel.equals("stdio")) {
            InputStream in = new FileInputStream(FileDescriptor.in);
            OutputStream out = new FileOutputStream(FileDescriptor.out);
            System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true)); // keep stdout for frames
            Log.info("serving on stdio, workspace root " + root);
            new Agent(buffered(in), new BufferedOutputStream(out, 64 * 1024), root, false, false).serve();
        } else if (channel.startsWith("unix:")) {
            SocketChannel sc = SocketChannel.open(UnixDomainSocketAddress.of(channel.substring(5)));
            Log.info("connected to " + channel + ", workspace root " + root);
            new Agent(buffered(Channels.newInputStream(sc)),
                    new BufferedOutputStream(Channels.newOutputStream(sc), 64 * 1024), root, false, false).serve();
        } else if (channel.startsWith("virtio:")) {
            Path dev = findVirtioPort(channel.substring(7));
            RandomAccessFile raf = new RandomAccessFile(dev.toFile(), "rw"); // opened once: a second open is EBUSY
            Log.info("serving on " + dev + ", workspace root " + root);
            new Agent(buffered(portInput(raf)),
                    new BufferedOutputStream(new FileOutputStream(raf.getFD()), 64 * 1024), root, true, true).serve();
        } else if (channel.startsWith("vsock:")) {
            int port = vsockPort(channel.substring(6));
            Vsock.Listener listener = Vsock.Listener.open(port);
            Log.info("listening on vsock port " + port + ", workspace root " + root);
            new Agent(() -> {
                Vsock.Conn c = listener.accept();
                return new Agent.Link() {
                    final InputStream in = c.input();
                    final OutputStream out = c.output();

                    @Override
                    public InputStream in() {
                        return in;
                    }

                    @Override
                    public OutputStream out() {
                        return out;
                    }

                    @Override
                    public void close() {
                        c.close();
                    }
                };
            }, root, true).serve();
        } else {
            usage("unknown channel '" + channel + "' (use virtio:NAME, vsock:PORT, stdio or unix:PATH)");
        }
    }

    /**
     * The port's input without {@code available()}: BufferedInputStream asks for it when a frame is
     * larger than one read, and on a virtio-serial port the JDK answers it with lseek, which fails
     * with "Illegal seek" (the agent died on the first seed import). 0 means "block in read".
     */
    static InputStream portInput(RandomAccessFile raf) throws IOException {
        return new java.io.FilterInputStream(new FileInputStream(raf.getFD())) {
            @Override
            public int available() {
                return 0;
            }
        };
    }

    /** The PORT of {@code vsock:PORT}: a decimal number from 1 to 2^31-1. */
    static int vsockPort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port > 0) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        usage("vsock port '" + text + "' is not a number from 1 to " + Integer.MAX_VALUE);
        return -1;
    }

    private static DataInputStream buffered(InputStream in) {
        return new DataInputStream(new BufferedInputStream(in, 64 * 1024));
    }

    static Path findVirtioPort(String name) throws IOException {
        Path ports = Path.of("/sys/class/virtio-ports");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            if (Files.isDirectory(ports)) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(ports)) {
                    for (Path port : s) {
                        Path nameFile = port.resolve("name");
                        if (Files.isReadable(nameFile)
                                && Files.readString(nameFile, StandardCharsets.UTF_8).strip().equals(name)) {
                            Path dev = Path.of("/dev").resolve(port.getFileName().toString());
                            if (Files.exists(dev)) {
                                return dev;
                            }
                        }
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("virtio port named '" + name + "' did not appear under " + ports);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for virtio port " + name);
            }
        }
    }

    /** Exercises framing, JSON, tar writing/reading, path checks and exec once, for class-data training. */
    static boolean selfTest(Path root) {
        try {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            TarWriter w = new TarWriter(tar);
            w.writeDirectory("d", 0755, 0);
            w.writeFile("d/hello.txt", 0644, 0, "hello".getBytes(StandardCharsets.UTF_8));
            w.writeSymlink("d/link", "hello.txt", 0);
            w.finish();
            ArchivePaths.Overlay model = ArchivePaths.Overlay.empty();
            int entries = 0;
            try (TarReader r = TarReader.open(new ByteArrayInputStream(tar.toByteArray()))) {
                TarEntry e;
                while ((e = r.next()) != null) {
                    model.record(ArchivePaths.check(e, model));
                    r.content().readAllBytes();
                    entries++;
                }
            }
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            FrameCodec.write(frames, Messages.frame(0, Agent.hello()));
            FrameCodec.write(frames, Messages.frame(1, new Request.Exec(List.of("true"), null, Map.of(), 5_000L, null)));
            FrameCodec.write(frames, Messages.data(1, tar.toByteArray()));
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(frames.toByteArray()));
            Messages.reply(FrameCodec.read(in), Reply.Hello.class);
            boolean decoded = Messages.request(FrameCodec.read(in)) instanceof Request.Exec;
            FrameCodec.read(in);
            Path cwd = Files.isDirectory(root) ? root : Path.of("/");
            Reply.ExecResult r = Exec.run(new Exec.Spec(List.of("true"), cwd, Map.of(), 5_000, 1024));
            boolean ok = entries == 3 && decoded && Integer.valueOf(0).equals(r.exitCode());
            Log.info("self-test " + (ok ? "passed" : "failed: " + r));
            return ok;
        } catch (IOException | RuntimeException e) {
            Log.error("self-test failed", e);
            return false;
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("pyro-agent: " + problem);
        System.err.println("usage: pyro-agent --channel virtio:NAME|vsock:PORT|stdio|unix:PATH [--workspace-root DIR] [--service-root DIR]"
                + " [--cgroup-root DIR] [--self-test]");
        System.exit(2);
    }
}
