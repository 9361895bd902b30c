package pyro.agent.service;

import java.util.concurrent.TimeUnit;

/**
 * Decides whether one run becomes ready: without a probe, alive after {@link #SETTLE_MS}; with one, a probe
 * that passes within the readiness timeout, retried quickly at first and then less often. A run that ends
 * first fails its start (nothing of it stays behind); one that times out is killed and fails with
 * {@code readiness_timeout}; either way the restart policy then decides, in {@link ServiceLife}.
 */
final class Readiness {
    /** The first retry of a readiness probe; each later one waits twice as long, up to the interval. */
    static final long FAST_PROBE_MS = 10;
    /** How long after a run starts its probe repeats every {@link #FAST_PROBE_MS}. */
    static final long FAST_WINDOW_MS = 5_000;
    /**
     * A command probe forks a process per attempt, which costs real CPU under emulation: it repeats
     * every {@link #COMMAND_PROBE_MS} (at most 40 processes) for {@link #COMMAND_WINDOW_MS}, then backs off.
     */
    static final long COMMAND_PROBE_MS = 50;
    static final long COMMAND_WINDOW_MS = 2_000;
    static final long SETTLE_MS = 200;

    private final ServiceSpec spec;
    private final ServiceLife life;
    private final ServiceRun run;
    private final Runnable persist;

    Readiness(ServiceSpec spec, ServiceLife life, ServiceRun run, Runnable persist) {
        this.spec = spec;
        this.life = life;
        this.run = run;
        this.persist = persist;
    }

    /** Waits until the run just spawned is running, has ended, has timed out, or a stop began. */
    void await() throws InterruptedException {
        Probe probe = spec.probe();
        if (probe == null) {
            life.awaitWake(SETTLE_MS);
            if (!life.readyUnlessOver()) {
                afterEarlyEnd();
                return;
            }
            persist.run();
            return;
        }
        long deadline = System.nanoTime() + spec.timeoutMs() * 1_000_000L;
        long probeStart = System.nanoTime();
        int slowAttempts = 0;
        try (AutoCloseable armed = probe.arm(life::wakeUp)) {
            while (true) {
                if (life.over()) {
                    afterEarlyEnd();
                    return;
                }
                life.clearWakes();
                long remaining = (deadline - System.nanoTime()) / 1_000_000;
                long perAttempt = Math.max(50, Math.min(remaining, probe instanceof CommandProbe ? 10_000 : 2_000));
                if (life.probed(probe.check(perAttempt))) {
                    persist.run();
                    return;
                }
                remaining = (deadline - System.nanoTime()) / 1_000_000;
                if (remaining <= 0) {
                    if (!life.killForTimeout()) {
                        continue; // report the exit or the stop rather than the timeout
                    }
                    timedOut();
                    return;
                }
                // every FAST_PROBE_MS for the first FAST_WINDOW_MS (most services are ready within it, and
                // a probe a few ms late is what the caller waits on), then doubling up to the configured
                // interval, which stays the slowest the probe may be
                long backoff;
                long sinceStart = (System.nanoTime() - probeStart) / 1_000_000;
                if (probe instanceof CommandProbe) {
                    backoff = sinceStart < COMMAND_WINDOW_MS ? COMMAND_PROBE_MS
                            : COMMAND_PROBE_MS << Math.min(++slowAttempts, 20);
                } else if (sinceStart < FAST_WINDOW_MS) {
                    backoff = FAST_PROBE_MS;
                } else {
                    backoff = FAST_PROBE_MS << Math.min(++slowAttempts, 20);
                }
                life.awaitWake(Math.min(Math.min(spec.intervalMs(), backoff), remaining));
            }
        } catch (InterruptedException ie) {
            throw ie;
        } catch (Exception closeFailure) {
            throw new IllegalStateException(closeFailure);
        }
    }

    /** The process ended (or a stop began) before it was ready. */
    private void afterEarlyEnd() throws InterruptedException {
        if (life.stopping()) {
            life.awaitFinished(60); // the stop request finishes the record
            return;
        }
        life.runEnded().await(5, TimeUnit.SECONDS);
        run.killLeftovers(); // nothing of a failed start stays behind
        if (life.endedBeforeReady()) {
            persist.run();
        }
    }

    private void timedOut() throws InterruptedException {
        run.terminate(1000);
        if (life.timedOut()) {
            persist.run();
        }
    }
}
