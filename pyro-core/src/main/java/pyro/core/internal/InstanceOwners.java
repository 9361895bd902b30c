package pyro.core.internal;

/**
 * Which pyro process an instance depends on while it is made or started: its creating process
 * (the owner) and the process starting it again (the starter), recorded as pid and start time, and
 * whether that process still runs. The supervisor fails an instance whose owner died mid-create;
 * the active-VM limit counts instances whose owner or starter is alive.
 */
public final class InstanceOwners {
    private InstanceOwners() {}

    /**
     * The pyro process creating an instance (a workspace until its seed is in; a one-shot run until
     * it is deleted). While set, the instance counts against the limit, and if that process dies the
     * supervisor (or the next look at the record) fails the instance instead of leaving it starting.
     */
    public static final String OWNER_PID = "owner_pid";
    public static final String OWNER_STARTED = "owner_started_ms";

    /**
     * The pyro process starting an instance again (a stopped workspace or a created VM): while it
     * boots the VM, before its supervisor's socket exists, the instance counts against the limit.
     */
    static final String STARTER_PID = "starter_pid";
    static final String STARTER_STARTED = "starter_started_ms";

    /** Whether the instance's creating process is still running (false when there is none). */
    public static boolean ownerAlive(Instance i) {
        return alive(i.num(OWNER_PID), i.num(OWNER_STARTED));
    }

    /** Whether a process starting the instance again is still running (false when there is none). */
    static boolean starterAlive(Instance i) {
        return alive(i.num(STARTER_PID), i.num(STARTER_STARTED));
    }

    private static boolean alive(Number pid, Number started) {
        if (pid == null) {
            return false;
        }
        return ProcessHandle.of(pid.longValue()).filter(ProcessHandle::isAlive)
                .filter(h -> started == null || h.info().startInstant()
                        .map(t -> Math.abs(t.toEpochMilli() - started.longValue()) < 2000).orElse(true))
                .isPresent();
    }
}
