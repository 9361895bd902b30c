package pyro.core.model;

/** Lifecycle state of a VM or workspace, as printed in records. */
public enum VmState {
    CREATED("created"),
    STARTING("starting"),
    STARTED("started"),
    STOPPED("stopped"),
    FAILED("failed");

    private final String wire;

    VmState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static VmState of(String wire) {
        for (VmState s : values()) {
            if (s.wire.equals(wire)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown state " + wire);
    }
}
