package pyro.core.spi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The control calls of one running VMM: what pauses, saves and resumes its guest (QEMU's monitor,
 * Firecracker's API). A backend makes one from the {@link LaunchPlan} it wrote
 * ({@link BackendProvider#control}); only that VM's supervisor holds it and calls it, one call at a
 * time, so no client process ever opens a VMM's control socket and the supervisor always knows
 * whether its guest runs. The supervisor decides when to call what: it holds the agent's requests
 * meanwhile, keeps the TTL from expiring a VM mid-save, resumes the guest after a save that failed,
 * and moves the finished folder into place.
 *
 * <p>A VMM that cannot do what is asked (a device that cannot be migrated, say) throws
 * {@link UnsupportedOperationException} with one sentence for the user, before it touches the guest.
 */
public interface VmmControl {
    /** Stops the guest's vCPUs; the VM keeps its memory and devices. */
    void pause() throws IOException;

    /** Runs the guest again (after {@link #pause}, or after a {@link #save} left it paused). */
    void resume() throws IOException;

    /**
     * Writes the whole machine (memory, device state, and the disk as of the same instant) into
     * {@code dir}, an empty private folder, in the files the backend's own restore plan reads back.
     * When it returns the guest is paused; the supervisor then resumes or ends it. Gives up after
     * {@code timeoutMs}.
     */
    void save(Path dir, long timeoutMs) throws IOException, InterruptedException;

    /**
     * After a save that failed half-way (or a pause nobody ended): cancels what is still under way and
     * runs the guest again. True when the guest was found stopped and runs again.
     */
    boolean rollBack() throws IOException, InterruptedException;

    /** A VMM that cannot be paused or saved: every call fails with {@code why}. */
    static VmmControl unsupported(String why) {
        return new VmmControl() {
            @Override
            public void pause() {
                throw new UnsupportedOperationException(why);
            }

            @Override
            public void resume() {
                throw new UnsupportedOperationException(why);
            }

            @Override
            public void save(Path dir, long timeoutMs) {
                throw new UnsupportedOperationException(why);
            }

            @Override
            public boolean rollBack() {
                return false;
            }
        };
    }
}
