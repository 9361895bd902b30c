package pyro.kvm;

import pyro.core.PyroConfig;
import pyro.core.PyroException;
import pyro.core.spi.Backend;
import pyro.core.spi.BackendProvider;

/**
 * Firecracker, for hosts with its binary and hardware KVM. It is chosen automatically only there;
 * elsewhere asking for it by name explains why it cannot run.
 */
public final class FirecrackerBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "firecracker";
    }

    @Override
    public boolean available() {
        return HostProbe.which("firecracker") != null && "kvm".equals(HostProbe.accel().accel());
    }

    @Override
    public Backend create(PyroConfig config) {
        if (!available()) {
            throw PyroException.host("the firecracker backend needs a firecracker binary on PATH and hardware KVM; "
                    + HostProbe.accel().reason() + ".");
        }
        throw PyroException.host("the firecracker backend is not part of this build yet: use the qemu backend.");
    }
}
