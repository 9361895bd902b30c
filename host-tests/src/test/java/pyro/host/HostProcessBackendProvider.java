package pyro.host;

import pyro.core.PyroConfig;
import pyro.core.spi.Backend;
import pyro.core.spi.BackendProvider;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.VmmControl;

/**
 * {@link HostProcessBackend} as a provider, so the supervisor of a host-process VM finds its control
 * calls the way it finds QEMU's: by the backend's name in launch.json. Never chosen automatically
 * (not {@link #available()}): tests ask for it. Like a backend without memory snapshots it refuses
 * saves, unless a test turned the stand-in control on for one VM.
 */
public final class HostProcessBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "host-process";
    }

    @Override
    public boolean available() {
        return false;
    }

    @Override
    public String unavailableReason() {
        return "the host-process backend is for tests only";
    }

    @Override
    public Backend create(PyroConfig config) {
        return new HostProcessBackend();
    }

    /**
     * The stand-in control for VMs whose test asked for it ({@link StandInVmmControl#ENABLE} in the
     * instance folder); otherwise what any backend without machine saves gives: a refusal.
     */
    @Override
    public VmmControl control(LaunchPlan plan, InstancePaths paths) {
        return java.nio.file.Files.exists(paths.dir().resolve(StandInVmmControl.ENABLE)) ? new StandInVmmControl(paths)
                : BackendProvider.super.control(plan, paths);
    }
}
