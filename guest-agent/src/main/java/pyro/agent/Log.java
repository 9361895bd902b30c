package pyro.agent;

import java.io.PrintStream;
import java.time.Instant;

/** Agent logging: stderr only, never the channel. */
final class Log {
    private static final PrintStream ERR = System.err;

    private Log() {}

    static void info(String message) {
        ERR.println(Instant.now() + " pyro-agent: " + message);
    }

    static void error(String message, Throwable t) {
        ERR.println(Instant.now() + " pyro-agent: " + message + (t == null ? "" : ": " + t));
    }
}
