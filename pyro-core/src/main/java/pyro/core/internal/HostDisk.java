package pyro.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host disk that holds a VM's state (its disk overlay, saves, records). When it is full, the guest's
 * disk writes fail with an I/O error (QEMU reports them to the guest instead of pausing it) and pyro's
 * own writes fail: the records say so in those words instead of blaming the guest.
 */
public final class HostDisk {
    /** Below this much free space the disk counts as full: a record, a log line or a guest write may not fit. */
    public static final long FULL_BELOW_BYTES = 64L << 20;

    private HostDisk() {}

    /**
     * Refuses a save of {@code what}'s machine (about {@code needBytes}: its memory and its disk) into
     * a folder under {@code parent} when the disk cannot hold it, before the guest is paused: a full
     * disk mid-save costs the save and says only that the migration failed.
     */
    public static void requireRoomForSave(Path parent, long needBytes, String what) {
        long free;
        try {
            free = Files.getFileStore(parent).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return; // the save itself will say what is wrong with the folder
        }
        if (free < needBytes + FULL_BELOW_BYTES) {
            throw pyro.core.PyroException.host("saving " + what + "'s machine needs about " + (needBytes >> 20)
                    + " MiB (its memory and disk) but the disk holding " + parent + " has " + (free >> 20)
                    + " MiB free: free space, or delete snapshots (pyro workspace snapshot delete).");
        }
    }

    /** A file's size on disk, 0 when it cannot be read. */
    public static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** A state reason when the disk holding {@code dir} is (nearly) full, or null. */
    public static String fullNote(Path dir) {
        try {
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free >= FULL_BELOW_BYTES) {
                return null;
            }
            return "host disk full: " + (free >> 20) + " MiB free on the disk holding " + dir
                    + "; the guest's disk writes fail until space is freed";
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
