package pyro.agent.shell;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
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
 * Test harness: the real agent in its own JVM ({@code --channel stdio}) with native access enabled for
 * {@code pyro.agent} (as the guest launcher should) and, where {@code setsid} exists, as a session leader
 * without a controlling terminal (as in the guest), driven over the framed protocol.
 */
final class ShellAgentProcess implements AutoCloseable {
    final Process process;
    final Frame hello;
    private final DataInputStream in;
    private final OutputStream out;
    private final AtomicLong ids = new AtomicLong(1);
    private final Map<Long, BlockingQueue<Frame>> queues = new ConcurrentHashMap<>();

    private static String modulePath() {
        return pyro.agent.AgentModulePath.get();
    }

    ShellAgentProcess(Path root) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            // as in the guest, where busybox init starts the agent as a session leader with no terminal:
            // such a process would take the first tty it opens as its controlling terminal
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "--enable-native-access=pyro.agent", "--illegal-native-access=deny",
                "--module-path", modulePath(), "-m", "pyro.agent/pyro.agent.Main",
                "--channel", "stdio", "--workspace-root", root.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        // the shells' HOME: an empty folder, so the host user's rc files (pyenv, prompts...) stay out
        pb.environment().put("HOME", Files.createDirectories(root.resolveSibling("home")).toString());
        process = pb.start();
        in = new DataInputStream(new BufferedInputStream(process.getInputStream()));
        out = new BufferedOutputStream(process.getOutputStream());
        hello = FrameCodec.read(in);
        Thread.ofPlatform().daemon().name("shell-agent-reader").start(this::readLoop);
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

    /** Sends a request with a fresh id and returns the id. */
    synchronized long start(Map<String, Object> request) throws IOException {
        long id = ids.getAndIncrement();
        Map<String, Object> h = new LinkedHashMap<>(request);
        h.put("id", id);
        FrameCodec.write(out, new Frame(h, null));
        out.flush();
        return id;
    }

    Frame await(long id, Duration timeout) throws InterruptedException {
        BlockingQueue<Frame> q = queues.computeIfAbsent(id, k -> new LinkedBlockingQueue<>());
        Frame f = q.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (f == null) {
            throw new AssertionError("no reply to request " + id + " within " + timeout);
        }
        queues.remove(id);
        return f;
    }

    Frame call(Map<String, Object> request) throws IOException, InterruptedException {
        return await(start(request), Duration.ofSeconds(60));
    }

    @Override
    public void close() throws Exception {
        out.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
