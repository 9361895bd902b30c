package pyro.agent.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import pyro.protocol.Reply;
import java.util.function.Function;
import pyro.agent.cgroup.Cgroup;
import pyro.agent.cgroup.Cgroups;

/**
 * One service: its process (leader of its own process group), two capped log files, its readiness
 * state, and its record, persisted as {@code service.json} on every state change. This class is what
 * {@link Services} holds and asks; the parts are beside it: the immutable {@link ServiceSpec}, the record's
 * state machine {@link ServiceStatus} under the lock of {@link ServiceLife} (which also applies the restart
 * policy), the life on its own thread {@link ServiceLoop} (dependencies, runs, backoff), a run's processes
 * {@link ServiceRun} (spawn, cgroup, log pumps, exit, kill), {@link Readiness}, and {@link ServiceRecords}
 * (persistence, and re-attach after an agent restart).
 *
 * <p>With cgroups the service runs in {@code user/svc-NAME}, made afresh on each start: a stop, a failed
 * start and the end of the main process kill the whole cgroup ({@code cgroup.kill}), so no double-forked
 * daemon outlives its service; an OOM kill (the cgroup's {@code memory.events oom_kill}) ends it
 * {@code failed} with {@code stop_reason} {@code oom_killed}. The logs are opened once per service start and
 * only ever appended to, so log cursors stay valid across restarts.
 */
final class Service {
    final String name;
    private final Path dir;
    private final long logCap;
    private final ServiceSpec spec; // null for a record loaded after an agent restart
    final ServiceSpec.Recorded recorded;
    final ServiceLife life;
    final ServiceRun run;
    final ServiceRecords records;
    private final Function<String, Service> lookup; // the workspace's services by name (null when loaded)

    Service(ServiceSpec spec, Path dir, long logCap, Function<String, Service> lookup) {
        this(spec.name(), dir, logCap, spec, spec.recorded(), new ServiceStatus(), null, null, lookup);
    }

    /** A service restored from a record an earlier agent process left (see {@link ServiceRecords#load}). */
    Service(String name, Path dir, ServiceStatus status, ServiceSpec.Recorded recorded, LogFile out, LogFile err) {
        this(name, dir, 0, null, recorded, status, out, err, null); // never started: no log cap
    }

    private Service(String name, Path dir, long logCap, ServiceSpec spec, ServiceSpec.Recorded recorded,
            ServiceStatus status, LogFile out, LogFile err, Function<String, Service> lookup) {
        this.name = name;
        this.dir = dir;
        this.logCap = logCap;
        this.spec = spec;
        this.recorded = recorded;
        this.lookup = lookup;
        Cgroup group = cgroup(name);
        this.life = new ServiceLife(status, new RestartPolicy(recorded.restart(), recorded.maxRestarts(), spec != null),
                spec == null, pgid -> ServiceRun.reap(group, pgid), out, err);
        this.records = new ServiceRecords(name, dir, () -> life.persisted(name, recorded));
        this.run = new ServiceRun(name, spec, group, life, records::persist);
    }

    /** The cgroup of service {@code name} (a handle; made on start). */
    static Cgroup cgroup(String name) {
        return Cgroups.current().group("svc-" + name);
    }

    /** The names this service starts after. */
    List<String> afterNames() {
        return recorded.afterNames();
    }

    boolean active() {
        return life.active();
    }

    LogFile stdout() {
        return life.stdout();
    }

    LogFile stderr() {
        return life.stderr();
    }

    /** The record, as replies show it. */
    Reply.ServiceRecord record() {
        return life.record(name, recorded);
    }

    /**
     * Opens the logs, starts the service's life on a virtual thread ({@link ServiceLoop}) and waits until it
     * is running (probe passed, or alive after a short settle) for the first time, or has settled its final
     * state (failed, also after its last restart; stopped). Returns the record.
     */
    Reply.ServiceRecord start() throws InterruptedException {
        life.startRequested();
        try {
            Files.createDirectories(dir);
            life.logs(LogFile.create(dir.resolve("stdout.log"), logCap), LogFile.create(dir.resolve("stderr.log"), logCap));
        } catch (IOException e) {
            run.failBeforeSpawn("cannot create the service's log files under " + dir + ": " + e.getMessage());
            return record();
        }
        records.persist();
        Thread.ofVirtual().name("service-" + name).start(new ServiceLoop(name, spec, life, run, lookup, records::persist));
        life.awaitOutcome();
        return record();
    }

    /**
     * {@code service_stop}: SIGTERM to the group and every descendant, up to {@code graceMs} for all of them
     * to go, then SIGKILL to whatever is left. It ends the service for good: a pending restart is dropped.
     * A service that already ended keeps its record.
     */
    Reply.ServiceRecord stop(long graceMs) throws InterruptedException {
        ServiceLife.StopStart found = life.beginStop();
        if (found == ServiceLife.StopStart.SETTLED) {
            return record();
        }
        if (found == ServiceLife.StopStart.LIVE_PROCESS) {
            run.terminate(graceMs);
        }
        if (life.stopped()) {
            records.persist();
        }
        life.wakeUp();
        life.awaitFinished(10);
        return record();
    }

    /** Whether this service is in {@code condition} for a service that starts after it (yes, wait, never). */
    String meets(String condition) {
        return life.meets(condition);
    }

    /** The state as a dependency's failure names it: {@code starting (restart 2 at ...)}, {@code failed (exited)}. */
    String describeState() {
        return life.describe();
    }

    /** Stops capturing into this service's logs and kills what is left of its group (before a replace). */
    void retire() {
        LogFile o = life.stdout();
        LogFile e = life.stderr();
        if (o != null) {
            o.close();
        }
        if (e != null) {
            e.close();
        }
        run.killLeftovers();
    }

    /** A record left by an earlier agent process; a live process is re-attached, a gone one is marked. */
    static Service load(String name, Path dir, long logCap, Map<String, Object> rec)
            throws pyro.protocol.ProtocolException {
        return ServiceRecords.load(name, dir, logCap, rec);
    }
}
