package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.JsonRecord;

/**
 * Runs one tool call: checks the arguments, makes the {@link Pyro} client on first use, calls the SDK
 * and turns the record into a tool result (compact JSON within the output budget, see {@link Budget}). A {@link PyroException} becomes a tool error whose first
 * text is exactly the CLI's sentence and whose second text is {@code {"error":{"code","message"}}};
 * anything else becomes a one-sentence tool error (the stack trace goes to stderr only).
 */
final class ToolRunner {
    static final String INTERNAL_ERROR = "internal_error";

    private final Supplier<Pyro> factory;
    private final McpJsonMapper mapper;
    private final AtomicInteger inFlight = new AtomicInteger();
    private Pyro pyro;

    private final pyro.core.remote.PyroServeClient remote;

    ToolRunner(Supplier<Pyro> factory, McpJsonMapper mapper) {
        this(factory, mapper, null);
    }

    /** With {@code remote} set, every call goes to that pyro serve instead of this machine's SDK. */
    ToolRunner(Supplier<Pyro> factory, McpJsonMapper mapper, pyro.core.remote.PyroServeClient remote) {
        this(factory, mapper, remote, ResultLimit.DEFAULT);
    }

    /** As above; {@code limit} is how big a result may be when the call does not say (--max-result-chars). */
    ToolRunner(Supplier<Pyro> factory, McpJsonMapper mapper, pyro.core.remote.PyroServeClient remote,
            ResultLimit limit) {
        this.factory = factory;
        this.mapper = mapper;
        this.remote = remote;
        this.limit = limit;
    }

    private final ResultLimit limit;

    private static Logger log() {
        return LoggerFactory.getLogger(ToolRunner.class);
    }

    /** Tool calls running now (the server waits for them before it lets a closed stdin end the session). */
    int inFlight() {
        return inFlight.get();
    }

    /** The SDK client, made on the first tool call; a failed creation is retried on the next call. */
    synchronized Pyro pyro() {
        if (pyro == null) {
            Logger progress = LoggerFactory.getLogger("pyro.mcp.progress");
            pyro = factory.get().withProgress(line -> {
                progress.info(line);
                java.util.function.Consumer<String> call = CALL_PROGRESS.get();
                if (call != null) {
                    call.accept(line);
                }
            });
        }
        return pyro;
    }

    /**
     * Where the progress lines of the call running on this thread go besides stderr: the client's
     * {@code notifications/progress} when it sent a progress token. Inherited, so the virtual threads a
     * call starts report to the same call.
     */
    private static final InheritableThreadLocal<java.util.function.Consumer<String>> CALL_PROGRESS =
            new InheritableThreadLocal<>();

    CallToolResult call(ToolDef tool, Map<String, Object> arguments) {
        return call(tool, arguments, null);
    }

    /**
     * One call; {@code progress} (null when the client sent no progress token) receives each progress
     * line of this call (environment builds, boots, restores, seeding) as it happens.
     */
    CallToolResult call(ToolDef tool, Map<String, Object> arguments, java.util.function.Consumer<String> progress) {
        inFlight.incrementAndGet();
        CALL_PROGRESS.set(progress);
        try {
            Args args = new Args(tool, arguments).withLimit(limit);
            ResultLimit budget = tool.cuts().isEmpty() ? limit : Budget.of(tool.name(), args); // before the SDK runs
            JsonRecord record = remote != null ? remote.call(tool.name(), arguments == null ? Map.of() : arguments)
                    : tool.call().apply(pyro(), args);
            if (record == null) {
                throw new IllegalStateException("the SDK returned no result");
            }
            return success(tool, record, budget);
        } catch (PyroException e) {
            log().info("{} failed: {}", tool.name(), e.getMessage());
            return error(e.code().wireName(), e.getMessage());
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vme && !(e instanceof OutOfMemoryError)) {
                throw vme;
            }
            log().error("{} failed unexpectedly", tool.name(), e);
            return error(INTERNAL_ERROR, unexpected(tool.name(), e));
        } finally {
            CALL_PROGRESS.remove();
            inFlight.decrementAndGet();
        }
    }

    /**
     * The tool result of a record: fitted to the call's output budget (for a tool with growable fields),
     * as one compact JSON text and the same object as {@code structuredContent}.
     */
    CallToolResult success(ToolDef tool, JsonRecord record, int budget) {
        return success(tool, record, ResultLimit.chars(budget));
    }

    CallToolResult success(ToolDef tool, JsonRecord record, ResultLimit budget) {
        Map<String, Object> map = record.toMap();
        if (!tool.cuts().isEmpty()) {
            map = Budget.fit(mapper, map, tool.cuts(), budget);
        }
        String json = Budget.compact(mapper, map);
        Object structured;
        try {
            structured = mapper.readValue(json, Map.class);
        } catch (java.io.IOException e) {
            structured = map;
        }
        return CallToolResult.builder().addTextContent(json).structuredContent(structured).isError(false).build();
    }

    CallToolResult error(String code, String message) {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("code", code);
        inner.put("message", message);
        Map<String, Object> wrapped = Map.of("error", inner);
        String json;
        try {
            json = mapper.writeValueAsString(wrapped);
        } catch (java.io.IOException e) {
            json = "{\"error\":{\"code\":\"" + code + "\"}}";
        }
        return CallToolResult.builder()
                .addTextContent(message)
                .addTextContent(json)
                .structuredContent(wrapped)
                .isError(true)
                .build();
    }

    static String unexpected(String tool, Throwable e) {
        String detail = e.getMessage() == null ? "" : e.getMessage().strip().lines().findFirst().orElse("");
        if (detail.length() > 300) {
            detail = detail.substring(0, 300) + "...";
        }
        String what = e.getClass().getSimpleName() + (detail.isEmpty() ? "" : ": " + detail);
        return tool + " failed unexpectedly (" + what + "); the details are in the pyro MCP server's log on stderr.";
    }
}
