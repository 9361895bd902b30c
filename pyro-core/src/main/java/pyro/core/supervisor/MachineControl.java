package pyro.core.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import pyro.core.internal.Files2;
import pyro.core.internal.StateStore;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.VmmControl;
import pyro.protocol.ErrorCode;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * Whether the guest runs, and the one caller of the VMM's {@link VmmControl}: the supervisor's
 * answer to {@link Request.VmPause}, {@link Request.VmResume} and {@link Request.VmSave}. One control
 * sequence runs at a time. While the guest is paused or being saved, requests for the agent wait
 * ({@link #awaitRunning}) and the TTL does not expire the VM ({@link #busy}). A save runs on a thread
 * of its own, not the asking client's: it finishes, or is rolled back with the guest running again,
 * whatever becomes of that client, and a stop's save records the VM stopped before it ends it. A
 * pause lasts only as long as the connection that asked for it.
 */
final class MachineControl {
    /** How long saving a running machine may take (its memory streamed to a file) before it is rolled back. */
    static final long SAVE_LIMIT_MS = 300_000;
    /** The record's note while a save has the guest paused (its state stays started: the save ends either way). */
    static final String SAVING_NOTE = "saving: the guest is paused while its whole machine is written to disk";

    /** The guest's run state as the supervisor, its only controller, knows it. */
    enum Run {
        RUNNING("running"), PAUSED("paused"), SAVING("saving");

        final String wire;

        Run(String wire) {
            this.wire = wire;
        }
    }

    /** What the supervisor does to end the VM once a stop's save is recorded. */
    interface Ending {
        /** Ends the VMM (a purposeful stop, not a failure). */
        void stopVm();

        /** Lets the supervisor exit (after the reply had its chance to go out). */
        void end();

        /** The VM failed (a save that can neither resume nor roll back). */
        void fail(String reason);
    }

    private final Supplier<VmmControl> control;
    private final StateStore store;
    private final String instanceId;
    private final InstancePaths paths;
    private final Path instancesRoot;
    private final Ending ending;
    private final ReentrantLock op = new ReentrantLock();
    private final Object gate = new Object();
    private volatile Run run = Run.RUNNING;
    private volatile Object pausedBy;
    private volatile boolean ended;

    MachineControl(Supplier<VmmControl> control, StateStore store, String instanceId, InstancePaths paths,
            Ending ending) {
        this.control = control;
        this.store = store;
        this.instanceId = instanceId;
        this.paths = paths;
        this.instancesRoot = store.root().toAbsolutePath().normalize();
        this.ending = ending;
    }

    Run run() {
        return run;
    }

    /** True while the guest is paused or being saved: the TTL waits, requests for the agent wait. */
    boolean busy() {
        return run != Run.RUNNING;
    }

    /**
     * As {@link #awaitRunning()} for a client's request; false at once when that client's own
     * connection paused the guest (it would wait for itself).
     */
    boolean awaitRunning(Object conn) {
        if (pausedBy == conn && run == Run.PAUSED) {
            return false;
        }
        awaitRunning();
        return true;
    }

    /** Waits while the guest is paused or being saved (returns at once when the VM has ended). */
    void awaitRunning() {
        synchronized (gate) {
            while (run != Run.RUNNING && !ended) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The VM ended (stopped, failed): nothing waits for it to run again. */
    void ended() {
        ended = true;
        synchronized (gate) {
            gate.notifyAll();
        }
    }

    private void set(Run next) {
        synchronized (gate) {
            run = next;
            gate.notifyAll();
        }
    }

    Reply pause(Object owner) {
        op.lock();
        try {
            if (run == Run.RUNNING) {
                control.get().pause();
                set(Run.PAUSED);
                pausedBy = owner;
                Supervisor.log("guest paused by a client");
            }
            return new Reply.VmControlResult(run.wire);
        } catch (UnsupportedOperationException e) {
            return new Reply.Error(ErrorCode.HOST_UNSUPPORTED, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new Reply.Error(ErrorCode.GUEST_FAILURE, "cannot pause " + instanceId + ": " + e.getMessage());
        } finally {
            op.unlock();
        }
    }

    Reply resume() {
        op.lock();
        try {
            if (run == Run.PAUSED) {
                control.get().resume();
                pausedBy = null;
                set(Run.RUNNING);
                Supervisor.log("guest resumed");
            }
            return new Reply.VmControlResult(run.wire);
        } catch (UnsupportedOperationException e) {
            return new Reply.Error(ErrorCode.HOST_UNSUPPORTED, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new Reply.Error(ErrorCode.GUEST_FAILURE, "cannot resume " + instanceId + ": " + e.getMessage());
        } finally {
            op.unlock();
        }
    }

    /** A client connection closed: if it had paused the guest, the guest runs again. */
    void closed(Object conn) {
        if (pausedBy == conn && run == Run.PAUSED) {
            Supervisor.log("the client that paused the guest went away: resuming it");
            resume();
        }
    }

    /**
     * Starts the save on a thread of its own and returns its answer: a bad folder is refused at once,
     * naming it; otherwise the save runs to its end (or is rolled back) even if nobody waits for it.
     */
    CompletableFuture<Reply> save(Request.VmSave req) {
        Path dir;
        try {
            dir = folder(req.dir(), Boolean.TRUE.equals(req.stop()));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Reply.Error(ErrorCode.INVALID_INPUT, e.getMessage()));
        }
        CompletableFuture<Reply> answer = new CompletableFuture<>();
        Thread.ofPlatform().name("save").start(() -> {
            try {
                answer.complete(saveNow(dir, Boolean.TRUE.equals(req.stop())));
            } catch (Throwable t) {
                answer.complete(new Reply.Error(ErrorCode.GUEST_FAILURE, "the save of " + instanceId + " failed: " + t));
            }
        });
        return answer;
    }

    /** The folder a save may write: absolute, inside pyro's instances folder, not there yet (a stop's: this VM's own). */
    private Path folder(String dir, boolean stop) {
        Path p;
        try {
            p = dir == null ? null : Path.of(dir);
        } catch (java.nio.file.InvalidPathException e) {
            p = null;
        }
        if (p == null || !p.isAbsolute() || !p.normalize().equals(p) || !p.startsWith(instancesRoot)
                || p.equals(instancesRoot)) {
            throw new IllegalArgumentException("a save goes into a new folder inside " + instancesRoot + ", not '" + dir + "'");
        }
        if (stop && !paths.dir().toAbsolutePath().normalize().equals(p.getParent())) {
            throw new IllegalArgumentException("a stop saves into a folder of " + instanceId + "'s own, not '" + dir + "'");
        }
        if (Files.exists(p)) {
            throw new IllegalArgumentException("the save's folder '" + dir + "' exists already");
        }
        return p;
    }

    private Reply saveNow(Path dir, boolean stop) {
        op.lock();
        try {
            if (ended) {
                return new Reply.Error(ErrorCode.GUEST_FAILURE, instanceId + " has ended: there is no machine to save");
            }
            if (run == Run.PAUSED) {
                return new Reply.Error(ErrorCode.CONFLICT, instanceId + " is paused by a client: resume it before saving");
            }
            if (Files.exists(dir)) {
                return new Reply.Error(ErrorCode.CONFLICT, "the save's folder " + dir + " exists already");
            }
            Path tmp = InstancePaths.partialOf(dir);
            long t0 = System.nanoTime();
            set(Run.SAVING);
            note(true);
            Supervisor.log("saving the machine into " + dir + (stop ? " to stop" : ""));
            long bytes;
            try {
                Files2.deleteTree(tmp); // what a save that died with its supervisor left
                Files.createDirectories(tmp.getParent());
                Files2.privateDir(tmp);
                control.get().save(tmp, SAVE_LIMIT_MS);
                bytes = privateFiles(tmp);
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                deleteQuietly(tmp);
                String rolled = rollBack();
                Supervisor.log("save failed: " + e.getMessage() + "; " + rolled);
                return e instanceof UnsupportedOperationException
                        ? new Reply.Error(ErrorCode.HOST_UNSUPPORTED, e.getMessage())
                        : new Reply.Error(ErrorCode.GUEST_FAILURE, "saving the running machine of " + instanceId
                                + " failed: " + e.getMessage() + ".");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Supervisor.log("saved " + bytes + " bytes in " + ms + " ms");
            if (stop) {
                // recorded first: a supervisor killed now leaves a record a start can resume
                String at = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
                store.update(instanceId, i -> i.suspend(paths.dir().toAbsolutePath().normalize().relativize(dir)
                        .toString(), at));
                ended();
                ending.stopVm();
                Thread.ofPlatform().daemon().start(() -> {
                    sleep(3_000); // the asking client's reply goes out first; then the supervisor ends anyway
                    ending.end();
                });
                return new Reply.VmSaveResult(bytes, ms);
            }
            try {
                control.get().resume();
                set(Run.RUNNING);
                note(false);
            } catch (IOException e) {
                String rolled = rollBack();
                if (run != Run.RUNNING) {
                    ending.fail("the guest could not be resumed after a save: " + e.getMessage());
                }
                Supervisor.log("resume after the save failed: " + e.getMessage() + "; " + rolled);
            }
            return new Reply.VmSaveResult(bytes, ms);
        } finally {
            op.unlock();
        }
    }

    /** Undoes a failed save; says what it did, for the log. The guest runs afterwards unless the VMM is gone. */
    private String rollBack() {
        String what;
        try {
            what = control.get().rollBack() ? "the guest runs again" : "the guest was not stopped";
            set(Run.RUNNING);
        } catch (IOException | RuntimeException e) {
            what = "rolling back failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            what = "interrupted while rolling back";
        }
        note(false);
        return what;
    }

    /** Writes or clears the record's note that the guest is paused for a save. */
    private void note(boolean saving) {
        store.update(instanceId, i -> saving
                ? "started".equals(i.state()) ? i.set("state_reason", SAVING_NOTE) : i
                : SAVING_NOTE.equals(i.stateReason()) ? i.set("state_reason", null) : i);
    }

    /** Makes every file of the saved folder its user's alone and returns the bytes they take. */
    private static long privateFiles(Path dir) throws IOException {
        long bytes = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
                    bytes += Files.size(f);
                }
            }
        }
        return bytes;
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files2.deleteTree(dir);
        } catch (IOException ignored) {
            // a hidden leftover is never read, and the next save clears it
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
