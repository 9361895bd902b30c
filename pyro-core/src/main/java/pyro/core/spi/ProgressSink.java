package pyro.core.spi;

/** Where long operations report progress (the CLI prints to stderr; MCP and the SDK may ignore it). */
@FunctionalInterface
public interface ProgressSink {
    ProgressSink NONE = line -> {};

    void line(String message);
}
