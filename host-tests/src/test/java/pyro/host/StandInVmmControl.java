package pyro.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.VmmControl;

/**
 * The control calls of a host-process "VM", standing in for QEMU's monitor (which needs a guest):
 * a pause is SIGSTOP to the agent's process, a resume SIGCONT, and a save stops it and writes a
 * {@code memory.bin} naming it (there is no memory to stream). What a test sets in the instance
 * folder shapes the save: {@code save-delay-ms} makes it last that long (a client can be killed
 * meanwhile), {@code save-fails} makes it fail after the pause. Every call is appended to
 * {@code control.log} once it is done, so a test sees what the supervisor did and in what order.
 */
final class StandInVmmControl implements VmmControl {
    /** In the instance folder before the VM's first pause or save: the supervisor uses this stand-in. */
    static final String ENABLE = "stand-in-control";
    static final String LOG = "control.log";
    static final String DELAY = "save-delay-ms";
    static final String FAILS = "save-fails";
    private final InstancePaths paths;

    StandInVmmControl(InstancePaths paths) {
        this.paths = paths;
    }

    private long pid() throws IOException {
        return Long.parseLong(Files.readString(paths.vmmPid()).trim());
    }

    private void log(String what) throws IOException {
        Files.writeString(paths.dir().resolve(LOG), Instant.now() + " " + what + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private void signal(String sig) throws IOException {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig, String.valueOf(pid())).start();
            if (p.waitFor() != 0) {
                throw new IOException("kill -" + sig + " " + pid() + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Whether the agent's process is stopped (state T in /proc/PID/stat). */
    static boolean stopped(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void pause() throws IOException {
        signal("STOP");
        log("pause");
    }

    @Override
    public void resume() throws IOException {
        signal("CONT");
        log("resume");
    }

    @Override
    public void save(Path dir, long timeoutMs) throws IOException, InterruptedException {
        signal("STOP");
        log("save " + dir.getFileName());
        Path delay = paths.dir().resolve(DELAY);
        if (Files.exists(delay)) {
            Thread.sleep(Long.parseLong(Files.readString(delay).trim()));
        }
        if (Files.exists(paths.dir().resolve(FAILS))) {
            throw new IOException("the stand-in was told to fail the save");
        }
        Files.writeString(dir.resolve("memory.bin"), "the agent process " + pid() + "\n");
        log("saved " + dir.getFileName());
    }

    @Override
    public boolean rollBack() throws IOException {
        boolean was = stopped(pid());
        signal("CONT");
        log("rollback");
        return was;
    }
}
