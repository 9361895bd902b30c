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
