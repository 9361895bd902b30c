package pyro.core;

/**
 * Sizes and limits of a one-shot run, for {@link Pyro#runInVm(String, java.util.List, RunOptions)}:
 * start from {@link #defaults()} and change what differs.
 */
public record RunOptions(int vcpus, int memMib, long timeoutSeconds, boolean network, boolean cold, long ttlSeconds) {
    public RunOptions(int vcpus, int memMib, long timeoutSeconds, boolean network) {
        this(vcpus, memMib, timeoutSeconds, network, false);
    }

    public RunOptions(int vcpus, int memMib, long timeoutSeconds, boolean network, boolean cold) {
        this(vcpus, memMib, timeoutSeconds, network, cold, 0);
    }

    /**
     * The longest the run's VM may outlive the command should this process be killed before it deletes
     * the VM (30 to 604800 s, at least the timeout; checked here). Without it (0 in the record) the TTL is the
     * timeout plus 300 s, at least 600.
     */
    public RunOptions ttlSeconds(long n) {
        return new RunOptions(vcpus, memMib, timeoutSeconds, network, cold, pyro.core.internal.Validate.ttlSeconds(n));
    }

    /** Boot the VM cold even when its environment has a saved guest to restore (for comparison). */
    public RunOptions cold(boolean on) {
        return new RunOptions(vcpus, memMib, timeoutSeconds, network, on, ttlSeconds);
    }

    /** {@link Pyro#DEFAULT_VCPUS}, {@link Pyro#DEFAULT_MEM_MIB}, {@link Pyro#DEFAULT_TIMEOUT_SECONDS}, no network. */
    public static RunOptions defaults() {
        return new RunOptions(Pyro.DEFAULT_VCPUS, Pyro.DEFAULT_MEM_MIB, Pyro.DEFAULT_TIMEOUT_SECONDS, false, false);
    }

    public RunOptions vcpus(int n) {
        return new RunOptions(n, memMib, timeoutSeconds, network, cold, ttlSeconds);
    }

    public RunOptions memMib(int n) {
        return new RunOptions(vcpus, n, timeoutSeconds, network, cold, ttlSeconds);
    }

    public RunOptions timeoutSeconds(long n) {
        return new RunOptions(vcpus, memMib, n, network, cold, ttlSeconds);
    }

    public RunOptions network(boolean on) {
        return new RunOptions(vcpus, memMib, timeoutSeconds, on, cold, ttlSeconds);
    }
}
