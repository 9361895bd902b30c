package pyro.mcp;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A scripted MCP client: runs {@code pyro.mcp.McpServer} in a child JVM and talks newline-delimited
 * JSON-RPC over its real stdin/stdout. Every stdout line is kept so tests can check that nothing but
 * JSON-RPC was written there.
 */
final class StdioClient implements AutoCloseable {
    enum Mode {
        /** {@code java --module-path ... -m pyro.mcp/pyro.mcp.McpServer}. */
        MODULE_PATH,
        /** {@code java -cp ... pyro.mcp.McpServer}. */
        CLASS_PATH,
        /**
         * As {@code pyro mcp serve} loads it: pyro.core and pyro.kvm in the boot layer, pyro.mcp and the
         * MCP SDK in a child layer resolved from {@code jdk.module.path} without service binding.
         */
        CHILD_LAYER
    }

    static final String LAYER_LAUNCHER = """
            import java.lang.module.Configuration;
            import java.lang.module.ModuleFinder;
            import java.nio.file.Path;
            import java.util.Arrays;
            import java.util.Set;

            public class LayerLauncher {
                public static void main(String[] args) throws Exception {
                    String mp = System.getProperty("jdk.module.path", "");
                    Path[] paths = Arrays.stream(mp.split(java.io.File.pathSeparator)).filter(s -> !s.isBlank())
                            .map(Path::of).toArray(Path[]::new);
                    ModuleLayer boot = ModuleLayer.boot();
                    if (boot.findModule("pyro.mcp").isPresent()) {
                        throw new IllegalStateException("pyro.mcp must not be in the boot layer");
                    }
                    // The finder goes second ("after"), so modules already in the boot layer win: given
                    // first ("before"), the child layer gets its own com.fasterxml.jackson.core and the
                    // automatic modules (reactor, mcp-core) read two modules of that name.
                    Configuration cf = boot.configuration().resolve(ModuleFinder.of(), ModuleFinder.of(paths),
                            Set.of("pyro.mcp"));
                    ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
                    Class<?> main = Class.forName(layer.findModule("pyro.mcp").orElseThrow(), "pyro.mcp.McpServer");
                    main.getMethod("serve").invoke(null);
                    System.exit(0);
                }
            }
            """;

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<Map<String, Object>> messages = new LinkedBlockingQueue<>();
    final List<String> stdoutLines = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final AtomicInteger ids = new AtomicInteger();
    private final Thread reader;
    private final Thread errReader;

    StdioClient(Mode mode, Path stateDir, Path cacheDir) throws IOException {
        this(mode, stateDir, cacheDir, List.of());
    }

    /** {@code serverArgs} go to {@code McpServer.main} (e.g. {@code --profile vm-run}); not for CHILD_LAYER. */
    StdioClient(Mode mode, Path stateDir, Path cacheDir, List<String> serverArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-Xshare:auto");
        String path = String.join(File.pathSeparator, runtimeEntries());
        if (mode == Mode.MODULE_PATH) {
            cmd.addAll(List.of("--module-path", path, "-m", "pyro.mcp/pyro.mcp.McpServer"));
        } else if (mode == Mode.CLASS_PATH) {
            cmd.addAll(List.of("-cp", path, "pyro.mcp.McpServer"));
        } else {
            Path launcher = stateDir.resolveSibling("LayerLauncher.java");
            Files.writeString(launcher, LAYER_LAUNCHER);
            cmd.addAll(List.of("--module-path", path, "--add-modules", "pyro.core,pyro.kvm", launcher.toString()));
        }
        cmd.addAll(serverArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PYRO_STATE_DIR", stateDir.toString());
        pb.environment().put("PYRO_CACHE_DIR", cacheDir.toString());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        process = pb.start();
        stdin = process.getOutputStream();
        reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    stdoutLines.add(line);
                    try {
                        messages.add(JSON.std.mapFrom(line));
                    } catch (IOException e) {
                        // kept in stdoutLines; the purity check reports it
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        errReader = Thread.ofPlatform().daemon().start(() -> {
            try {
                process.getErrorStream().transferTo(stderrSink());
            } catch (IOException ignored) {
                // process ended
            }
        });
    }

    private OutputStream stderrSink() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (stderr) {
                    stderr.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (stderr) {
                    stderr.write(b, off, len);
                }
            }
        };
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString(StandardCharsets.UTF_8);
        }
    }

    /** The jars and folders this test JVM runs with, minus the test classes and test-only libraries. */
    static List<String> runtimeEntries() {
        List<String> out = new ArrayList<>();
        for (String prop : List.of("jdk.module.path", "java.class.path")) {
            String v = System.getProperty(prop, "");
            for (String e : v.split(File.pathSeparator)) {
                if (e.isBlank() || out.contains(e) || !Files.exists(Path.of(e))) {
                    continue;
                }
                String name = Path.of(e).getFileName().toString();
                if (name.equals("test-classes") || name.startsWith("junit-") || name.startsWith("opentest4j")
                        || name.startsWith("apiguardian") || name.startsWith("surefire") || name.startsWith("common-")
                        || name.startsWith("maven-surefire") || name.startsWith("jspecify")) {
                    continue;
                }
                out.add(e);
            }
        }
        return out;
    }

    void send(Map<String, Object> message) throws IOException {
        sendLine(JSON.std.asString(message));
    }

    /**
     * Writes {@code line} and a newline, failing (and ending the server) if the server does not take it
     * within {@code timeoutSeconds}: a server that stopped reading stdin would block the writer for good.
     */
    void sendLine(String line, long timeoutSeconds) throws Exception {
        var failure = new java.util.concurrent.atomic.AtomicReference<Exception>();
        Thread writer = Thread.ofPlatform().daemon().start(() -> {
            try {
                sendLine(line);
            } catch (Exception e) {
                failure.set(e);
            }
        });
        if (!writer.join(java.time.Duration.ofSeconds(timeoutSeconds))) {
            process.destroyForcibly();
            throw new AssertionError("the server did not read a " + line.length() + "-character line within "
                    + timeoutSeconds + " s; stderr: " + stderr());
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Writes {@code line} and a newline to the server's stdin as they are (hostile input included). */
    void sendLine(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Sends a request and returns its id (the reply is read with {@link #reply}). */
    int sendRequest(String method, Map<String, Object> params) throws IOException {
        int id = ids.incrementAndGet();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jsonrpc", "2.0");
        m.put("id", id);
        m.put("method", method);
        m.put("params", params);
        send(m);
        return id;
    }

    void notify(String method) throws IOException {
        send(Map.of("jsonrpc", "2.0", "method", method));
    }

    private final List<Map<String, Object>> early = new ArrayList<>();

    /** The reply with this id; other replies read meanwhile are kept for later. */
    Map<String, Object> reply(int id, long timeoutSeconds) throws InterruptedException {
        return await(m -> idOf(m) == id, timeoutSeconds, "reply to request " + id);
    }

    /** The next reply whose {@code id} is JSON {@code null} (an answer to input the server could not read). */
    Map<String, Object> replyWithNullId(long timeoutSeconds) throws InterruptedException {
        return await(m -> m.containsKey("id") && m.get("id") == null && !m.containsKey("method"), timeoutSeconds,
                "reply with id null");
    }

    /** The first message read that matches; the others read meanwhile are kept for later. */
    synchronized Map<String, Object> await(Predicate<Map<String, Object>> match, long timeoutSeconds, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (var it = early.iterator(); it.hasNext(); ) {
            Map<String, Object> m = it.next();
            if (match.test(m)) {
                it.remove();
                return m;
            }
        }
        while (true) {
            long left = deadline - System.nanoTime();
            Map<String, Object> m = messages.poll(Math.max(0, Math.min(left, 200_000_000L)), TimeUnit.NANOSECONDS);
            if (m == null && left > 200_000_000L && (process.isAlive() || reader.isAlive())) {
                continue;
            }
            if (m == null) {
                throw new AssertionError("no " + what + " within " + timeoutSeconds
                        + " s; stdout: " + stdoutLines + "; stderr: " + stderr());
            }
            if (match.test(m)) {
                return m;
            }
            early.add(m);
        }
    }

    /** Messages read but not yet taken by {@link #reply} or {@link #await}. */
    synchronized List<Map<String, Object>> unclaimed() {
        messages.drainTo(early);
        return List.copyOf(early);
    }

    private static int idOf(Map<String, Object> m) {
        return m.get("id") instanceof Number n && !m.containsKey("method") ? n.intValue() : -1;
    }

    Map<String, Object> request(String method, Map<String, Object> params) throws Exception {
        return reply(sendRequest(method, params), 120);
    }

    Map<String, Object> initialize() throws Exception {
        Map<String, Object> r = request("initialize", Map.of(
                "protocolVersion", "2025-06-18",
                "capabilities", Map.of(),
                "clientInfo", Map.of("name", "pyro-mcp-test", "version", "1")));
        notify("notifications/initialized");
        return r;
    }

    /** {@code tools/call}: the {@code result} object of the reply. */
    @SuppressWarnings("unchecked")
    Map<String, Object> callTool(String name, Map<String, Object> arguments) throws Exception {
        Map<String, Object> reply = request("tools/call", Map.of("name", name, "arguments", arguments));
        if (!reply.containsKey("result")) {
            throw new AssertionError("tools/call " + name + " got no result: " + reply);
        }
        return (Map<String, Object>) reply.get("result");
    }

    /** Closes stdin and waits for the server to exit; returns its exit status. */
    int closeAndWait() throws Exception {
        return closeAndWait(60);
    }

    /** Closes stdin and waits at most {@code timeoutSeconds} for the server to exit; returns its exit status. */
    int closeAndWait(long timeoutSeconds) throws Exception {
        stdin.close();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the server did not exit within " + timeoutSeconds + " s after stdin closed; "
                    + "stderr: " + stderr());
        }
        reader.join(10_000);
        errReader.join(10_000);
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            try {
                closeAndWait();
            } finally {
                process.destroyForcibly();
            }
        }
    }

    static String describe(List<String> l) {
        return Arrays.toString(l.toArray());
    }
}
