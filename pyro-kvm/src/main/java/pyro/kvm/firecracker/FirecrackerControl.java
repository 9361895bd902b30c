package pyro.kvm.firecracker;

import java.io.IOException;
import java.nio.file.Path;
import pyro.core.internal.UnixHttp;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.VmmControl;

/**
 * A running Firecracker's control calls, on its API socket (the plan's {@code apiSocket}), made
 * inside the VM's supervisor: {@code PATCH /vm} to pause and resume, and a save that pauses the VM,
 * writes Firecracker's full snapshot (device state and memory) and copies the overlay disk while it
 * is paused, so disk and page cache agree.
 */
final class FirecrackerControl implements VmmControl {
    private final Path api;
    private final Path overlay;

    FirecrackerControl(Path api, Path overlay) {
        this.api = api;
        this.overlay = overlay;
    }

    @Override
    public void pause() throws IOException {
        call(api, FirecrackerApi.vmState(true), FirecrackerBackend.API_TIMEOUT_MS);
    }

    @Override
    public void resume() throws IOException {
        call(api, FirecrackerApi.vmState(false), FirecrackerBackend.API_TIMEOUT_MS);
    }

    @Override
    public void save(Path dir, long timeoutMs) throws IOException {
        pause();
        call(api, FirecrackerApi.snapshotCreate(dir.resolve(FirecrackerBackend.STATE_FILE),
                dir.resolve(FirecrackerBackend.MEMORY_FILE)), timeoutMs);
        try {
            FirecrackerBackend.copySparse(overlay, dir.resolve(FirecrackerBackend.DISK_FILE));
        } catch (RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Firecracker has no save to cancel once {@code /snapshot/create} has answered: resuming is the rollback. */
    @Override
    public boolean rollBack() throws IOException {
        resume();
        return true;
    }

    /** One API request; an answer other than 2xx is an IOException with Firecracker's fault_message. */
    static void call(Path api, LaunchPlan.ApiCall c, long timeoutMs) throws IOException {
        UnixHttp.Response r = UnixHttp.call(api, c.method(), c.path(), c.body(), timeoutMs);
        if (!r.ok()) {
            String fault = r.body();
            try {
                Object m = pyro.core.internal.Json.readMap(r.body()).get("fault_message");
                if (m != null) {
                    fault = m.toString();
                }
            } catch (RuntimeException ignored) {
                // not JSON: quote it as it is
            }
            throw new IOException("Firecracker refused " + c.method() + " " + c.path() + " (HTTP " + r.status() + "): "
                    + fault.strip());
        }
    }
}
