package pyro.serve.e2b;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The envd processes this server runs, by sandbox and real guest PID, each with the streams that
 * watch it (the {@code Start} call's, and any {@code Connect}'s). Output goes to every watcher as
 * it arrives; a watcher whose client went away is dropped and the process runs on. When the
 * sandbox is killed every watcher ends at once. A pause is refused while processes run (see
 * ControlPlane); one that still runs at a pause has its watchers ended and is kept as
 * <em>detached</em>: listed, killable, its output no longer reaching this server.
 */
final class Processes {
    /** One process. Methods that write to watchers hold its lock, so a watcher's start comes first. */
    static final class Proc {
        final String sandboxId;
        final Map<String, Object> config;
        final String tag;
        final boolean stdin;
        private final List<ProcessEvents> watchers = new CopyOnWriteArrayList<>();
        volatile int pid;
        volatile int wrapperPid;
        volatile String signalled;
        volatile boolean stdinClosed;
        volatile boolean detached;
        private boolean ended;

        Proc(String sandboxId, Map<String, Object> config, String tag, boolean stdin) {
            this.sandboxId = sandboxId;
            this.config = config;
            this.tag = tag;
            this.stdin = stdin;
        }

        /** {@code ProcessInfo} in proto3 JSON. */
        Map<String, Object> info() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("config", config);
            m.put("pid", pid);
            if (tag != null) {
                m.put("tag", tag);
            }
            return m;
        }

        /** Adds a watcher and sends it the start event; false when the process has already ended. */
        synchronized boolean watch(ProcessEvents events) {
            if (ended) {
                return false;
            }
            events.start(pid);
            watchers.add(events);
            return true;
        }

        synchronized void data(boolean stderr, byte[] chunk) {
            for (ProcessEvents w : watchers) {
                try {
                    w.data(stderr, chunk);
                } catch (UncheckedIOException gone) {
                    watchers.remove(w);
                }
            }
        }

        synchronized void keepalive(ProcessEvents w) {
            w.keepalive();
        }

        /** The process ended: every watcher gets the end event and the end of its stream. */
        synchronized void end(int exitCode, boolean exited, String status) {
            ended = true;
            for (ProcessEvents w : watchers) {
                try {
                    w.end(exitCode, exited, status);
                } catch (UncheckedIOException gone) {
                    // that client left
                }
                w.finish(null);
            }
            watchers.clear();
        }

        /** Every watcher's stream ends with {@code error}; {@code over} marks the process ended too. */
        synchronized void fail(E2bError error, boolean over) {
            ended |= over;
            for (ProcessEvents w : watchers) {
                w.finish(error);
            }
            watchers.clear();
        }

        synchronized boolean ended() {
            return ended;
        }
    }

    private final Map<String, Proc> procs = new ConcurrentHashMap<>();

    private static String key(String sandboxId, int pid) {
        return sandboxId + "/" + pid;
    }

    void add(Proc p) {
        procs.put(key(p.sandboxId, p.pid), p);
    }

    void remove(Proc p) {
        procs.remove(key(p.sandboxId, p.pid), p);
    }

    /** The process a {@code ProcessSelector} names ({@code pid} or {@code tag}), or a not_found naming it. */
    Proc find(String sandboxId, Map<String, Object> selector) {
        if (selector.get("pid") instanceof Number n) {
            Proc p = procs.get(key(sandboxId, n.intValue()));
            if (p == null) {
                throw E2bError.notFound("process with pid " + n.intValue() + " not found");
            }
            return p;
        }
        if (selector.get("tag") instanceof String tag) {
            for (Proc p : procs.values()) {
                if (p.sandboxId.equals(sandboxId) && tag.equals(p.tag)) {
                    return p;
                }
            }
            throw E2bError.notFound("process with tag " + tag + " not found");
        }
        throw E2bError.invalid("process.pid or process.tag is required");
    }

    /** The sandbox's processes, by PID. */
    List<Proc> of(String sandboxId) {
        List<Proc> out = new ArrayList<>();
        for (Proc p : procs.values()) {
            if (p.sandboxId.equals(sandboxId)) {
                out.add(p);
            }
        }
        out.sort((a, b) -> Integer.compare(a.pid, b.pid));
        return out;
    }

    /** The sandbox was killed: every stream of its processes ends now, and they are forgotten. */
    void killed(String sandboxId) {
        for (Proc p : of(sandboxId)) {
            p.fail(E2bError.sandboxGone(sandboxId, "was killed"), true);
            remove(p);
        }
    }

    /** The sandbox was paused: every stream ends now; the processes stay listed, detached. */
    void paused(String sandboxId) {
        for (Proc p : of(sandboxId)) {
            p.detached = true;
            p.fail(E2bError.sandboxGone(sandboxId, "was paused: its processes run on after Sandbox.connect(), "
                    + "but their output is no longer streamed"), false);
        }
    }
}
