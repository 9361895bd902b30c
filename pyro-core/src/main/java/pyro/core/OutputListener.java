package pyro.core;

/**
 * Receives a guest command's output as the guest produces it (a streamed {@code exec} or {@code run}):
 * raw bytes of stdout or stderr, secrets already redacted, in order within each stream. A chunk may end
 * inside a multi-byte character. Called on the calling thread, before the call returns its result.
 */
@FunctionalInterface
public interface OutputListener {
    void output(boolean stderr, byte[] chunk);
}
