package pyro.core;

import java.nio.file.Path;

/**
 * How to create a workspace, for {@link Pyro#createWorkspace(WorkspaceOptions)}: start from
 * {@link #of(String)} and change what differs from the defaults.
 *
 * <pre>{@code
 * pyro.createWorkspace(WorkspaceOptions.of("debian:12").name("api").seed(Path.of("repo")).memMib(2048));
 * }</pre>
 */
public record WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib,
        long ttlSeconds, NetworkPolicy networkPolicy, boolean cold) {
    public WorkspaceOptions {
        networkPolicy = networkPolicy == null ? NetworkPolicy.OFF : networkPolicy;
    }

    public WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            boolean network, boolean cold) {
        this(environment, name, seedPath, vcpus, memMib, ttlSeconds, NetworkPolicy.of(network), cold);
    }

    public WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            boolean network) {
        this(environment, name, seedPath, vcpus, memMib, ttlSeconds, NetworkPolicy.of(network), false);
    }

    /** Whether the guest has outbound networking (any policy but {@code off}). */
    public boolean network() {
        return networkPolicy.egress();
    }

    /** Boot the VM cold even when its environment has a saved guest to restore (for comparison). */
    public WorkspaceOptions cold(boolean on) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, ttlSeconds, networkPolicy, on);
    }

    /** The defaults: no name, empty /workspace, {@link Pyro#DEFAULT_VCPUS}, {@link Pyro#DEFAULT_MEM_MIB}, {@link Pyro#DEFAULT_TTL_SECONDS}, no network. */
    public static WorkspaceOptions of(String environment) {
        return new WorkspaceOptions(environment, null, null, Pyro.DEFAULT_VCPUS, Pyro.DEFAULT_MEM_MIB,
                Pyro.DEFAULT_TTL_SECONDS, NetworkPolicy.OFF, false);
    }

    /** A unique name calls may use instead of the id. */
    public WorkspaceOptions name(String n) {
        return new WorkspaceOptions(environment, n, seedPath, vcpus, memMib, ttlSeconds, networkPolicy, cold);
    }

    /** A host folder or tar archive to seed /workspace from (it becomes the diff baseline). */
    public WorkspaceOptions seed(Path p) {
        return new WorkspaceOptions(environment, name, p, vcpus, memMib, ttlSeconds, networkPolicy, cold);
    }

    public WorkspaceOptions vcpus(int n) {
        return new WorkspaceOptions(environment, name, seedPath, n, memMib, ttlSeconds, networkPolicy, cold);
    }

    public WorkspaceOptions memMib(int n) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, n, ttlSeconds, networkPolicy, cold);
    }

    public WorkspaceOptions ttlSeconds(long n) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, n, networkPolicy, cold);
    }

    /** Guest egress ({@link NetworkPolicy#EGRESS}) or none ({@link NetworkPolicy#OFF}). */
    public WorkspaceOptions network(boolean on) {
        return network(NetworkPolicy.of(on));
    }

    /** The network policy: off (the default), egress, or egress with ports services may publish. */
    public WorkspaceOptions network(NetworkPolicy policy) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, ttlSeconds, policy, cold);
    }
}
