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
 * (not {@link #available()}): tests ask for it.
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

    @Override
    public VmmControl control(LaunchPlan plan, InstancePaths paths) {
        return new StandInVmmControl(paths);
    }
}
