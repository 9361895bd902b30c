package pyro.kvm;

import pyro.core.PyroConfig;
import pyro.core.spi.Backend;
import pyro.core.spi.BackendProvider;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.VmmControl;
import pyro.kvm.qemu.QemuBackend;

/** QEMU: the default backend, KVM or TCG. */
public final class QemuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public boolean available() {
        return HostProbe.which("qemu-system-x86_64") != null;
    }

    @Override
    public String unavailableReason() {
        return available() ? null : "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)";
    }

    @Override
    public Backend create(PyroConfig config) {
        return new QemuBackend(config);
    }

    @Override
    public VmmControl control(LaunchPlan plan, InstancePaths paths) {
        return QemuBackend.control(plan, paths);
    }
}
