package pyro.kvm;

import java.nio.file.Path;
import java.util.List;
import pyro.core.PyroConfig;
import pyro.core.spi.Backend;
import pyro.core.spi.BackendProvider;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.VmmControl;
import pyro.kvm.firecracker.FirecrackerBackend;

/**
 * Firecracker, for hosts with its binary and hardware KVM (kvm_intel or kvm_amd: PVM's /dev/kvm does
 * not run stock guest kernels). Available only there, so automatic selection picks it only where
 * it can run; asked for by name elsewhere ({@code PYRO_BACKEND=firecracker}), it is created, and its
 * first use says what is missing in one sentence.
 */
public final class FirecrackerBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "firecracker";
    }

    /** What keeps Firecracker from running on this host (empty: nothing). */
    static List<String> problems() {
        return problems(HostProbe.which("firecracker"), HostProbe.accel());
    }

    static List<String> problems(Path firecracker, HostProbe.Accel accel) {
        return FirecrackerBackend.problemsOf(firecracker, accel);
    }

    @Override
    public boolean available() {
        return problems().isEmpty();
    }

    @Override
    public String unavailableReason() {
        List<String> p = problems();
        return p.isEmpty() ? null : String.join("; ", p);
    }

    @Override
    public Backend create(PyroConfig config) {
        return new FirecrackerBackend(config);
    }

    @Override
    public VmmControl control(LaunchPlan plan, InstancePaths paths) {
        return FirecrackerBackend.control(plan, paths);
    }
}
