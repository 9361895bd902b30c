package pyro.agent;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;

/** Test harness: the real agent in its own JVM ({@code --channel stdio}), driven over the framed protocol. */
final class AgentProcess implements AutoCloseable {
    /** The terminal frame of a request plus the payloads of any {@code data} frames before it. */
    record Reply(Frame frame, byte[] data, boolean sawDataEnd) {
        String type() {
            return frame.type();
        }

        Object get(String key) {
            return frame.header().get(key);
        }
    }

    final Process process;
    final Frame hello;
    private final DataInputStream in;
    private final OutputStream out;
    private final AtomicLong ids = new AtomicLong(1);
    private final Map<Long, BlockingQueue<Frame>> queues = new ConcurrentHashMap<>();

    static String modulePath() {
        return AgentModulePath.get();
    }

    static List<String> command(String... agentArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "--module-path", modulePath(), "-m", "pyro.agent/pyro.agent.Main"));
        cmd.addAll(List.of(agentArgs));
        return cmd;
    }

    AgentProcess(Path root, String... moreArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--channel", "stdio", "--workspace-root", root.toString()));
        args.addAll(List.of(moreArgs));
        process = new ProcessBuilder(command(args.toArray(String[]::new)))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        in = new DataInputStream(new BufferedInputStream(process.getInputStream()));
        out = new BufferedOutputStream(process.getOutputStream());
        hello = FrameCodec.read(in);
        Thread.ofPlatform().daemon().name("agent-reader").start(this::readLoop);
    }

    private void readLoop() {
        try {
            Frame f;
            while ((f = FrameCodec.read(in)) != null) {
                queues.computeIfAbsent(f.id(), k -> new LinkedBlockingQueue<>()).add(f);
            }
        } catch (IOException e) {
            // agent gone
        }
    }

    long nextId() {
        return ids.getAndIncrement();
    }

    synchronized void send(Map<String, Object> header, byte[] payload) throws IOException {
        FrameCodec.write(out, new Frame(header, payload));
    }

    /** Sends a request with a fresh id and returns the id. */
    long start(Map<String, Object> request) throws IOException {
        long id = nextId();
        Map<String, Object> h = new LinkedHashMap<>(request);
        h.put("id", id);
        send(h, null);
        return id;
    }

    Reply await(long id, Duration timeout) throws Exception {
        BlockingQueue<Frame> q = queues.computeIfAbsent(id, k -> new LinkedBlockingQueue<>());
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        boolean dataEnd = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = q.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (f == null) {
                throw new AssertionError("no reply to request " + id + " within " + timeout);
            }
            switch (f.type()) {
                case "data" -> data.write(f.payload());
                case "data_end" -> dataEnd = true;
                default -> {
                    return new Reply(f, data.toByteArray(), dataEnd);
                }
            }
        }
    }

    Reply call(Map<String, Object> request) throws Exception {
        return await(start(request), Duration.ofSeconds(60));
    }

    /** Sends {@code request}, then {@code payload} as data frames of {@code chunk} bytes, then data_end. */
    Reply upload(Map<String, Object> request, byte[] payload, int chunk) throws Exception {
        long id = start(request);
        for (int off = 0; off < payload.length; off += chunk) {
            int n = Math.min(chunk, payload.length - off);
            byte[] part = new byte[n];
            System.arraycopy(payload, off, part, 0, n);
            send(Map.of("id", id, "type", "data"), part);
        }
        send(Map.of("id", id, "type", "data_end"), null);
        return await(id, Duration.ofSeconds(60));
    }

    @Override
    public void close() throws Exception {
        out.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
