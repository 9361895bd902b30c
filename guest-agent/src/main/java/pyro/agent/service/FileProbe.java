package pyro.agent.service;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import pyro.protocol.Request;

/**
 * Ready once a file exists. Besides the interval tick it watches the nearest existing ancestor directory
 * of the file with a {@link WatchService} (inotify on Linux), so readiness is seen the moment the file
 * appears; the watch moves down as missing parent directories are created.
 */
record FileProbe(String path, Path file) implements Probe {
    @Override
    public Request.Probe describe(long timeoutMs, long intervalMs) {
        return new Request.Probe(Request.ProbeType.FILE, path, null, null, null, null, timeoutMs, intervalMs);
    }

    @Override
    public String check(long timeoutMs) {
        return Files.exists(file) ? null : "file " + file + " does not exist yet";
    }

    /** A restarted run must make the file again: the one the previous run left does not count. */
    @Override
    public void reset() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a folder or no permission: the check then sees what is there
        }
    }

    @Override
    public AutoCloseable arm(Runnable wake) {
        WatchService ws;
        try {
            ws = FileSystems.getDefault().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            return () -> {}; // the interval tick still works
        }
        Thread t = Thread.ofVirtual().name("file-probe-" + file.getFileName()).start(() -> watch(ws, wake));
        return () -> {
            ws.close();
            t.interrupt();
        };
    }

    private void watch(WatchService ws, Runnable wake) {
        WatchKey key = null;
        Path watched = null;
        try {
            while (true) {
                Path dir = nearestExistingDirectory(file.getParent());
                if (dir != null && !dir.equals(watched)) {
                    if (key != null) {
                        key.cancel();
                    }
                    try {
                        key = dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE,
                                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
                        watched = dir;
                    } catch (IOException e) {
                        key = null;
                        watched = null;
                    }
                    wake.run(); // the file may have appeared while we were registering
                }
                WatchKey k = ws.take();
                k.pollEvents();
                k.reset();
                wake.run();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // probe finished
        }
    }

    private static Path nearestExistingDirectory(Path p) {
        while (p != null && !Files.isDirectory(p)) {
            p = p.getParent();
        }
        return p;
    }
}
