package pyro.core;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a guest may reach on the network, and what of it the host may reach.
 *
 * <ul>
 *   <li>{@link #OFF} (the default): the guest has no network device at all, only loopback;
 *   <li>{@link #EGRESS}: outbound connections through a user-mode network stack ({@code --network}
 *       alone means this); nothing comes in;
 *   <li>{@link #EGRESS_PUBLISHED_PORTS}: as {@code egress}, and a workspace's services may publish guest
 *       ports on the host's loopback ({@code service start --publish}).
 * </ul>
 */
public enum NetworkPolicy {
    OFF("off"),
    EGRESS("egress"),
    EGRESS_PUBLISHED_PORTS("egress+published-ports");

    private final String wire;

    NetworkPolicy(String wire) {
        this.wire = wire;
    }

    /** The name in records, the CLI and MCP: {@code off}, {@code egress}, {@code egress+published-ports}. */
    public String wire() {
        return wire;
    }

    /** Whether the guest has a network device and outbound connections. */
    public boolean egress() {
        return this != OFF;
    }

    /** Whether services may publish ports on the host's loopback. */
    public boolean publishesPorts() {
        return this == EGRESS_PUBLISHED_PORTS;
    }

    /** The policy of the old boolean: true is {@link #EGRESS}. */
    public static NetworkPolicy of(boolean network) {
        return network ? EGRESS : OFF;
    }

    /** The policy for a name; an unknown one is bad input, named. */
    public static NetworkPolicy parse(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (NetworkPolicy p : values()) {
            if (p.wire.equals(n)) {
                return p;
            }
        }
        throw PyroException.invalid("network policy '" + name + "' is unknown: use "
                + String.join(", ", Arrays.stream(values()).map(NetworkPolicy::wire).toList()) + ".");
    }

    @Override
    public String toString() {
        return wire;
    }
}
