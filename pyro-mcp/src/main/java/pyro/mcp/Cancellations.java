package pyro.mcp;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * MCP's {@code notifications/cancelled}: which tool call runs under which request id, and stopping it.
 * {@link StdioGuard} tags each {@code tools/call} it passes on with its JSON-RPC id ({@link #META_KEY}
 * in {@code _meta}), the call registers its thread under that id while it runs, and a cancellation
 * interrupts the thread of an exec: its connection to the VM's supervisor closes, and the supervisor
 * has the agent kill the command's process group. Other tools run to their end (stopping a create or
 * a snapshot half-way would leave more to clean up than it saves); the guard sends nothing for any
 * cancelled call, as the MCP specification asks.
 */
final class Cancellations {
    /** Where the guard puts the call's request id (JSON text) in {@code params._meta}. */
    static final String META_KEY = "pyro/request-id";

    /** Tools whose guest work stops when they are cancelled. */
    static final Set<String> INTERRUPTIBLE = Set.of("workspace_exec", "vm_exec");

    private record Running(String tool, Thread thread) {}

    private final Map<String, Running> running = new ConcurrentHashMap<>();

    /** Runs {@code call} as the tool call with request id {@code requestId} (null: not cancellable). */
    <T> T run(String requestId, String tool, Supplier<T> call) {
        if (requestId == null) {
            return call.get();
        }
        running.put(requestId, new Running(tool, Thread.currentThread()));
        try {
            return call.get();
        } finally {
            running.remove(requestId);
            Thread.interrupted(); // a cancellation that came as the call ended must not reach the SDK's thread
        }
    }

    /** The client cancelled the request {@code requestId}: stops its guest work if it is an exec. */
    void cancel(String requestId) {
        Running r = running.get(requestId);
        if (r == null) {
            return;
        }
        if (INTERRUPTIBLE.contains(r.tool())) {
            LoggerFactory.getLogger(Cancellations.class).info("{} (id {}) cancelled by the client: stopping its command",
                    r.tool(), requestId);
            r.thread().interrupt();
        } else {
            LoggerFactory.getLogger(Cancellations.class).info("{} (id {}) cancelled by the client: it runs to its end, "
                    + "and its result is not sent", r.tool(), requestId);
        }
    }
}
