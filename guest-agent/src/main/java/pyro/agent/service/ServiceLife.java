package pyro.agent.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.ServiceState;

/**
 * The lock of one service and what it guards: the record's {@link ServiceStatus}, the flags of the run in
 * progress (spawning, live, ended, killed by the agent), the pending restart, and the latches and wake-ups
 * the start request, a stop and the readiness loop wait on. Each event of the service's life is one
 * synchronized method here that updates the flags and the status together; the restart policy is applied
 * here too, since whether a run that ended is restarted is decided in the same step that records its end.
 * Nothing here spawns, probes or writes a file: {@link ServiceRun}, {@link Readiness}, {@link ServiceLoop}
 * and {@link ServiceRecords} do that around these events.
 */
final class ServiceLife {
    /** What a stop finds when it begins. */
    enum StopStart { SETTLED, NO_PROCESS, LIVE_PROCESS }

    private final ServiceStatus status;
    private final RestartPolicy policy;
    private final LongConsumer reap; // kills what is left of an ended run's process group, by its id

    private LogFile out;
    private LogFile err;
    private ProcessHandle handle;
    private boolean stopping; // by service stop: for good
    private boolean killingRun; // the agent is killing the current run (readiness timeout)
    private boolean ended; // the current run's process ended (or there is none)
    private boolean live; // a run's process is spawned and its end not yet recorded
    private boolean spawning;
    private boolean oomKilled;
    private boolean done; // the final state is settled: no more runs
    private boolean restartPending;
    private long pendingDelayMs;
    private long runStartNanos;
    private long readyNanos;
    private CountDownLatch endedLatch = new CountDownLatch(1); // the current run's

    private final Semaphore wake = new Semaphore(0);
    /** The start request's answer: the first time it is running, or its final state. */
    private final CountDownLatch outcome = new CountDownLatch(1);
    /** The final state is settled. */
    private final CountDownLatch finished = new CountDownLatch(1);

    /** From {@code status}: a new service's ({@code restored} false), or one restored from its record. */
    ServiceLife(ServiceStatus status, RestartPolicy policy, boolean restored, LongConsumer reap, LogFile out, LogFile err) {
        this.status = status;
        this.policy = policy;
        this.reap = reap;
        this.out = out;
        this.err = err;
        this.ended = !restored || !status.state().active(); // a new service has no run yet; a restored one may
        if (!status.state().active()) {
            synchronized (this) {
                settle();
            }
        }
    }

    // ---- what others read

    synchronized ServiceState state() {
        return status.state();
    }

    synchronized boolean active() {
        return status.state().active();
    }

    /** The record, as replies show it. */
    synchronized Reply.ServiceRecord record(String name, ServiceSpec.Recorded spec) {
        return status.record(name, spec);
    }

    /** The record as {@code service.json} keeps it: the reply's fields and where the logs begin. */
    synchronized Map<String, Object> persisted(String name, ServiceSpec.Recorded spec) {
        Map<String, Object> m = Messages.fields(status.record(name, spec));
        Map<String, Object> offsets = new LinkedHashMap<>();
        offsets.put("stdout_start", out == null ? 0 : out.start());
        offsets.put("stderr_start", err == null ? 0 : err.start());
        m.put("log_offsets", offsets);
        return m;
    }

    synchronized LogFile stdout() {
        return out;
    }

    synchronized LogFile stderr() {
        return err;
    }

    synchronized ProcessHandle handle() {
        return handle;
    }

    synchronized long pid() {
        return status.pid();
    }

    synchronized CountDownLatch runEnded() {
        return endedLatch;
    }

    synchronized boolean stopping() {
        return stopping;
    }

    /** A stop or a readiness timeout is killing the run: its end is theirs to handle. */
    synchronized boolean killing() {
        return stopping || killingRun;
    }

    /** The run ended or a stop began: readiness is no longer the question. */
    synchronized boolean over() {
        return stopping || ended;
    }

    synchronized String meets(String condition) {
        return status.meets(condition, live, oomKilled);
    }

    synchronized String describe() {
        return status.describe();
    }

    void awaitFinished(long timeoutSeconds) throws InterruptedException {
        finished.await(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** Waits for the start request's answer: running for the first time, or the final state. */
    void awaitOutcome() throws InterruptedException {
        outcome.await();
    }

    /** Something the readiness loop should look at at once: the process ended, a stop, the probe's watch. */
    void wakeUp() {
        wake.release();
    }

    boolean awaitWake(long ms) throws InterruptedException {
        return wake.tryAcquire(ms, TimeUnit.MILLISECONDS);
    }

    void clearWakes() {
        wake.drainPermits();
    }

    /** Must hold the lock: the final state is settled; wakes the start request, a stop and the loop. */
    private void settle() {
        done = true;
        restartPending = false;
        status.settled();
        finished.countDown();
        outcome.countDown();
        notifyAll();
    }

    // ---- a run

    synchronized void startRequested() {
        status.startRequested();
    }

    synchronized void logs(LogFile stdout, LogFile stderr) {
        out = stdout;
        err = stderr;
    }

    /** Claims the right to spawn a run; false when a stop came first or the final state is settled. */
    synchronized boolean claimSpawn() {
        if (stopping || done) {
            return false;
        }
        spawning = true;
        return true;
    }

    synchronized void spawnOver() {
        spawning = false;
        notifyAll();
    }

    /** A run's process is spawned: the record starts afresh for it. */
    synchronized void spawned(ProcessHandle process, CountDownLatch runEnded) {
        handle = process;
        live = true;
        ended = false;
        killingRun = false;
        oomKilled = false;
        endedLatch = runEnded;
        status.runSpawned(process.pid());
        runStartNanos = System.nanoTime();
        readyNanos = 0;
    }

    /** Nothing could be spawned (no logs, no cgroup, no executable): failed, for good. */
    synchronized void failedBeforeSpawn(String why) {
        status.failedBeforeSpawn(why);
        ended = true;
        settle();
    }

    /** Without a probe: running unless the run ended or a stop began meanwhile. */
    synchronized boolean readyUnlessOver() {
        if (stopping || ended) {
            return false;
        }
        readyNanos = System.nanoTime();
        status.ready((readyNanos - runStartNanos) / 1_000_000);
        outcome.countDown();
        return true;
    }

    /** One probe attempt's outcome ({@code problem} null: ready); true when it made the service running. */
    synchronized boolean probed(String problem) {
        status.probed(problem);
        return problem == null && readyUnlessOver();
    }

    /** The readiness timeout passed: the agent kills the run, unless it ended or a stop began meanwhile. */
    synchronized boolean killForTimeout() {
        if (stopping || ended) {
            return false;
        }
        killingRun = true;
        return true;
    }

    /** The run killed for its readiness timeout is gone; false when a stop came meanwhile (it settles). */
    synchronized boolean timedOut() {
        if (stopping) {
            return false;
        }
        status.endedNowUnlessEnded();
        concludeRun(ServiceState.FAILED, "readiness_timeout");
        return true;
    }

    /** The run ended before it was ready; false when a stop came meanwhile (it settles). */
    synchronized boolean endedBeforeReady() {
        if (stopping) {
            return false;
        }
        status.endedBeforeReady(oomKilled);
        concludeRun(ServiceState.FAILED, "exited_before_ready");
        return true;
    }

    /** The run's process ended with {@code code} (null: unknown, it was not our child). */
    synchronized void exited(Integer code, boolean oom) {
        ended = true;
        live = false;
        oomKilled = oom;
        status.runEnded(code);
        if (!stopping && !killingRun && status.state() == ServiceState.RUNNING) {
            if (code != null && code == 0) {
                concludeRun(ServiceState.EXITED, "exited");
            } else {
                concludeRun(ServiceState.FAILED, status.failedReason(oom, code == null));
            }
        }
        notifyAll();
    }

    /**
     * Must hold the lock. The current run ended by itself (not by a stop) and would leave the service in
     * {@code fin} with {@code reason}: by the restart policy, either schedule the next run (the service
     * stays {@code starting}, with {@code next_restart_at}) or settle that final state; past
     * {@code max_restarts} restarts in a row it is failed, saying so.
     */
    private void concludeRun(ServiceState fin, String reason) {
        if (!policy.wants(fin, readyNanos)) {
            status.end(fin, reason, out, err);
            settle();
            return;
        }
        Reply.ServiceExit exit = status.exitRecord(reason, oomKilled);
        String givingUp = policy.givingUp(exit);
        if (givingUp != null) {
            status.note(givingUp);
            status.end(ServiceState.FAILED, "max_restarts_reached", out, err);
            settle();
            return;
        }
        reap.accept(status.pid()); // nothing of this run outlives it
        pendingDelayMs = policy.nextDelayMs();
        status.restartScheduled(exit, pendingDelayMs);
        handle = null;
        restartPending = true;
        notifyAll();
    }

    // ---- the life around the runs

    /**
     * A dependency can no longer get there ({@code reason} dependency_failed) or did not in time
     * (dependency_timeout): failed, for good. False when a stop came first or the state is settled already.
     */
    synchronized boolean dependencyFailed(String reason, String why) {
        if (stopping || done) {
            return false;
        }
        status.dependencyFailed(reason, why);
        settle();
        return true;
    }

    /** Waits up to {@code ms} before the next look at the dependencies; false when a stop came or it ended. */
    synchronized boolean pause(long ms) throws InterruptedException {
        if (stopping || done) {
            return false;
        }
        wait(ms);
        return true;
    }

    /** Waits until a run's end schedules a restart (its delay in ms) or the final state is settled (-1). */
    synchronized long awaitRestart() throws InterruptedException {
        while (!restartPending && !done) {
            wait();
        }
        if (done) {
            return -1;
        }
        restartPending = false;
        return pendingDelayMs;
    }

    /**
     * Waits out the backoff before the next run; returns its restart marker line, or null when a stop came
     * meanwhile (the stop settles the record).
     */
    synchronized String backoff(long delayMs) throws InterruptedException {
        long until = System.nanoTime() + delayMs * 1_000_000L;
        long left;
        while (!stopping && (left = (until - System.nanoTime()) / 1_000_000) > 0) {
            wait(left);
        }
        if (stopping || done) {
            return null;
        }
        return status.restarting();
    }

    /** The agent itself failed running the service: failed, unless settled already. */
    synchronized void agentFailed(RuntimeException e) {
        if (!done) {
            status.agentFailed(e);
            settle();
        }
    }

    /**
     * A stop begins: it ends the service for good, a pending restart included. Waits for a spawn in
     * progress, then says whether there is a live process to kill, or nothing to do.
     */
    synchronized StopStart beginStop() throws InterruptedException {
        if (!status.state().active() || stopping && finished.getCount() == 0) {
            return StopStart.SETTLED;
        }
        stopping = true;
        notifyAll();
        while (spawning) {
            wait();
        }
        return live ? StopStart.LIVE_PROCESS : StopStart.NO_PROCESS;
    }

    /** The stop's processes are gone: stopped, unless it ended otherwise meanwhile. True when it changed. */
    synchronized boolean stopped() {
        if (!status.state().active()) {
            return false;
        }
        status.stopped();
        settle();
        return true;
    }

    /** After an agent restart the run's process is still there: it is watched again, not restarted. */
    synchronized CountDownLatch reattached(ProcessHandle process, String why) {
        handle = process;
        live = true;
        status.note(why);
        return endedLatch;
    }

    /** After an agent restart the run is gone ({@code killed}: the agent killed it): failed, for good. */
    synchronized void lost(boolean killed, String why) {
        ended = true;
        status.lost(killed, why, out, err);
        endedLatch.countDown();
        settle();
    }

}
