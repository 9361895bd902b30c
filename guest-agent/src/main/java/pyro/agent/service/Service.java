package pyro.agent.service;

import pyro.agent.cgroup.Cgroup;
import pyro.agent.cgroup.Cgroups;
import pyro.core.protocol.ServicePolicy;
import pyro.core.protocol.ServiceState;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One service: its process (leader of its own process group), two capped log files, its readiness
 * state, and its record, persisted as {@code service.json} on every state change.
 *
 * <p>With cgroups the service runs in {@code user/svc-NAME}, made afresh on each start: a stop, a failed
 * start and the end of the main process kill the whole cgroup ({@code cgroup.kill}), so no double-forked
 * daemon outlives its service; an OOM kill (the cgroup's {@code memory.events oom_kill}) ends it
 * {@code failed} with {@code stop_reason} {@code oom_killed}.
 *
 * <p>Restarts: one virtual thread per started service runs its life ({@link #runLoop}): it waits for the
 * services named in {@code after}, spawns a run, checks its readiness, and when a run ends by itself decides
 * by the restart policy whether to run it again after the backoff ({@link ServicePolicy}) or to settle the
 * final state. Every run gets its cgroup afresh (and is killed whole when it ends); the logs are opened once
 * per service start and only ever appended to, so log cursors stay valid across restarts; each restart
 * writes one marker line into stdout. A stop ends the service for good, a pending restart included.
 *
 * <p>All fields are guarded by {@code this}; long waits (probes, grace periods, backoff) happen outside the
 * lock or in {@code wait}.
 */
final class Service {
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
    static final int LAST_LINES = 10;
    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};

    final String name;
    private final Path dir;
    private final long logCap;
    private final ServiceSpec spec; // null for a record loaded after an agent restart
    private final List<String> command;
    private final String cwd;
    private final Map<String, Object> readiness;
    private final Cgroup group;
    private final String restartPolicy;
    private final int maxRestarts;
    private final List<String> after; // NAME:CONDITION
    private final Function<String, Service> lookup; // the workspace's services by name (null when loaded)

    private ProcessHandle handle;
    private long pid;
    private ServiceState state;
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
    private boolean stopping; // by service stop: for good
    private boolean killingRun; // the agent is killing the current run (readiness timeout)
    private boolean ended; // the current run's process ended (or there is none)
    private boolean live; // a run's process is spawned and its end not yet recorded
    private boolean spawning;
    private boolean oomKilled;
    private boolean done; // the final state is settled: no more runs
    private boolean restartPending;
    private long pendingDelayMs;
    private int restartCount;
    private int inARow;
    private Map<String, Object> lastExit;
    private String nextRestartAt;
    private Long timeToReadyMs;
    private long runStartNanos;
    private long readyNanos;
    private LogFile out;
    private LogFile err;

    private final Semaphore wake = new Semaphore(0);
    private CountDownLatch endedLatch = new CountDownLatch(1); // the current run's
    /** The start request's answer: the first time it is running, or its final state. */
    private final CountDownLatch outcome = new CountDownLatch(1);
    /** The final state is settled. */
    private final CountDownLatch finished = new CountDownLatch(1);

    Service(ServiceSpec spec, Path dir, long logCap, Function<String, Service> lookup) {
        this.name = spec.name();
        this.dir = dir;
        this.logCap = logCap;
        this.spec = spec;
        this.command = spec.argv();
        this.cwd = spec.cwd().toString();
        this.readiness = spec.readinessRecord();
        this.state = ServiceState.STARTING;
        this.group = cgroup(name);
        this.restartPolicy = spec.restart();
        this.maxRestarts = spec.maxRestarts();
        this.after = spec.after().stream().map(ServicePolicy.Dependency::wire).toList();
        this.lookup = lookup;
        this.ended = true;
    }

    /** The cgroup of service {@code name} (a handle; made on start). */
    static Cgroup cgroup(String name) {
        return Cgroups.current().group("svc-" + name);
    }

    private Service(String name, Path dir, long logCap, Map<String, Object> rec) {
        this.name = name;
        this.dir = dir;
        this.logCap = logCap;
        this.spec = null;
        this.lookup = null;
        List<String> cmd = new ArrayList<>();
        if (rec.get("command") instanceof List<?> l) {
            l.forEach(o -> cmd.add(String.valueOf(o)));
        }
        this.command = List.copyOf(cmd);
        this.cwd = str(rec.get("cwd"));
        this.group = cgroup(name);
        Map<String, Object> r = new LinkedHashMap<>();
        if (rec.get("readiness") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> r.put(String.valueOf(k), v));
        } else {
            r.put("type", "none");
        }
        this.attempts = r.remove("attempts") instanceof Number n ? n.longValue() : 0;
        Object le = r.remove("last_error");
        this.lastError = le == null ? null : le.toString();
        this.readiness = r;
        this.state = ServiceState.fromWire(str(rec.get("state")));
        this.pid = rec.get("pid") instanceof Number n ? n.longValue() : 0;
        this.startedAt = str(rec.get("started_at"));
        this.readyAt = str(rec.get("ready_at"));
        this.endedAt = str(rec.get("ended_at"));
        this.exitCode = rec.get("exit_code") instanceof Number n ? n.intValue() : null;
        this.signal = str(rec.get("signal"));
        this.stopReason = str(rec.get("stop_reason"));
        this.lastStdout = str(rec.get("last_stdout"));
        this.lastStderr = str(rec.get("last_stderr"));
        this.note = str(rec.get("note"));
        this.restartPolicy = rec.get("restart") instanceof String rp ? rp : ServicePolicy.DEFAULT_RESTART;
        this.maxRestarts = rec.get("max_restarts") instanceof Number n ? n.intValue() : ServicePolicy.DEFAULT_MAX_RESTARTS;
        List<String> deps = new ArrayList<>();
        if (rec.get("after") instanceof List<?> l) {
            l.forEach(o -> deps.add(String.valueOf(o)));
        }
        this.after = List.copyOf(deps);
        this.restartCount = rec.get("restart_count") instanceof Number n ? n.intValue() : 0;
        this.lastExit = rec.get("last_exit") instanceof Map<?, ?> le2 ? stringKeys(le2) : null;
        this.timeToReadyMs = rec.get("time_to_ready_ms") instanceof Number n ? n.longValue() : null;
        long outStart = 0;
        long errStart = 0;
        if (rec.get("log_offsets") instanceof Map<?, ?> lo) {
            outStart = lo.get("stdout_start") instanceof Number n ? n.longValue() : 0;
            errStart = lo.get("stderr_start") instanceof Number n ? n.longValue() : 0;
        }
        this.out = LogFile.existing(dir.resolve("stdout.log"), logCap, outStart);
        this.err = LogFile.existing(dir.resolve("stderr.log"), logCap, errStart);
        this.ended = !isActive(state);
        if (ended) {
            synchronized (this) {
                settle();
            }
        }
    }

    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /** The names this service starts after. */
    List<String> afterNames() {
        return after.stream().map(a -> a.substring(0, a.indexOf(':') < 0 ? a.length() : a.indexOf(':'))).toList();
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static boolean isActive(ServiceState state) {
        return state != null && state.active();
    }

    synchronized boolean active() {
        return isActive(state);
    }

    synchronized LogFile stdout() {
        return out;
    }

    synchronized LogFile stderr() {
        return err;
    }

    /** The record, as replies show it. */
    synchronized Map<String, Object> record() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service_name", name);
        m.put("command", command);
        m.put("cwd", cwd);
        m.put("state", state.wire());
        m.put("pid", pid == 0 ? null : pid);
        m.put("started_at", startedAt);
        m.put("ready_at", readyAt);
        m.put("ended_at", endedAt);
        m.put("exit_code", exitCode);
        m.put("signal", signal);
        m.put("stop_reason", stopReason);
        Map<String, Object> r = new LinkedHashMap<>(readiness);
        r.put("attempts", attempts);
        r.put("last_error", lastError);
        m.put("readiness", r);
        m.put("restart", restartPolicy);
        m.put("max_restarts", maxRestarts);
        m.put("after", after);
        m.put("restart_count", restartCount);
        m.put("last_exit", lastExit);
        m.put("next_restart_at", nextRestartAt);
        m.put("time_to_ready_ms", timeToReadyMs);
        if (state == ServiceState.FAILED) {
            m.put("last_stdout", lastStdout == null ? "" : lastStdout);
            m.put("last_stderr", lastStderr == null ? "" : lastStderr);
        }
        if (note != null) {
            m.put("note", note);
        }
        return m;
    }

    /** Writes {@code service.json} atomically (temp file + rename); never fails the caller. */
    synchronized void persist() {
        Map<String, Object> m = record();
        Map<String, Object> offsets = new LinkedHashMap<>();
        offsets.put("stdout_start", out == null ? 0 : out.start());
        offsets.put("stderr_start", err == null ? 0 : err.start());
        m.put("log_offsets", offsets);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("service.json.tmp");
            Files.write(tmp, JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES).asBytes(m));
            Files.move(tmp, dir.resolve("service.json"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Services.log("cannot persist service '" + name + "': " + e);
        }
    }

    private void wakeUp() {
        wake.release();
    }

    /**
     * Opens the logs, starts the service's life on a virtual thread ({@link #runLoop}) and waits until it is
     * running (probe passed, or alive after a short settle) for the first time, or has settled its final
     * state (failed, also after its last restart; stopped). Returns the record.
     */
    Map<String, Object> start() throws InterruptedException {
        synchronized (this) {
            startedAt = now();
        }
        try {
            Files.createDirectories(dir);
            synchronized (this) {
                out = LogFile.create(dir.resolve("stdout.log"), logCap);
                err = LogFile.create(dir.resolve("stderr.log"), logCap);
            }
        } catch (IOException e) {
            return failBeforeSpawn("cannot create the service's log files under " + dir + ": " + e.getMessage());
        }
        persist();
        Thread.ofVirtual().name("service-" + name).start(this::runLoop);
        outcome.await();
        return record();
    }

    /** The service's life: dependencies, then runs and restarts until its final state is settled. */
    private void runLoop() {
        try {
            if (!awaitDependencies()) {
                return;
            }
            while (true) {
                if (!spawnRun()) {
                    return;
                }
                awaitReady();
                long delay;
                synchronized (this) {
                    while (!restartPending && !done) {
                        wait();
                    }
                    if (done) {
                        return;
                    }
                    restartPending = false;
                    delay = pendingDelayMs;
                }
                long until = System.nanoTime() + delay * 1_000_000L;
                synchronized (this) {
                    long left;
                    while (!stopping && (left = (until - System.nanoTime()) / 1_000_000) > 0) {
                        wait(left);
                    }
                    if (stopping || done) {
                        return; // the stop settles the record
                    }
                    restartCount++;
                    nextRestartAt = null;
                    note = null;
                }
                if (spec.probe() != null) {
                    spec.probe().reset(); // readiness is decided afresh for every run
                }
                LogFile o;
                synchronized (this) {
                    o = out;
                }
                o.marker("[pyro] restart " + restartCount + " after " + describeExit(lastExit));
                persist();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            Services.log("service '" + name + "' failed in the agent: " + e);
            synchronized (this) {
                if (!done) {
                    state = ServiceState.FAILED;
                    stopReason = "exited";
                    note = "the agent could not run the service: " + e;
                    settle();
                }
            }
            persist();
        }
    }

    /**
     * Spawns one run in a fresh cgroup with its pumps and waiter. Returns false when there is nothing to
     * run (a stop came first, or the spawn failed: then the service is failed).
     */
    private boolean spawnRun() {
        synchronized (this) {
            if (stopping || done) {
                return false;
            }
            spawning = true;
        }
        try {
            try {
                group.create();
            } catch (IOException e) {
                failBeforeSpawn("cannot make the service's cgroup " + group + ": " + e.getMessage());
                return false;
            }
            List<String> argv = new ArrayList<>();
            if (ProcessGroup.SETSID != null) {
                argv.add(ProcessGroup.SETSID);
            }
            argv.addAll(spec.argv());
            ProcessBuilder pb = new ProcessBuilder(group.wrap(argv)).directory(spec.cwd().toFile());
            pb.environment().clear();
            pb.environment().putAll(spec.env());
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                Cgroups.current().retire(group);
                failBeforeSpawn("cannot start " + spec.argv().get(0) + ": " + e.getMessage());
                return false;
            }
            LogFile o;
            LogFile e;
            CountDownLatch runEnded = new CountDownLatch(1);
            synchronized (this) {
                handle = p.toHandle();
                pid = p.pid();
                live = true;
                ended = false;
                killingRun = false;
                oomKilled = false;
                endedLatch = runEnded;
                state = ServiceState.STARTING;
                startedAt = now();
                runStartNanos = System.nanoTime();
                readyNanos = 0;
                readyAt = null;
                endedAt = null;
                timeToReadyMs = null;
                exitCode = null;
                signal = null;
                stopReason = null;
                attempts = 0;
                lastError = null;
                o = out;
                e = err;
            }
            persist();
            Thread outPump = Thread.ofVirtual().name("service-" + name + "-stdout").start(() -> pump(p.getInputStream(), o));
            Thread errPump = Thread.ofVirtual().name("service-" + name + "-stderr").start(() -> pump(p.getErrorStream(), e));
            Thread.ofVirtual().name("service-" + name + "-waiter").start(() -> {
                int code;
                boolean oom;
                try {
                    code = p.waitFor();
                    oom = endGroup();
                    // let the pumps catch the last lines (a background child may keep the pipes open: do not wait for it)
                    outPump.join(Duration.ofSeconds(1));
                    errPump.join(Duration.ofSeconds(1));
                } catch (InterruptedException ie) {
                    return;
                }
                onExit(code, oom, runEnded);
            });
            return true;
        } finally {
            synchronized (this) {
                spawning = false;
                notifyAll();
            }
        }
    }

    private Map<String, Object> failBeforeSpawn(String why) {
        synchronized (this) {
            state = ServiceState.FAILED;
            stopReason = "exited_before_ready";
            exitCode = 127;
            lastError = why;
            endedAt = now();
            ended = true;
            lastStdout = "";
            lastStderr = why;
            settle();
        }
        persist();
        return record();
    }

    /** Must hold the lock: the final state is settled; wakes the start request, a stop and the loop. */
    private void settle() {
        done = true;
        restartPending = false;
        nextRestartAt = null;
        finished.countDown();
        outcome.countDown();
        notifyAll();
    }

    /**
     * Waits, within the readiness timeout, until every service in {@code after} is in its condition.
     * Returns false when the service ended meanwhile (stopped, or failed naming the dependency).
     */
    private boolean awaitDependencies() throws InterruptedException {
        if (spec.after().isEmpty()) {
            return true;
        }
        long deadline = System.nanoTime() + spec.timeoutMs() * 1_000_000L;
        while (true) {
            ServicePolicy.Dependency waitingFor = null;
            String depState = null;
            boolean never = false;
            for (ServicePolicy.Dependency d : spec.after()) {
                Service s = lookup.apply(d.name());
                String verdict = s == null ? "never" : s.meets(d.condition());
                if (!"yes".equals(verdict)) {
                    waitingFor = d;
                    depState = s == null ? "gone" : s.describeState();
                    never = "never".equals(verdict);
                    break;
                }
            }
            if (waitingFor == null) {
                return true;
            }
            boolean timedOut = System.nanoTime() >= deadline;
            synchronized (this) {
                if (stopping || done) {
                    return false;
                }
                if (never || timedOut) {
                    String cond = waitingFor.condition().equals(ServicePolicy.EXITED_OK) ? "exit with status 0"
                            : "be " + waitingFor.condition();
                    state = ServiceState.FAILED;
                    stopReason = never ? "dependency_failed" : "dependency_timeout";
                    note = never
                            ? "it waited for '" + waitingFor.name() + "' to " + cond + ", which it no longer can: '"
                                    + waitingFor.name() + "' is " + depState
                            : "it waited " + readinessSeconds() + " s for '" + waitingFor.name() + "' to " + cond
                                    + ", and '" + waitingFor.name() + "' is " + depState;
                    lastError = note;
                    endedAt = now();
                    lastStdout = "";
                    lastStderr = "";
                    settle();
                }
            }
            if (never || timedOut) {
                persist();
                return false;
            }
            synchronized (this) {
                if (!stopping) {
                    wait(25);
                }
            }
        }
    }

    private String readinessSeconds() {
        long ms = spec.timeoutMs();
        return ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.valueOf(ms / 1000.0);
    }

    /**
     * Whether this service is in {@code condition} for a service that starts after it: {@code yes},
     * {@code wait} (it may still get there) or {@code never} (it has ended without getting there).
     */
    synchronized String meets(String condition) {
        boolean active = isActive(state);
        return switch (condition) {
            case ServicePolicy.STARTED -> state == ServiceState.RUNNING || state == ServiceState.STARTING && live
                    ? "yes" : active ? "wait" : "never";
            case ServicePolicy.EXITED_OK -> !active && state != ServiceState.STOPPED && exitCode != null && exitCode == 0
                    && signal == null && !oomKilled ? "yes" : active ? "wait" : "never";
            default -> state == ServiceState.RUNNING ? "yes" : active ? "wait" : "never";
        };
    }

    /** The state as a dependency's failure names it: {@code starting (restart 2 at ...)}, {@code failed (exited)}. */
    synchronized String describeState() {
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
    static String describeExit(Map<String, Object> exit) {
        if (exit == null) {
            return "an unknown end";
        }
        Object reason = exit.get("stop_reason");
        if ("readiness_timeout".equals(reason)) {
            return "readiness timeout";
        }
        if ("oom_killed".equals(reason)) {
            return "out-of-memory kill";
        }
        if (exit.get("signal") != null) {
            return String.valueOf(exit.get("signal"));
        }
        return exit.get("exit_code") == null ? "an unknown exit" : "exit " + exit.get("exit_code");
    }

    /** Must hold the lock: how the current run ended. */
    private Map<String, Object> exitRecord(String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exit_code", exitCode);
        m.put("signal", signal);
        m.put("stop_reason", oomKilled ? "oom_killed" : reason);
        m.put("ended_at", endedAt == null ? now() : endedAt);
        return m;
    }

    /**
     * Must hold the lock. The current run ended by itself (not by a stop) and would leave the service in
     * {@code fin} with {@code reason}: by the restart policy, either schedule the next run (the service
     * stays {@code starting}, with {@code next_restart_at}) or settle that final state; past
     * {@code max_restarts} restarts in a row it is failed, saying so.
     */
    private void concludeRun(ServiceState fin, String reason) {
        boolean wanted = spec != null && (ServicePolicy.ALWAYS.equals(restartPolicy)
                || ServicePolicy.ON_FAILURE.equals(restartPolicy) && fin == ServiceState.FAILED);
        if (wanted && readyNanos != 0 && System.nanoTime() - readyNanos >= ServicePolicy.RESET_AFTER_MS * 1_000_000L) {
            inARow = 0; // it stayed up: a fresh row
        }
        if (!wanted) {
            state = fin;
            stopReason = reason;
            if (fin == ServiceState.FAILED) {
                captureTails();
            }
            settle();
            return;
        }
        Map<String, Object> exit = exitRecord(reason);
        if (inARow >= maxRestarts) {
            state = ServiceState.FAILED;
            stopReason = "max_restarts_reached";
            note = "gave up after " + inARow + " restarts in a row (restart " + restartPolicy + ", max_restarts "
                    + maxRestarts + "): the last run ended with " + describeExit(exit);
            captureTails();
            settle();
            return;
        }
        if (!group.enabled() && pid > 1 && ProcessGroup.anyAlive(pid)) {
            ProcessGroup.signal(pid, List.of(), true); // nothing of this run outlives it
        }
        pendingDelayMs = ServicePolicy.backoffMs(inARow);
        inARow++;
        lastExit = exit;
        nextRestartAt = Instant.now().plusMillis(pendingDelayMs).truncatedTo(ChronoUnit.MILLIS).toString();
        state = ServiceState.STARTING;
        stopReason = null;
        pid = 0;
        handle = null;
        restartPending = true;
        notifyAll();
    }

    private void awaitReady() throws InterruptedException {
        Probe probe = spec.probe();
        if (probe == null) {
            wake.tryAcquire(SETTLE_MS, TimeUnit.MILLISECONDS);
            synchronized (this) {
                if (!stopping && !ended) {
                    markRunning();
                    return;
                }
            }
            afterEarlyEnd(null);
            return;
        }
        long deadline = System.nanoTime() + spec.timeoutMs() * 1_000_000L;
        long probeStart = System.nanoTime();
        int slowAttempts = 0;
        try (AutoCloseable armed = probe.arm(this::wakeUp)) {
            while (true) {
                boolean over;
                String probeError;
                synchronized (this) {
                    over = stopping || ended;
                    probeError = lastError;
                }
                if (over) {
                    afterEarlyEnd(probeError); // not under the lock: the stop it may wait for needs it
                    return;
                }
                wake.drainPermits();
                long remaining = (deadline - System.nanoTime()) / 1_000_000;
                long perAttempt = Math.max(50, Math.min(remaining, probe instanceof CommandProbe ? 10_000 : 2_000));
                String problem = probe.check(perAttempt);
                synchronized (this) {
                    attempts++;
                    lastError = problem;
                    if (problem == null && !stopping && !ended) {
                        markRunning();
                        return;
                    }
                }
                remaining = (deadline - System.nanoTime()) / 1_000_000;
                if (remaining <= 0) {
                    synchronized (this) {
                        if (stopping || ended) {
                            continue; // report the exit or the stop rather than the timeout
                        }
                        killingRun = true;
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
                wake.tryAcquire(Math.min(Math.min(spec.intervalMs(), backoff), remaining), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException ie) {
            throw ie;
        } catch (Exception closeFailure) {
            throw new IllegalStateException(closeFailure);
        }
    }

    /** Must hold the lock. */
    private void markRunning() {
        state = ServiceState.RUNNING;
        readyAt = now();
        readyNanos = System.nanoTime();
        timeToReadyMs = (readyNanos - runStartNanos) / 1_000_000;
        outcome.countDown();
        persist();
    }

    /** The process ended (or a stop began) before it was ready. */
    private void afterEarlyEnd(String probeError) throws InterruptedException {
        boolean byStop;
        CountDownLatch runEnded;
        synchronized (this) {
            byStop = stopping;
            runEnded = endedLatch;
        }
        if (byStop) {
            finished.await(60, TimeUnit.SECONDS); // the stop request finishes the record
            return;
        }
        runEnded.await(5, TimeUnit.SECONDS);
        killLeftovers(); // nothing of a failed start stays behind
        synchronized (this) {
            if (stopping) {
                return;
            }
            String how = oomKilled ? "was killed by the out-of-memory killer"
                    : signal != null ? "was killed by " + signal : "exited with code " + exitCode;
            lastError = "the process " + how + " before it was ready"
                    + (probeError == null ? "" : " (last probe error: " + probeError + ")");
            concludeRun(ServiceState.FAILED, "exited_before_ready");
        }
        persist();
    }

    private void timedOut() throws InterruptedException {
        terminate(1000);
        synchronized (this) {
            if (stopping) {
                return; // a stop came meanwhile: it settles the record
            }
            if (endedAt == null) {
                endedAt = now();
            }
            concludeRun(ServiceState.FAILED, "readiness_timeout");
        }
        persist();
    }

    /** Must hold the lock. */
    private void captureTails() {
        lastStdout = out == null ? "" : out.lastLines(LAST_LINES);
        lastStderr = err == null ? "" : err.lastLines(LAST_LINES);
    }

    /**
     * The main process ended: unless a stop (or a readiness timeout) is killing the cgroup anyway, kill
     * what it left behind (its pipes then close). Returns whether the OOM killer killed in the cgroup.
     */
    private boolean endGroup() {
        boolean oom = group.oomKills() > 0;
        boolean byStop;
        synchronized (this) {
            byStop = stopping || killingRun;
        }
        if (!byStop) {
            Cgroups.current().retire(group);
        }
        return oom;
    }

    private void onExit(Integer code, boolean oom, CountDownLatch runEnded) {
        synchronized (this) {
            ended = true;
            live = false;
            endedAt = now();
            oomKilled = oom;
            if (code != null) {
                exitCode = code;
                signal = code > 128 && code - 128 < SIGNALS.length ? SIGNALS[code - 128] : null;
            }
            if (!stopping && !killingRun && state == ServiceState.RUNNING) {
                if (code != null && code == 0) {
                    concludeRun(ServiceState.EXITED, "exited");
                } else {
                    if (oom) {
                        note = "the out-of-memory killer ended the service: the workspace's processes together"
                                + " reached the memory limit of the guest's user cgroup";
                    } else if (code == null) {
                        note = "the process ended after an agent restart; its exit status is unknown";
                    }
                    concludeRun(ServiceState.FAILED, oom ? "oom_killed" : signal != null ? "killed" : "exited");
                }
            }
            notifyAll();
        }
        runEnded.countDown();
        persist();
        wakeUp();
    }

    /**
     * {@code service_stop}: SIGTERM to the group and every descendant, up to {@code graceMs} for all of them
     * to go, then SIGKILL to whatever is left. It ends the service for good: a pending restart is dropped.
     * A service that already ended keeps its record.
     */
    Map<String, Object> stop(long graceMs) throws InterruptedException {
        boolean kill;
        synchronized (this) {
            if (!isActive(state) || stopping && finished.getCount() == 0) {
                return record();
            }
            stopping = true;
            notifyAll();
            while (spawning) {
                wait();
            }
            kill = live;
        }
        if (kill) {
            terminate(graceMs);
        }
        synchronized (this) {
            if (isActive(state)) {
                state = ServiceState.STOPPED;
                stopReason = "stopped";
                if (endedAt == null) {
                    endedAt = now();
                }
                settle();
                persist();
            }
        }
        wakeUp();
        finished.await(10, TimeUnit.SECONDS);
        return record();
    }

    /** TERM to the whole group and tree, wait up to the grace for all of it, then KILL what is left. */
    private void terminate(long graceMs) throws InterruptedException {
        ProcessHandle h;
        long pgid;
        synchronized (this) {
            h = handle;
            pgid = pid;
        }
        if (group.enabled()) {
            terminateGroup(h, graceMs);
            return;
        }
        if (pgid <= 1) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        if (h != null) {
            tree.add(h);
            tree.addAll(h.descendants().toList());
        }
        long deadline = System.nanoTime() + graceMs * 1_000_000L;
        if (graceMs > 0) {
            ProcessGroup.signal(pgid, tree, false);
            while (System.nanoTime() < deadline && (anyAlive(tree) || ProcessGroup.anyAlive(pgid))) {
                Thread.sleep(20);
            }
        }
        for (int round = 0; round < 3; round++) {
            List<ProcessHandle> more = new ArrayList<>(tree);
            if (h != null && h.isAlive()) {
                more.addAll(h.descendants().toList());
            }
            ProcessGroup.signal(pgid, more, true);
            if (!anyAlive(more) && !ProcessGroup.anyAlive(pgid)) {
                break;
            }
            Thread.sleep(50);
        }
        awaitExitRecorded(h);
    }

    /**
     * With cgroups: TERM to every process in the cgroup (a {@code setsid} daemon is in neither the process
     * group nor, once re-parented, the tree), up to the grace for the cgroup to empty, then
     * {@code cgroup.kill}. No /proc scan: under a fork bomb it costs seconds.
     */
    private void terminateGroup(ProcessHandle h, long graceMs) throws InterruptedException {
        if (graceMs > 0) {
            group.signal("TERM"); // every member: the leader, its group and tree, and any setsid daemon
            group.awaitEmpty(graceMs);
        }
        Cgroups.current().retire(group);
        awaitExitRecorded(h);
    }

    private void awaitExitRecorded(ProcessHandle h) throws InterruptedException {
        if (h != null) {
            // our child: wait for the waiter to record the exit status; a re-attached process is not our
            // child, so its end shows only as gone (or as a zombie its new parent has not reaped yet)
            CountDownLatch runEnded;
            synchronized (this) {
                runEnded = endedLatch;
            }
            long end = System.nanoTime() + 5_000_000_000L;
            while (!runEnded.await(20, TimeUnit.MILLISECONDS) && System.nanoTime() < end) {
                if (spec == null && (!h.isAlive() || zombie(h.pid()))) {
                    break;
                }
            }
        }
    }

    private static boolean anyAlive(List<ProcessHandle> hs) {
        for (ProcessHandle p : hs) {
            if (p.isAlive() && !zombie(p.pid())) {
                return true;
            }
        }
        return false;
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Copies a pipe into a log with a fixed buffer; never holds more than one buffer in memory. */
    private void pump(InputStream in, LogFile log) {
        byte[] buf = new byte[64 * 1024];
        // the log is on the guest's disk: secrets are redacted before they reach it
        pyro.agent.secret.SecretFilter filter = pyro.agent.secret.Secrets.get().filter((b, off, n) -> {
            if (log.write(b, off, n)) {
                persist();
            }
        }, pyro.agent.secret.SecretFilter.LOG_IDLE_FLUSH_MS);
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (filter != null) {
                    filter.write(buf, 0, n);
                } else if (log.write(buf, 0, n)) {
                    persist();
                }
            }
        } catch (IOException e) {
            // pipe closed
        } finally {
            if (filter != null) {
                filter.flush();
            }
        }
    }

    /** Stops capturing into this service's logs and kills what is left of its group (before a replace). */
    void retire() {
        LogFile o;
        LogFile e;
        synchronized (this) {
            o = out;
            e = err;
        }
        if (o != null) {
            o.close();
        }
        if (e != null) {
            e.close();
        }
        killLeftovers();
    }

    /** SIGKILL to whatever is left of the service: its cgroup, else its process group. */
    private void killLeftovers() {
        long pgid;
        synchronized (this) {
            pgid = pid;
        }
        if (group.enabled()) {
            Cgroups.current().retire(group);
        } else if (pgid > 1 && ProcessGroup.anyAlive(pgid)) {
            ProcessGroup.signal(pgid, List.of(), true);
        }
    }

    /** A record left by an earlier agent process; a live process is re-attached, a gone one is marked. */
    static Service load(String name, Path dir, long logCap, Map<String, Object> rec) {
        Service s = new Service(name, dir, logCap, rec);
        if (!s.ended) {
            s.reattach();
        }
        return s;
    }

    private synchronized void reattach() {
        Optional<ProcessHandle> h = pid > 1 ? ProcessHandle.of(pid) : Optional.empty();
        boolean same = h.isPresent() && h.get().isAlive() && !zombie(pid) && sameStart(h.get());
        if (same && state == ServiceState.RUNNING) {
            handle = h.get();
            live = true;
            note = "re-attached after an agent restart: output after the restart is not captured"
                    + (ServicePolicy.NO.equals(restartPolicy) ? "" : ", and it is not restarted again");
            ProcessHandle h2 = handle;
            CountDownLatch runEnded = endedLatch;
            Thread.ofVirtual().name("service-" + name + "-waiter").start(() -> {
                try {
                    while (h2.isAlive() && !zombie(h2.pid())) {
                        Thread.sleep(250); // not our child: no exit status to wait for, only its disappearance
                    }
                } catch (InterruptedException e) {
                    return;
                }
                onExit(null, endGroup(), runEnded);
            });
            persist();
            return;
        }
        if (same) {
            ProcessGroup.signal(pid, List.of(h.get()), true);
        }
        Cgroups.current().retire(group); // whatever is left of it, a daemon of a gone service included
        ended = true;
        endedAt = now();
        state = ServiceState.FAILED;
        stopReason = same ? "killed" : "exited";
        note = same ? "the agent restarted before readiness was decided; the service was killed"
                : "the process ended while the agent was not running; its exit status is unknown";
        captureTails();
        endedLatch.countDown();
        settle();
        persist();
    }

    private boolean sameStart(ProcessHandle h) {
        Optional<Instant> started = h.info().startInstant();
        if (started.isEmpty() || startedAt == null) {
            return true;
        }
        try {
            return Math.abs(Duration.between(Instant.parse(startedAt), started.get()).toSeconds()) <= 10;
        } catch (RuntimeException e) {
            return true;
        }
    }
}
