package pyro.protocol;

/** A service's lifecycle state, as the agent records it and every face prints it. */
public enum ServiceState implements Wire {
    STARTING,
    RUNNING,
    STOPPED,
    EXITED,
    FAILED;

    /** The lower-case name in records. */
    @Override
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The state for a wire name; an unknown name (a damaged record) is {@link #FAILED}. */
    public static ServiceState fromWire(String wire) {
        for (ServiceState s : values()) {
            if (s.wire().equals(wire)) {
                return s;
            }
        }
        return FAILED;
    }

    /** Whether the service's process may still be running. */
    public boolean active() {
        return this == STARTING || this == RUNNING;
    }
}
