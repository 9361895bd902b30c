package pyro.agent.service;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import pyro.agent.cgroup.Cgroups;
import pyro.protocol.Messages;
import pyro.protocol.ProtocolException;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServiceState;

/**
 * One service's {@code service.json}: written atomically on every change, and read back by a later agent
 * process, which re-attaches a run whose process is still the one the record names (it is watched, not
 * restarted, and its output is no longer captured) and marks any other failed, killing what is left of it.
 */
final class ServiceRecords {
    private final String name;
    private final Path dir;
    private final Supplier<Map<String, Object>> record;

    ServiceRecords(String name, Path dir, Supplier<Map<String, Object>> record) {
        this.name = name;
        this.dir = dir;
        this.record = record;
    }

    /** Writes {@code service.json} atomically (temp file + rename); never fails the caller. */
    synchronized void persist() {
        Map<String, Object> m = record.get();
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

    /**
     * A record left by an earlier agent process; a live process is re-attached, a gone one is marked. A file
     * that is not a service's record (a field of the wrong type) is refused naming the field.
     */
    static Service load(String name, Path dir, long logCap, Map<String, Object> file) throws ProtocolException {
        long outStart = 0;
        long errStart = 0;
        if (file.get("log_offsets") instanceof Map<?, ?> lo) {
            outStart = lo.get("stdout_start") instanceof Number n ? n.longValue() : 0;
            errStart = lo.get("stderr_start") instanceof Number n ? n.longValue() : 0;
        }
        Reply.ServiceRecord rec = Messages.fromFields(Reply.ServiceRecord.class, file, "service.json");
        ServiceStatus status = ServiceStatus.restore(rec);
        Service s = new Service(name, dir, status, ServiceStatus.restoreSpec(rec),
                LogFile.existing(dir.resolve("stdout.log"), logCap, outStart),
                LogFile.existing(dir.resolve("stderr.log"), logCap, errStart));
        if (!s.life.over()) { // its run may still be going
            reattach(s, status.startedAt());
        }
        return s;
    }

    private static void reattach(Service s, String startedAt) {
        ServiceLife life = s.life;
        long pid = life.pid();
        Optional<ProcessHandle> h = pid > 1 ? ProcessHandle.of(pid) : Optional.empty();
        boolean same = h.isPresent() && h.get().isAlive() && !ServiceRun.zombie(pid) && sameStart(h.get(), startedAt);
        if (same && life.state() == ServiceState.RUNNING) {
            s.run.watch(h.get(), life.reattached(h.get(), "re-attached after an agent restart: output after the restart"
                    + " is not captured" + (s.recorded.restart() == Request.Restart.NO ? "" : ", and it is not restarted again")));
            s.records.persist();
            return;
        }
        if (same) {
            ProcessGroup.signal(pid, List.of(h.get()), true);
        }
        Cgroups.current().retire(Service.cgroup(s.name)); // whatever is left of it, a daemon of a gone service included
        life.lost(same, same ? "the agent restarted before readiness was decided; the service was killed"
                : "the process ended while the agent was not running; its exit status is unknown");
        s.records.persist();
    }

    private static boolean sameStart(ProcessHandle h, String startedAt) {
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
