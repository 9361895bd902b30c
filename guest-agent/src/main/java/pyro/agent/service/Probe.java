package pyro.agent.service;

import pyro.protocol.Request;

/**
 * A readiness probe: one small class per kind ({@link FileProbe}, {@link TcpProbe}, {@link HttpProbe},
 * {@link CommandProbe}), each built by {@link ServiceSpec#parse} after validation.
 */
interface Probe {
    /** The probe's {@code type} and its own fields, as the service record's {@code readiness} shows them. */
    Request.Probe describe(long timeoutMs, long intervalMs);

    /**
     * One attempt, bounded by {@code timeoutMs}. Returns null when ready, otherwise the reason it is not
     * (becomes {@code readiness.last_error}).
     */
    String check(long timeoutMs) throws InterruptedException;

    /**
     * Starts whatever lets the probe notice readiness before the next tick (the file probe watches the
     * directory); {@code wake} re-runs {@link #check} at once. The returned handle stops it.
     */
    default AutoCloseable arm(Runnable wake) {
        return () -> {};
    }

    /** Before a restart: forget what the previous run left (the file probe removes its file). */
    default void reset() {}
}
