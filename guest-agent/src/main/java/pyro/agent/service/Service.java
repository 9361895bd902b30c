package pyro.agent.service;

import pyro.agent.cgroup.Cgroup;
import pyro.agent.cgroup.Cgroups;
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

/**
 * One service: its process (leader of its own process group), two capped log files, its readiness
 * state, and its record, persisted as {@code service.json} on every state change.
 *
 * <p>With cgroups the service runs in {@code user/svc-NAME}, made afresh on each start: a stop, a failed
 * start and the end of the main process kill the whole cgroup ({@code cgroup.kill}), so no double-forked
 * daemon outlives its service; an OOM kill (the cgroup's {@code memory.events oom_kill}) ends it
 * {@code failed} with {@code stop_reason} {@code oom_killed}.
 *
 * <p>All fields are guarded by {@code this}; long waits (probes, grace periods) happen outside the lock.
 */
final class Service {
    /** The first retry of a readiness probe; each later one waits twice as long, up to the interval. */
    static final long FAST_FIRST_PROBE_MS = 10;
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
    private boolean stopping;
    private boolean ended;
    private boolean oomKilled;
    private LogFile out;
    private LogFile err;

    private final Semaphore wake = new Semaphore(0);
    private final CountDownLatch endedLatch = new CountDownLatch(1);
    private final CountDownLatch settled = new CountDownLatch(1);

    Service(ServiceSpec spec, Path dir, long logCap) {
        this.name = spec.name();
        this.dir = dir;
        this.logCap = logCap;
        this.spec = spec;
        this.command = spec.argv();
        this.cwd = spec.cwd().toString();
        this.readiness = spec.readinessRecord();
        this.state = ServiceState.STARTING;
        this.group = cgroup(name);
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
            endedLatch.countDown();
            settled.countDown();
        }
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
     * Spawns the process and waits until it is running (probe passed, or alive after a short settle) or
     * has failed (exited before ready, or readiness timed out: then its group is killed). Returns the record.
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
        try {
            group.create();
        } catch (IOException e) {
            return failBeforeSpawn("cannot make the service's cgroup " + group + ": " + e.getMessage());
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
            return failBeforeSpawn("cannot start " + spec.argv().get(0) + ": " + e.getMessage());
        }
        LogFile o;
        LogFile e;
        synchronized (this) {
            handle = p.toHandle();
            pid = p.pid();
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
            onExit(code, oom);
        });
        return awaitReady();
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
        }
        endedLatch.countDown();
        settled.countDown();
        persist();
        return record();
    }

    private Map<String, Object> awaitReady() throws InterruptedException {
        Probe probe = spec.probe();
        if (probe == null) {
            wake.tryAcquire(SETTLE_MS, TimeUnit.MILLISECONDS);
            synchronized (this) {
                if (!stopping && !ended) {
                    return markRunning();
                }
            }
            return afterEarlyEnd(null);
        }
        long deadline = System.nanoTime() + spec.timeoutMs() * 1_000_000L;
        try (AutoCloseable armed = probe.arm(this::wakeUp)) {
            while (true) {
                synchronized (this) {
                    if (stopping || ended) {
                        return afterEarlyEnd(lastError);
                    }
                }
                wake.drainPermits();
                long remaining = (deadline - System.nanoTime()) / 1_000_000;
                long perAttempt = Math.max(50, Math.min(remaining, probe instanceof CommandProbe ? 10_000 : 2_000));
                String problem = probe.check(perAttempt);
                synchronized (this) {
                    attempts++;
                    lastError = problem;
                    if (problem == null && !stopping && !ended) {
                        return markRunning();
                    }
                }
                remaining = (deadline - System.nanoTime()) / 1_000_000;
                if (remaining <= 0) {
                    synchronized (this) {
                        if (stopping || ended) {
                            continue; // report the exit or the stop rather than the timeout
                        }
                        stopping = true;
                    }
                    return timedOut();
                }
                // fast at first (10, 20, 40 ... ms), then the configured interval: the interval is the
                // slowest the probe may be, and most services are ready within their first second
                long backoff = FAST_FIRST_PROBE_MS << Math.min(attempts - 1, 20);
                wake.tryAcquire(Math.min(Math.min(spec.intervalMs(), backoff), remaining), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException ie) {
            throw ie;
        } catch (Exception closeFailure) {
            throw new IllegalStateException(closeFailure);
        }
    }

    /** Must hold the lock. */
    private Map<String, Object> markRunning() {
        state = ServiceState.RUNNING;
        readyAt = now();
        settled.countDown();
        persist();
        return record();
    }

    /** The process ended (or a stop began) before it was ready. */
    private Map<String, Object> afterEarlyEnd(String probeError) throws InterruptedException {
        boolean byStop;
        synchronized (this) {
            byStop = stopping;
        }
        if (byStop) {
            settled.await(60, TimeUnit.SECONDS); // the stop request finishes the record
            return record();
        }
        endedLatch.await(5, TimeUnit.SECONDS);
        killLeftovers(); // nothing of a failed start stays behind
        synchronized (this) {
            state = ServiceState.FAILED;
            stopReason = "exited_before_ready";
            String how = oomKilled ? "was killed by the out-of-memory killer"
                    : signal != null ? "was killed by " + signal : "exited with code " + exitCode;
            lastError = "the process " + how + " before it was ready"
                    + (probeError == null ? "" : " (last probe error: " + probeError + ")");
            captureTails();
            settled.countDown();
            persist();
            return record();
        }
    }

    private Map<String, Object> timedOut() throws InterruptedException {
        terminate(1000);
        synchronized (this) {
            state = ServiceState.FAILED;
            stopReason = "readiness_timeout";
            if (endedAt == null) {
                endedAt = now();
            }
            captureTails();
            settled.countDown();
            persist();
            return record();
        }
    }

    /** Must hold the lock. */
    private void captureTails() {
        lastStdout = out == null ? "" : out.lastLines(LAST_LINES);
        lastStderr = err == null ? "" : err.lastLines(LAST_LINES);
    }

    /**
     * The main process ended: unless a stop is killing the cgroup anyway, kill what it left behind (its
     * pipes then close). Returns whether the OOM killer killed in the cgroup.
     */
    private boolean endGroup() {
        boolean oom = group.oomKills() > 0;
        boolean byStop;
        synchronized (this) {
            byStop = stopping;
        }
        if (!byStop) {
            Cgroups.current().retire(group);
        }
        return oom;
    }

    private void onExit(Integer code, boolean oom) {
        synchronized (this) {
            ended = true;
            endedAt = now();
            oomKilled = oom;
            if (code != null) {
                exitCode = code;
                signal = code > 128 && code - 128 < SIGNALS.length ? SIGNALS[code - 128] : null;
            }
            if (!stopping && state == ServiceState.RUNNING) {
                if (code != null && code == 0) {
                    state = ServiceState.EXITED;
                    stopReason = "exited";
                } else {
                    state = ServiceState.FAILED;
                    stopReason = oom ? "oom_killed" : signal != null ? "killed" : "exited";
                    if (oom) {
                        note = "the out-of-memory killer ended the service: the workspace's processes together"
                                + " reached the memory limit of the guest's user cgroup";
                    } else if (code == null) {
                        note = "the process ended after an agent restart; its exit status is unknown";
                    }
                    captureTails();
                }
                settled.countDown();
            }
        }
        endedLatch.countDown();
        persist();
        wakeUp();
    }

    /**
     * {@code service_stop}: SIGTERM to the group and every descendant, up to {@code graceMs} for all of them
     * to go, then SIGKILL to whatever is left. A service that already ended keeps its record.
     */
    Map<String, Object> stop(long graceMs) throws InterruptedException {
        synchronized (this) {
            if (!isActive(state) || stopping && settled.getCount() == 0) {
                return record();
            }
            stopping = true;
        }
        terminate(graceMs);
        synchronized (this) {
            if (isActive(state)) {
                state = ServiceState.STOPPED;
                stopReason = "stopped";
                if (endedAt == null) {
                    endedAt = now();
                }
                settled.countDown();
                persist();
            }
        }
        wakeUp();
        settled.await(10, TimeUnit.SECONDS);
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
            long end = System.nanoTime() + 5_000_000_000L;
            while (!endedLatch.await(20, TimeUnit.MILLISECONDS) && System.nanoTime() < end) {
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
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (log.write(buf, 0, n)) {
                    persist();
                }
            }
        } catch (IOException e) {
            // pipe closed
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

    private void reattach() {
        Optional<ProcessHandle> h = pid > 1 ? ProcessHandle.of(pid) : Optional.empty();
        boolean same = h.isPresent() && h.get().isAlive() && !zombie(pid) && sameStart(h.get());
        if (same && state == ServiceState.RUNNING) {
            handle = h.get();
            note = "re-attached after an agent restart: output after the restart is not captured";
            ProcessHandle h2 = handle;
            Thread.ofVirtual().name("service-" + name + "-waiter").start(() -> {
                try {
                    while (h2.isAlive() && !zombie(h2.pid())) {
                        Thread.sleep(250); // not our child: no exit status to wait for, only its disappearance
                    }
                } catch (InterruptedException e) {
                    return;
                }
                onExit(null, endGroup());
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
        settled.countDown();
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
