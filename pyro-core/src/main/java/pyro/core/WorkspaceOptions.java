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
        long ttlSeconds, boolean network, boolean cold) {
    public WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            boolean network) {
        this(environment, name, seedPath, vcpus, memMib, ttlSeconds, network, false);
    }

    /** Boot the VM cold even when its environment has a saved guest to restore (for comparison). */
    public WorkspaceOptions cold(boolean on) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, ttlSeconds, network, on);
    }

    /** The defaults: no name, empty /workspace, {@link Pyro#DEFAULT_VCPUS}, {@link Pyro#DEFAULT_MEM_MIB}, {@link Pyro#DEFAULT_TTL_SECONDS}, no network. */
    public static WorkspaceOptions of(String environment) {
        return new WorkspaceOptions(environment, null, null, Pyro.DEFAULT_VCPUS, Pyro.DEFAULT_MEM_MIB,
                Pyro.DEFAULT_TTL_SECONDS, false, false);
    }

    /** A unique name calls may use instead of the id. */
    public WorkspaceOptions name(String n) {
        return new WorkspaceOptions(environment, n, seedPath, vcpus, memMib, ttlSeconds, network, cold);
    }

    /** A host folder or tar archive to seed /workspace from (it becomes the diff baseline). */
    public WorkspaceOptions seed(Path p) {
        return new WorkspaceOptions(environment, name, p, vcpus, memMib, ttlSeconds, network, cold);
    }

    public WorkspaceOptions vcpus(int n) {
        return new WorkspaceOptions(environment, name, seedPath, n, memMib, ttlSeconds, network, cold);
    }

    public WorkspaceOptions memMib(int n) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, n, ttlSeconds, network, cold);
    }

    public WorkspaceOptions ttlSeconds(long n) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, n, network, cold);
    }

    /** Guest egress through user networking. */
    public WorkspaceOptions network(boolean on) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, ttlSeconds, on, cold);
    }
}
