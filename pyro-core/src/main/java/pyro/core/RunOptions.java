package pyro.core;

/**
 * Sizes and limits of a one-shot run, for {@link Pyro#runInVm(String, java.util.List, RunOptions)}:
 * start from {@link #defaults()} and change what differs.
 */
public record RunOptions(int vcpus, int memMib, long timeoutSeconds, boolean network) {
    /** {@link Pyro#DEFAULT_VCPUS}, {@link Pyro#DEFAULT_MEM_MIB}, {@link Pyro#DEFAULT_TIMEOUT_SECONDS}, no network. */
    public static RunOptions defaults() {
        return new RunOptions(Pyro.DEFAULT_VCPUS, Pyro.DEFAULT_MEM_MIB, Pyro.DEFAULT_TIMEOUT_SECONDS, false);
    }

    public RunOptions vcpus(int n) {
        return new RunOptions(n, memMib, timeoutSeconds, network);
    }

    public RunOptions memMib(int n) {
        return new RunOptions(vcpus, n, timeoutSeconds, network);
    }

    public RunOptions timeoutSeconds(long n) {
        return new RunOptions(vcpus, memMib, n, network);
    }

    public RunOptions network(boolean on) {
        return new RunOptions(vcpus, memMib, timeoutSeconds, on);
    }
}
