package pyro.agent.cgroup;

/**
 * The numbers the agent writes into the guest's cgroups, derived from the guest's size alone.
 *
 * <ul>
 *   <li>{@code userMemoryMax}: {@code memory.max} of {@code pyro.slice/user}, every exec, service and
 *       shell together: the guest's MemTotal minus a reserve for the agent and the kernel. The reserve is
 *       a fifth of MemTotal, at least {@link #MIN_RESERVE} and at most {@link #MAX_RESERVE}; the user part
 *       never drops below half of MemTotal. Measured in a 1 GiB TCG guest (MemTotal 961 MiB): the agent's
 *       RSS is 52 MiB idle and peaked at 107 MiB after a 30 MB push, an export, a diff, capped 60 MB
 *       outputs, a service and a shell; the reserve there is 192 MiB, so the user part is 768 MiB.</li>
 *   <li>{@code userPidsMax}: {@code pids.max} of {@code pyro.slice/user}: at most {@link #PIDS_CAP}, and
 *       always leaving a quarter of the kernel's {@code threads-max} (at least 256) to the agent, which
 *       needs to fork for its own work (signalling, probes) while a fork bomb holds every user pid.
 *       A 1 GiB guest has threads-max 7609, so 4096.</li>
 *   <li>{@code agentMemoryLow}: {@code memory.low} of {@code pyro.slice/agent} (the reserve), so reclaim
 *       takes the agent's pages last.</li>
 * </ul>
 * No CPU number: with the cpu controller on, {@code agent} and {@code user} are peers of the default
 * weight 100, so the user part as a whole, however many processes it runs, gets at most half the CPU
 * while the agent works. (A trivial exec took 31.5 s under 64 busy loops without the controller, 1.3 to
 * 2.1 s with it. Weight 1000 for the agent was tried and dropped: it made PTY output up to 3 times slower,
 * the agent's reader preempting the writer for every few bytes.)
 */
public record Limits(long userMemoryMax, long userPidsMax, long agentMemoryLow) {
    static final long MIB = 1024 * 1024;
    static final long MIN_RESERVE = 160 * MIB;
    static final long MAX_RESERVE = 512 * MIB;
    static final long PIDS_CAP = 4096;
    static final long MIN_AGENT_PIDS = 256;

    /** The limits for a guest with {@code memTotalBytes} of memory and the kernel's {@code threadsMax}. */
    public static Limits of(long memTotalBytes, long threadsMax) {
        if (memTotalBytes <= 0 || threadsMax <= 0) {
            throw new IllegalArgumentException("memory " + memTotalBytes + " and threads-max " + threadsMax
                    + " must be positive");
        }
        long reserve = Math.clamp(memTotalBytes / 5, MIN_RESERVE, MAX_RESERVE);
        long user = Math.max(memTotalBytes - reserve, memTotalBytes / 2);
        long agentPids = Math.max(MIN_AGENT_PIDS, threadsMax / 4);
        long pids = Math.clamp(threadsMax - agentPids, 1, PIDS_CAP);
        return new Limits(user, pids, memTotalBytes - user);
    }

    @Override
    public String toString() {
        return "user memory.max " + userMemoryMax / MIB + " MiB, user pids.max " + userPidsMax
                + ", agent memory.low " + agentMemoryLow / MIB + " MiB";
    }
}
