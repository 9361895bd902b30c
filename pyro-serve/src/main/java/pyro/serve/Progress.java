package pyro.serve;

import java.io.PrintStream;
import java.util.function.Consumer;
import pyro.core.spi.ProgressSink;

/**
 * The server's progress lines (environment builds, boots, restores, seeding): each goes to the log
 * and, when the request that caused it asked for a stream, to that request's stream too. Inherited by
 * the threads a call starts, so a boot's lines reach the call that booted.
 */
final class Progress {
    private static final InheritableThreadLocal<Consumer<String>> CURRENT = new InheritableThreadLocal<>();

    private Progress() {}

    static ProgressSink sink(PrintStream log) {
        return line -> {
            log.println("[pyro] " + line);
            Consumer<String> c = CURRENT.get();
            if (c != null) {
                c.accept(line);
            }
        };
    }

    /** Runs {@code call} with its progress lines also going to {@code to}. */
    static <T> T to(Consumer<String> to, java.util.function.Supplier<T> call) {
        CURRENT.set(to);
        try {
            return call.get();
        } finally {
            CURRENT.remove();
        }
    }
}
