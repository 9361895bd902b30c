package pyro.agent.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServicePolicy;
import pyro.protocol.ServiceState;

/**
 * The state machine of one service's record: its {@link ServiceState} and every field the record shows
 * about it (pid, times, exit, stop reason, readiness attempts, restarts, note). Each event of a service's
 * life is one method that changes the fields together and moves the state only along a {@link #legal}
 * transition (an illegal one throws); it also renders the record in its JSON shape and restores it from
 * {@code service.json}. It is not thread-safe: {@link ServiceLife} owns one and guards it by its lock.
 */
final class ServiceStatus {
    static final int LAST_LINES = 10;
    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};
    private static final Map<ServiceState, Set<ServiceState>> NEXT = new EnumMap<>(Map.of(
            // STARTING again: a new run, or a restart scheduled for a run that ended before it was ready
            ServiceState.STARTING, EnumSet.of(ServiceState.STARTING, ServiceState.RUNNING, ServiceState.FAILED,
                    ServiceState.STOPPED),
            ServiceState.RUNNING, EnumSet.of(ServiceState.STARTING, ServiceState.EXITED, ServiceState.FAILED,
                    ServiceState.STOPPED),
            ServiceState.STOPPED, EnumSet.noneOf(ServiceState.class),
            ServiceState.EXITED, EnumSet.noneOf(ServiceState.class),
            ServiceState.FAILED, EnumSet.noneOf(ServiceState.class)));

    private ServiceState state = ServiceState.STARTING;
    private long pid;
    private String startedAt;
    private String readyAt;
    private String endedAt;
    private Integer exitCode;
    private String signal;
    private String stopReason;
    private long attempts;
    private String lastError;
    private String lastStdout;
    private String lastStderr;
    private String note;
    private int restartCount;
    private Reply.ServiceExit lastExit;
    private String nextRestartAt;
    private Long timeToReadyMs;

    /** Whether a record may go from {@code from} to {@code to}; an ended service stays ended. */
    static boolean legal(ServiceState from, ServiceState to) {
        return NEXT.get(from).contains(to);
    }

    private void moveTo(ServiceState to) {
        if (!legal(state, to)) {
            throw new IllegalStateException("a service cannot go from " + state.wire() + " to " + to.wire());
        }
        state = to;
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    ServiceState state() {
        return state;
    }

    long pid() {
        return pid;
    }

    String startedAt() {
        return startedAt;
    }

    String lastError() {
        return lastError;
    }

    // ---- events

    void startRequested() {
        startedAt = now();
    }

    /** A run's process {@code runPid} is spawned: the record starts afresh for it. */
    void runSpawned(long runPid) {
        pid = runPid;
        moveTo(ServiceState.STARTING);
        startedAt = now();
        readyAt = null;
        endedAt = null;
        timeToReadyMs = null;
        exitCode = null;
        signal = null;
        stopReason = null;
        attempts = 0;
        lastError = null;
    }

    /** Nothing could be spawned (no logs, no cgroup, no executable). */
    void failedBeforeSpawn(String why) {
        moveTo(ServiceState.FAILED);
        stopReason = "exited_before_ready";
        exitCode = 127;
        lastError = why;
        endedAt = now();
        lastStdout = "";
        lastStderr = why;
    }

    void probed(String problem) {
        attempts++;
        lastError = problem;
    }

    void ready(long toReadyMs) {
        moveTo(ServiceState.RUNNING);
        readyAt = now();
        timeToReadyMs = toReadyMs;
    }

    /** The run's process ended with {@code code} (null: unknown, it was not our child). */
    void runEnded(Integer code) {
        endedAt = now();
        if (code != null) {
            exitCode = code;
            signal = code > 128 && code - 128 < SIGNALS.length ? SIGNALS[code - 128] : null;
        }
    }

    void endedNowUnlessEnded() {
        if (endedAt == null) {
            endedAt = now();
        }
    }

    /** The run ended before it was ready: says how in {@code last_error}. */
    void endedBeforeReady(boolean oom) {
        String how = oom ? "was killed by the out-of-memory killer"
                : signal != null ? "was killed by " + signal : "exited with code " + exitCode;
        lastError = "the process " + how + " before it was ready"
                + (lastError == null ? "" : " (last probe error: " + lastError + ")");
    }

    /** The stop reason of a run that ended by itself, failed: {@code oom_killed}, {@code killed} or {@code exited}. */
    String failedReason(boolean oom, boolean unknownExit) {
        if (oom) {
            note = "the out-of-memory killer ended the service: the workspace's processes together"
                    + " reached the memory limit of the guest's user cgroup";
        } else if (unknownExit) {
            note = "the process ended after an agent restart; its exit status is unknown";
        }
        return oom ? "oom_killed" : signal != null ? "killed" : "exited";
    }

    /** The final state {@code fin} with {@code reason}; a failed one keeps the logs' last lines. */
    void end(ServiceState fin, String reason, LogFile out, LogFile err) {
        moveTo(fin);
        stopReason = reason;
        if (fin == ServiceState.FAILED) {
            captureTails(out, err);
        }
    }

    private void captureTails(LogFile out, LogFile err) {
        lastStdout = out == null ? "" : out.lastLines(LAST_LINES);
        lastStderr = err == null ? "" : err.lastLines(LAST_LINES);
    }

    /** How the current run ended, as {@code last_exit} shows it. */
    Reply.ServiceExit exitRecord(String reason, boolean oom) {
        return new Reply.ServiceExit(exitCode, signal, oom ? "oom_killed" : reason, endedAt == null ? now() : endedAt);
    }

    /** The run that ended with {@code exit} is run again after {@code delayMs}; the service stays starting. */
    void restartScheduled(Reply.ServiceExit exit, long delayMs) {
        lastExit = exit;
        nextRestartAt = Instant.now().plusMillis(delayMs).truncatedTo(ChronoUnit.MILLIS).toString();
        moveTo(ServiceState.STARTING);
        stopReason = null;
        pid = 0;
    }

    void settled() {
        nextRestartAt = null;
    }

    /** The backoff is over: the next run begins. Returns the marker line its stdout gets. */
    String restarting() {
        restartCount++;
        nextRestartAt = null;
        note = null;
        return "[pyro] restart " + restartCount + " after " + describeExit(lastExit);
    }

    void dependencyFailed(String reason, String why) {
        moveTo(ServiceState.FAILED);
        stopReason = reason;
        note = why;
        lastError = why;
        endedAt = now();
        lastStdout = "";
        lastStderr = "";
    }

    void agentFailed(RuntimeException e) {
        moveTo(ServiceState.FAILED);
        stopReason = "exited";
        note = "the agent could not run the service: " + e;
    }

    void stopped() {
        moveTo(ServiceState.STOPPED);
        stopReason = "stopped";
        endedNowUnlessEnded();
    }

    void note(String why) {
        note = why;
    }

    /** After an agent restart the run is gone ({@code killed}: the agent killed it). */
    void lost(boolean killed, String why, LogFile out, LogFile err) {
        endedAt = now();
        moveTo(ServiceState.FAILED);
        stopReason = killed ? "killed" : "exited";
        note = why;
        captureTails(out, err);
    }

    // ---- views

    /**
     * Whether this service is in {@code condition} for a service that starts after it: {@code yes},
     * {@code wait} (it may still get there) or {@code never} (it has ended without getting there).
     */
    String meets(String condition, boolean live, boolean oomKilled) {
        boolean active = state.active();
        return switch (condition) {
            case ServicePolicy.STARTED -> state == ServiceState.RUNNING || state == ServiceState.STARTING && live
                    ? "yes" : active ? "wait" : "never";
            case ServicePolicy.EXITED_OK -> !active && state != ServiceState.STOPPED && exitCode != null && exitCode == 0
                    && signal == null && !oomKilled ? "yes" : active ? "wait" : "never";
            default -> state == ServiceState.RUNNING ? "yes" : active ? "wait" : "never";
        };
    }

    /** The state as a dependency's failure names it: {@code starting (restart 2 at ...)}, {@code failed (exited)}. */
    String describe() {
        StringBuilder sb = new StringBuilder(state.wire());
        if (nextRestartAt != null) {
            sb.append(" (waiting to restart at ").append(nextRestartAt).append(", after ")
                    .append(describeExit(lastExit)).append(')');
        } else if (stopReason != null) {
            sb.append(" (").append(stopReason.replace('_', ' ')).append(')');
        }
        return sb.toString();
    }

    /** How a run ended, for marker lines and notes: {@code exit 1}, {@code SIGKILL}, {@code readiness timeout}. */
    static String describeExit(Reply.ServiceExit exit) {
        if (exit == null) {
            return "an unknown end";
        }
        String reason = exit.stopReason();
        if ("readiness_timeout".equals(reason)) {
            return "readiness timeout";
        }
        if ("oom_killed".equals(reason)) {
            return "out-of-memory kill";
        }
        if (exit.signal() != null) {
            return exit.signal();
        }
        return exit.exitCode() == null ? "an unknown exit" : "exit " + exit.exitCode();
    }

    // ---- the record

    /** The record, as replies show it (and, with the log offsets, as {@code service.json} keeps it). */
    Reply.ServiceRecord record(String name, ServiceSpec.Recorded spec) {
        Request.Probe p = spec.readiness();
        Reply.ServiceReadiness r = new Reply.ServiceReadiness(p.type(), p.path(), p.host(), p.port(), p.url(),
                p.command(), p.timeoutMs(), p.intervalMs(), attempts, lastError);
        boolean failed = state == ServiceState.FAILED;
        return new Reply.ServiceRecord(name, spec.command(), spec.cwd(), state, pid == 0 ? null : pid, startedAt, readyAt,
                endedAt, exitCode, signal, stopReason, r, spec.restart(), spec.maxRestarts(), spec.after(), restartCount,
                lastExit, nextRestartAt, timeToReadyMs, failed ? orEmpty(lastStdout) : null,
                failed ? orEmpty(lastStderr) : null, note);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** The status a record left by an earlier agent process shows. */
    static ServiceStatus restore(Reply.ServiceRecord rec) {
        ServiceStatus s = new ServiceStatus();
        if (rec.readiness() != null) {
            s.attempts = rec.readiness().attempts() == null ? 0 : rec.readiness().attempts();
            s.lastError = rec.readiness().lastError();
        }
        s.state = rec.state() == null ? ServiceState.FAILED : rec.state();
        s.pid = rec.pid() == null ? 0 : rec.pid();
        s.startedAt = rec.startedAt();
        s.readyAt = rec.readyAt();
        s.endedAt = rec.endedAt();
        s.exitCode = rec.exitCode();
        s.signal = rec.signal();
        s.stopReason = rec.stopReason();
        s.lastStdout = rec.lastStdout();
        s.lastStderr = rec.lastStderr();
        s.note = rec.note();
        s.restartCount = rec.restartCount() == null ? 0 : rec.restartCount();
        s.lastExit = rec.lastExit();
        s.timeToReadyMs = rec.timeToReadyMs();
        return s;
    }

    /** The spec part of a record left by an earlier agent process (there is no spec behind it any more). */
    static ServiceSpec.Recorded restoreSpec(Reply.ServiceRecord rec) {
        Reply.ServiceReadiness r = rec.readiness();
        Request.Probe probe = r == null || r.type() == null ? ServiceSpec.NO_PROBE
                : new Request.Probe(r.type(), r.path(), r.host(), r.port(), r.url(), r.command(), r.timeoutMs(),
                        r.intervalMs());
        return new ServiceSpec.Recorded(rec.command() == null ? List.of() : rec.command(), rec.cwd(), probe,
                rec.restart() == null ? Request.Restart.NO : rec.restart(),
                rec.maxRestarts() == null ? ServicePolicy.DEFAULT_MAX_RESTARTS : rec.maxRestarts(),
                rec.after() == null ? List.of() : rec.after());
    }
}
