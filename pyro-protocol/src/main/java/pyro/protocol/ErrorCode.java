package pyro.protocol;

/**
 * The documented failure classes. Each maps to one CLI exit status (see CONTRACT.md) and to the
 * {@code code} field of a JSON error.
 */
public enum ErrorCode {
    /** Usage or invalid input. */
    INVALID_INPUT("invalid_input", 2),
    /** Workspace, VM, shell, service or environment not found. */
    NOT_FOUND("not_found", 3),
    /** The workspace outlived its TTL; its resources were released. */
    EXPIRED("expired", 3),
    /** The host cannot run guests (no QEMU, no usable accelerator, unwritable cache...). */
    HOST_UNSUPPORTED("host_unsupported", 4),
    /** A guest, agent or VMM failure, including timeouts. */
    GUEST_FAILURE("guest_failure", 5),
    /** The operation exceeded its time limit. */
    TIMEOUT("timeout", 5),
    /** A conflicting state, such as a name already in use or too many active VMs. */
    CONFLICT("conflict", 2);

    private final String wireName;
    private final int exitStatus;

    ErrorCode(String wireName, int exitStatus) {
        this.wireName = wireName;
        this.exitStatus = exitStatus;
    }

    /** The snake_case name used in JSON errors and MCP tool errors. */
    public String wireName() {
        return wireName;
    }

    /**
     * The code for a wire name; a name this version does not know (a newer peer) is a guest
     * failure, so nothing a peer sends is lost as "no error".
     */
    public static ErrorCode fromWire(String wireName) {
        for (ErrorCode c : values()) {
            if (c.wireName.equals(wireName)) {
                return c;
            }
        }
        return GUEST_FAILURE;
    }

    /** The CLI exit status for this class of failure. */
    public int exitStatus() {
        return exitStatus;
    }
}
