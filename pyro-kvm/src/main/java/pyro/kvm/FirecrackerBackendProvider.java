package pyro.kvm;

import pyro.core.PyroConfig;
import pyro.core.PyroException;
import pyro.core.spi.Backend;
import pyro.core.spi.BackendProvider;

/**
 * Firecracker, for hosts with its binary and hardware KVM, once the backend exists. Until then it
 * is never available, so automatic selection never picks it (it used to report itself available
 * wherever a firecracker binary and KVM existed, and then failed in {@link #create}), and asking
 * for it by name ({@code PYRO_BACKEND=firecracker}) says so in one sentence.
 */
public final class FirecrackerBackendProvider implements BackendProvider {
    static final String NOT_BUILT = "the firecracker backend is not part of this build yet";

    @Override
    public String name() {
        return "firecracker";
    }

    @Override
    public boolean available() {
        return false;
    }

    @Override
    public String unavailableReason() {
        return NOT_BUILT;
    }

    @Override
    public Backend create(PyroConfig config) {
        throw PyroException.host(NOT_BUILT + ": leave PYRO_BACKEND unset (or set it to qemu) to use the qemu backend.");
    }
}
