package pyro.kvm.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.VmmControl;

/**
 * A running QEMU's control calls, on its QMP monitor ({@code qmp.sock}), made inside the VM's
 * supervisor from the plan {@link QemuBackend} wrote. A save is a live migration to
 * {@code memory.bin} (QEMU pauses the guest itself for the last pass, and the stream records it as
 * running, so a restore runs on at once; a stream of a stopped guest would restore paused), then a
 * copy of the disk overlay to {@code disk.qcow2} while the guest is still paused, so disk and page
 * cache agree. A plan whose agent channel is vsock cannot be saved: QEMU 7.2 refuses to migrate a
 * vhost-user-vsock device.
 */
final class QemuControl implements VmmControl {
    private final InstancePaths paths;
    private final LaunchPlan plan;

    QemuControl(InstancePaths paths, LaunchPlan plan) {
        this.paths = paths;
        this.plan = plan;
    }

    @Override
    public void pause() throws IOException {
        try (Qmp q = Qmp.connect(paths.qmpSocket())) {
            q.execute("stop", null);
        }
    }

    @Override
    public void resume() throws IOException {
        try (Qmp q = Qmp.connect(paths.qmpSocket())) {
            q.execute("cont", null);
        }
    }

    @Override
    public void save(Path dir, long timeoutMs) throws IOException, InterruptedException {
        if (LaunchPlan.AgentChannel.VSOCK.equals(plan.channel().name())) {
            throw new UnsupportedOperationException(paths.dir().getFileName() + " talks to its agent over vsock, and"
                    + " QEMU 7.2 cannot save a machine with a vhost-user-vsock device (snapshots, stop/start and fork"
                    + " need it): create the workspace with PYRO_CHANNEL unset (virtio-serial) to use them.");
        }
        try (Qmp q = Qmp.connect(paths.qmpSocket())) {
            q.migrateTo(dir.resolve(QemuBackend.MACHINE_MEMORY), timeoutMs);
            Files.copy(paths.overlay(), dir.resolve(QemuBackend.MACHINE_DISK));
        }
    }

    @Override
    public boolean rollBack() throws IOException, InterruptedException {
        try (Qmp q = Qmp.connect(paths.qmpSocket())) {
            return q.rollBackInterruptedSave();
        }
    }
}
