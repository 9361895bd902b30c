package pyro.agent.service;

import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServicePolicy;
import pyro.protocol.ServiceState;

/**
 * The restart policy of one service as its runs end: whether a run that ended is run again
 * ({@code always}, or {@code on-failure} when it failed), after which backoff ({@link ServicePolicy}), and
 * when it gives up ({@code max_restarts} restarts in a row; a run that stayed up for
 * {@link ServicePolicy#RESET_AFTER_MS} starts a fresh row). A record loaded after an agent restart is never
 * restarted. Not thread-safe: its {@link ServiceLife}'s lock guards it.
 */
final class RestartPolicy {
    private final Request.Restart restart;
    private final int maxRestarts;
    private final boolean restarts;
    private int inARow;

    RestartPolicy(Request.Restart restart, int maxRestarts, boolean restarts) {
        this.restart = restart;
        this.maxRestarts = maxRestarts;
        this.restarts = restarts;
    }

    /** Whether a run that ended, leaving the service {@code fin}, is run again; {@code readyNanos} 0: never ready. */
    boolean wants(ServiceState fin, long readyNanos) {
        boolean wanted = restarts && (restart == Request.Restart.ALWAYS
                || restart == Request.Restart.ON_FAILURE && fin == ServiceState.FAILED);
        if (wanted && readyNanos != 0 && System.nanoTime() - readyNanos >= ServicePolicy.RESET_AFTER_MS * 1_000_000L) {
            inARow = 0; // it stayed up: a fresh row
        }
        return wanted;
    }

    /** The note when no restart is left in this row (the last run ended with {@code exit}); else null. */
    String givingUp(Reply.ServiceExit exit) {
        if (inARow < maxRestarts) {
            return null;
        }
        return "gave up after " + inARow + " restarts in a row (restart " + restart.wire() + ", max_restarts "
                + maxRestarts + "): the last run ended with " + ServiceStatus.describeExit(exit);
    }

    /** The backoff before the next restart of this row, which it counts. */
    long nextDelayMs() {
        return ServicePolicy.backoffMs(inARow++);
    }
}
