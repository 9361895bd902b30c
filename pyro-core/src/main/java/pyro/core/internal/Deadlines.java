package pyro.core.internal;

import java.time.Duration;
import pyro.protocol.Request;
import pyro.protocol.ServicePolicy;

/**
 * How long the host waits for each request before it gives up on the guest. A call's own limit
 * (an exec's timeout, a readiness timeout, a stop's grace, a read's wait) plus {@link #GRACE};
 * streams (import, export) must make progress at least every {@link #STREAM_IDLE}. Nothing waits
 * forever on a guest.
 */
final class Deadlines {
    /** Room for the guest to answer after a call's own limit (TCG guests on a busy host are slow). */
    static final Duration GRACE = Duration.ofSeconds(15);
    /** Status reads for displays ({@code workspace status}, {@code list}). */
    static final Duration QUERY = Duration.ofSeconds(3);
    static final Duration STREAM_IDLE = Duration.ofSeconds(60);
    static final Duration DEFAULT = Duration.ofSeconds(30);
    /** A whole machine's save: the supervisor's own limit ({@code MachineControl.SAVE_LIMIT_MS}). */
    static final Duration SAVE = Duration.ofMinutes(5);

    private Deadlines() {}

    static Duration of(Request<?> r) {
        return switch (r) {
            case Request.Exec e -> ms(e.timeoutMs(), 30_000).plus(GRACE);
            case Request.ServiceStart s -> serviceStart(s);
            case Request.ServiceStop s -> ms(s.graceMs(), 10_000).plus(GRACE);
            case Request.ShellRead s -> ms(s.waitMs(), 0).plus(GRACE);
            case Request.Snapshot s -> Duration.ofSeconds(120);
            case Request.Import i -> STREAM_IDLE;
            case Request.Export e -> STREAM_IDLE;
            case Request.Discard d -> STREAM_IDLE;
            case Request.VmStatus s -> QUERY;
            case Request.VmStop s -> GRACE;
            case Request.VmPause p -> GRACE;
            case Request.VmResume v -> GRACE;
            case Request.VmSave s -> SAVE.plus(GRACE);
            default -> DEFAULT;
        };
    }

    /**
     * A start waits for its dependencies (at most the readiness timeout), then for readiness, again after
     * each restart the policy allows, with the backoff between (and a little per run for kills).
     */
    static Duration serviceStart(Request.ServiceStart s) {
        long timeout = ms(s.readiness() == null ? null : s.readiness().timeoutMs(), 30_000).toMillis();
        boolean restarts = s.restart() != null && s.restart() != Request.Restart.NO;
        int max = s.maxRestarts() == null ? ServicePolicy.DEFAULT_MAX_RESTARTS : Math.max(0, s.maxRestarts());
        long runs = restarts ? max + 1L : 1L;
        long backoff = 0;
        for (int i = 0; restarts && i < max; i++) {
            backoff += ServicePolicy.backoffMs(i);
        }
        long deps = s.after() == null || s.after().isEmpty() ? 0 : timeout;
        return Duration.ofMillis(deps + runs * (timeout + 2_000) + backoff).plus(GRACE).plus(GRACE);
    }

    private static Duration ms(Long v, long fallback) {
        return Duration.ofMillis(v == null ? fallback : Math.max(0, v));
    }
}
