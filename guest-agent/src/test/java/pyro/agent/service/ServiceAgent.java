package pyro.agent.service;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
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

/**
 * Test harness: the real agent in its own JVM with {@code --channel stdio --workspace-root WS
 * --service-root SVC} and a small heap (so a log flood that buffered in memory would kill it).
 */
final class ServiceAgent implements AutoCloseable {
    final Process process;
    final Frame hello;
    private final DataInputStream in;
    private final OutputStream out;
    private final AtomicLong ids = new AtomicLong(1);
    private final Map<Long, BlockingQueue<Frame>> queues = new ConcurrentHashMap<>();

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String modulePath() {
        return pyro.agent.AgentModulePath.get();
    }

    ServiceAgent(Path workspace, Path serviceRoot) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx96m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xshare:auto", "--module-path", modulePath(), "-m", "pyro.agent/pyro.agent.Main",
                "--channel", "stdio", "--workspace-root", workspace.toString(), "--service-root", serviceRoot.toString()));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = new DataInputStream(new BufferedInputStream(process.getInputStream()));
        out = new BufferedOutputStream(process.getOutputStream());
        hello = FrameCodec.read(in);
        Thread.ofPlatform().daemon().name("service-agent-reader").start(this::readLoop);
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

    synchronized long send(Map<String, Object> request) throws IOException {
        long id = ids.getAndIncrement();
        Map<String, Object> h = new LinkedHashMap<>(request);
        h.put("id", id);
        FrameCodec.write(out, new Frame(h, null));
        out.flush();
        return id;
    }

    Frame await(long id, Duration timeout) throws InterruptedException {
        Frame f = queues.computeIfAbsent(id, k -> new LinkedBlockingQueue<>())
                .poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (f == null) {
            throw new AssertionError("no reply to request " + id + " within " + timeout);
        }
        return f;
    }

    Frame call(Map<String, Object> request) throws Exception {
        return await(send(request), Duration.ofSeconds(90));
    }

    /** Stops every service still starting or running (no grace), so a test class leaves no process behind, then closes. */
    void stopServicesAndClose() throws Exception {
        for (Object o : (List<?>) call(Map.of("type", "service_list")).header().get("services")) {
            Map<?, ?> s = (Map<?, ?>) o;
            if ("running".equals(s.get("state")) || "starting".equals(s.get("state"))) {
                call(Map.of("type", "service_stop", "name", s.get("service_name"), "grace_ms", 0));
            }
        }
        close();
    }

    @Override
    public void close() throws Exception {
        out.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
