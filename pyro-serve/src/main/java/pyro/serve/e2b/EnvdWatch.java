package pyro.serve.e2b;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;
import pyro.core.model.ExecResult;

/**
 * envd's {@code filesystem.Filesystem/WatchDir} by polling: the guest has no inotify channel to
 * this server, so every {@link #POLL_MS} one small guest command lists the folder ({@code find},
 * the whole tree when {@code recursive}) with each entry's type, size and modification time, and
 * the differences from the last listing go out as events: {@code EVENT_TYPE_CREATE} for a new
 * path, {@code EVENT_TYPE_WRITE} for a file whose size or time changed, {@code EVENT_TYPE_REMOVE}
 * for a path gone (a rename shows as a remove and a create). Names are relative to the watched
 * folder, as envd's are. Changes that come and go within one poll are not seen.
 */
final class EnvdWatch {
    static final long POLL_MS = 500;
    static final String FORMAT = "%y %s %T@ %P\\0";

    private final Sandboxes sandboxes;
    private final WatchStreams streams;

    /** The open watch streams by sandbox, so killing or pausing one ends them at once. */
    static final class WatchStreams {
        private final Map<ProcessEvents, String> open = new java.util.concurrent.ConcurrentHashMap<>();

        void add(ProcessEvents e, String sid) {
            open.put(e, sid);
        }

        void remove(ProcessEvents e) {
            open.remove(e);
        }

        void end(String sid, E2bError why) {
            open.forEach((e, s) -> {
                if (s.equals(sid)) {
                    e.finish(why);
                }
            });
        }
    }

    EnvdWatch(Sandboxes sandboxes, WatchStreams streams) {
        this.sandboxes = sandboxes;
        this.streams = streams;
    }

    int watch(HttpExchange ex, String sid) throws IOException {
        Map<String, Object> req = EnvdProcess.streamRequest(ex, "WatchDir");
        if (!(req.get("path") instanceof String path) || path.isEmpty()) {
            throw E2bError.invalid("path is required");
        }
        boolean recursive = Boolean.TRUE.equals(req.get("recursive"));
        String guest = GuestPaths.toGuest(path);
        String ws = sandboxes.running(sid);
        Map<String, String> last = listing(ws, guest, recursive, path); // a missing folder fails before the stream starts
        long ms = EnvdProcess.seconds(ex.getRequestHeaders().getFirst("Connect-Timeout-Ms")) * 1000;
        long deadline = System.nanoTime() + ms * 1_000_000;
        ProcessEvents events = new ProcessEvents(ex, false);
        events.open();
        streams.add(events, sid);
        long keepaliveEvery = keepaliveMs(ex.getRequestHeaders().getFirst("Keepalive-Ping-Interval"));
        long lastSent = System.nanoTime();
        try {
            events.startWatch();
            while (!events.awaitClosed(POLL_MS)) {
                if (System.nanoTime() > deadline) {
                    events.finish(null);
                    break;
                }
                Map<String, String> now;
                try {
                    now = listing(sandboxes.running(sid), guest, recursive, path);
                } catch (E2bError e) {
                    events.finish(e.status == 404 ? null : e); // the folder itself went: the watch ends
                    break;
                }
                for (String[] ev : differences(last, now)) {
                    events.filesystem(ev[0], ev[1]);
                    lastSent = System.nanoTime();
                }
                last = now;
                if (System.nanoTime() - lastSent > keepaliveEvery * 1_000_000) {
                    events.keepalive();
                    lastSent = System.nanoTime();
                }
            }
        } catch (UncheckedIOException gone) {
            // the client stopped watching
        } catch (PyroException e) {
            events.finish(E2bError.of(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.remove(events);
            events.close();
            ex.getResponseBody().close();
        }
        return 200;
    }

    private static long keepaliveMs(String seconds) {
        try {
            return seconds == null ? 50_000 : Math.max(1, Long.parseLong(seconds.strip())) * 1000;
        } catch (NumberFormatException e) {
            return 50_000;
        }
    }

    /** Relative path to "type size mtime" for everything under the folder. */
    private Map<String, String> listing(String ws, String guest, boolean recursive, String shown) {
        ExecResult r = sandboxes.pyro().execWorkspace(ws, List.of("sh", "-c",
                "[ -e \"$1\" ] || exit 3; [ -d \"$1\" ] || exit 4; find -H \"$1\" -mindepth 1 " + (recursive ? "" : "-maxdepth 1 ")
                        + "-printf '" + FORMAT + "'", "sh", guest), GuestPaths.WORKSPACE, 60);
        return switch (r.exitCode()) {
            case 0 -> parse(r.stdout());
            case 3 -> throw E2bError.notFound("path not found: " + shown);
            case 4 -> throw E2bError.invalid("path is not a directory: " + shown);
            default -> throw new E2bError(500, "internal", "listing " + shown + " failed (exit " + r.exitCode() + "): "
                    + r.stderr().strip());
        };
    }

    static Map<String, String> parse(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String rec : out.split("\0")) {
            String[] f = rec.split(" ", 4);
            if (f.length == 4) {
                m.put(f[3], f[0] + " " + f[1] + " " + f[2]);
            }
        }
        return m;
    }

    /** {name, envd event type} for each change from {@code before} to {@code after}: removes first, then creates and writes. */
    static List<String[]> differences(Map<String, String> before, Map<String, String> after) {
        List<String[]> out = new ArrayList<>();
        before.forEach((name, was) -> {
            if (!after.containsKey(name)) {
                out.add(new String[] {name, "EVENT_TYPE_REMOVE"});
            }
        });
        after.forEach((name, now) -> {
            String was = before.get(name);
            if (was == null) {
                out.add(new String[] {name, "EVENT_TYPE_CREATE"});
            } else if (!was.equals(now) && !now.startsWith("d")) {
                out.add(new String[] {name, "EVENT_TYPE_WRITE"});
            }
        });
        return out;
    }
}
