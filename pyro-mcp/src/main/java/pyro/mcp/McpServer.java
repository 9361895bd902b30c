package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import pyro.core.Pyro;

/**
 * {@code pyro mcp serve}: pyro's tools over MCP on stdin/stdout (newline-delimited JSON-RPC). Only
 * JSON-RPC goes to stdout; logs and progress go to stderr, and {@code System.out} is pointed at
 * stderr while the server runs so a stray print cannot corrupt the stream.
 */
public final class McpServer {
    private static final long CLOSE_WAIT_MS = 2_000;

    private McpServer() {}

    /**
     * For tests and {@code java -m pyro.mcp}: {@code [--profile NAME | --mode NAME] [--max-result-chars N]};
     * serves until stdin closes, then exits (status 2 with one sentence on stderr for a bad option).
     */
    public static void main(String[] args) {
        String profile = null;
        String mode = null;
        String maxResultChars = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (value == null ? "" : args[i]) {
                case "--profile" -> profile = value;
                case "--mode" -> mode = value;
                case "--max-result-chars" -> maxResultChars = value;
                default -> {
                    System.err.println("pyro: usage: McpServer [--profile vm-run|workspace-core|workspace-full] "
                            + "[--mode NAME] [--max-result-chars N]");
                    System.exit(2);
                }
            }
            i++;
        }
        try {
            serve(profile, mode, maxResultChars == null ? 0 : number(maxResultChars));
        } catch (pyro.core.PyroException e) {
            System.err.println("pyro: " + e.getMessage());
            System.exit(e.code().exitStatus());
        }
        System.exit(0);
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw pyro.core.PyroException.invalid("--max-result-chars must be a whole number, got '" + s + "'.");
        }
    }

    /** Serves the default profile on this process's stdin/stdout until stdin closes, then returns. */
    public static void serve() {
        serve(Profile.DEFAULT.wireName());
    }

    /**
     * Serves the tools of the profile called {@code profileName} on this process's stdin/stdout until
     * stdin closes, then returns; an unknown name throws invalid input before anything is served.
     */
    public static void serve(String profileName) {
        serve(profileName, null, 0);
    }

    /**
     * {@code pyro mcp serve}: the tools of {@code profile} or of {@code mode} (null for the default
     * profile; not both), results within {@code maxResultChars} characters (0: the default
     * {@link ResultLimit}), on this process's stdin/stdout until stdin closes. Bad options throw invalid
     * input before anything is served.
     */
    public static void serve(String profile, String mode, long maxResultChars) {
        ResultLimit limit = ResultLimit.serverOption(maxResultChars);
        ToolSet set = ToolSet.of(profile, mode, limit);
        configureLogging();
        PrintStream originalOut = System.out;
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        Thread thread = Thread.currentThread();
        ClassLoader originalLoader = thread.getContextClassLoader();
        // The SDK finds its JSON mapper with ServiceLoader.load(type), i.e. through the context class
        // loader: when the CLI loads this module into a child layer, that must be the layer's loader.
        thread.setContextClassLoader(McpServer.class.getClassLoader());
        try {
            serve(System.in, stdout, Pyro::create, set, limit, pyro.core.remote.PyroServeClient.fromEnvironment());
        } finally {
            thread.setContextClassLoader(originalLoader);
            System.setOut(originalOut);
        }
    }

    /** Serves on the given streams until {@code in} ends and every answered request has been written. */
    static void serve(InputStream in, OutputStream out, Supplier<Pyro> factory, Profile profile) {
        serve(in, out, factory, profile, null);
    }

    /** As above; with {@code remote} set the tools are those of that pyro serve (PYRO_URL). */
    static void serve(InputStream in, OutputStream out, Supplier<Pyro> factory, Profile profile, pyro.core.remote.PyroServeClient remote) {
        serve(in, out, factory, ToolSet.of(profile, ResultLimit.DEFAULT), ResultLimit.DEFAULT, remote);
    }

    static void serve(InputStream in, OutputStream out, Supplier<Pyro> factory, ToolSet set, ResultLimit limit,
            pyro.core.remote.PyroServeClient remote) {
        McpJsonMapper mapper = McpJsonDefaults.getMapper();
        ToolRunner runner = new ToolRunner(factory, mapper, remote, limit);
        if (remote != null) {
            LoggerFactory.getLogger(McpServer.class).info("tools run on the pyro serve at {} (PYRO_URL)", remote.url());
        }
        CountDownLatch ended = new CountDownLatch(1);
        Set<String> toolNames = set.tools().stream().map(ToolDef::name).collect(Collectors.toUnmodifiableSet());
        Cancellations cancellations = new Cancellations();
        StdioGuard guard = new StdioGuard(mapper, toolNames, runner::inFlight, ended::countDown, cancellations::cancel);
        OutputStream guardedOut = guard.output(out);
        // The guard hands on no line longer than MAX_LINE_BYTES (so no more characters than that either):
        // a line over the SDK's own limit would stop its reader for good.
        var transport = new StdioServerTransportProvider(mapper, guard.input(in), guardedOut,
                StdioGuard.MAX_LINE_BYTES + 1);
        McpSyncServer server = io.modelcontextprotocol.server.McpServer.sync(transport)
                .serverInfo("pyro", Pyro.VERSION)
                .instructions(set.instructions())
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .validateToolInputs(false) // Args checks them, with messages that name the argument
                .tools(specifications(runner, set.tools(), cancellations))
                .build();
        LoggerFactory.getLogger(McpServer.class).info("pyro {} MCP server ready on stdio ({}, {} tools, results "
                + "within {})", Pyro.VERSION, set.label(), set.tools().size(), limit.describe());
        try {
            ended.await();
            Thread.sleep(100); // let the transport see end of input and settle
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close(server);
        }
    }

    /** Closes the SDK server, but waits no more than a few seconds for it: the process must end on EOF. */
    private static void close(McpSyncServer server) {
        Thread closer = Thread.ofPlatform().name("pyro-mcp-close").daemon().start(() -> {
            try {
                server.close();
                LoggerFactory.getLogger(McpServer.class).debug("server closed");
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(McpServer.class).debug("closing the MCP server", e);
            }
        });
        try {
            if (!closer.join(java.time.Duration.ofMillis(CLOSE_WAIT_MS))) {
                LoggerFactory.getLogger(McpServer.class)
                        .warn("the MCP SDK did not close within {} ms; ending anyway", CLOSE_WAIT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static List<SyncToolSpecification> specifications(ToolRunner runner, List<ToolDef> tools) {
        return specifications(runner, tools, new Cancellations());
    }

    static List<SyncToolSpecification> specifications(ToolRunner runner, List<ToolDef> tools, Cancellations cancellations) {
        return tools.stream()
                .map(def -> SyncToolSpecification.builder()
                        .tool(tool(def))
                        .callHandler((exchange, request) -> cancellations.run(requestId(request), def.name(),
                                () -> runner.call(def, request.arguments(), progressTo(exchange, request))))
                        .build())
                .toList();
    }

    private static String requestId(McpSchema.CallToolRequest request) {
        Object id = request.meta() == null ? null : request.meta().get(Cancellations.META_KEY);
        return id == null ? null : id.toString();
    }

    /**
     * The call's progress sink when the client asked for progress ({@code _meta.progressToken}): each
     * line becomes a {@code notifications/progress} with a progress count that only grows, the line as
     * its message, and no total (how many lines a build or boot has is not known ahead).
     */
    static java.util.function.Consumer<String> progressTo(io.modelcontextprotocol.server.McpSyncServerExchange exchange,
            McpSchema.CallToolRequest request) {
        Object token = request.meta() == null ? null : request.meta().get("progressToken");
        if (token == null || exchange == null) {
            return null;
        }
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return line -> {
            try {
                exchange.progressNotification(new McpSchema.ProgressNotification(token, n.incrementAndGet(), null, line));
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(McpServer.class).debug("cannot send progress", e);
            }
        };
    }

    /** The MCP tool of a definition: name, title, description, schemas and annotations. */
    static McpSchema.Tool tool(ToolDef def) {
        ToolDef.Hints h = def.hints();
        return McpSchema.Tool.builder()
                .name(def.name())
                .title(def.title())
                .description(def.description())
                .inputSchema(def.inputSchema())
                .outputSchema(def.outputSchema())
                .annotations(McpSchema.ToolAnnotations.builder()
                        .title(def.title())
                        .readOnlyHint(h.readOnly())
                        .destructiveHint(h.destructive())
                        .idempotentHint(h.idempotent())
                        .openWorldHint(h.openWorld())
                        .build())
                .build();
    }

    /** slf4j-simple to stderr, quiet for libraries, progress and failures for pyro (unless set already). */
    private static void configureLogging() {
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.pyro", "info");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
