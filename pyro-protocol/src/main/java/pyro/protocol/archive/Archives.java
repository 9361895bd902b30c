package pyro.protocol.archive;

/** Limits shared by the host and the agent for archives streamed into and out of /workspace. */
public final class Archives {
    /** Payload bytes per {@code data} frame when streaming an archive. */
    public static final int CHUNK_BYTES = 1 << 20;

    private Archives() {}
}
