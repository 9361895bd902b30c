package pyro.protocol;

/** Fixed places inside every guest, shared by the host managers and the agent. */
public final class Guest {
    /** Where the user's files live: the only folder diff, export and sync ever see. */
    public static final String WORKSPACE = "/workspace";

    /** Service records and logs: outside {@link #WORKSPACE}, so diff and export never see them. */
    public static final String SERVICE_ROOT = "/var/lib/pyro/services";

    /**
     * The AF_VSOCK port the agent listens on when its channel is virtio-vsock (the host asks for it
     * with {@code pyro.channel=vsock:PORT} on the kernel command line).
     */
    public static final int AGENT_VSOCK_PORT = 52;

    private Guest() {}
}
