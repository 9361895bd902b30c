package pyro.core.supervisor;

import java.util.ServiceLoader;
import java.util.function.Supplier;
import pyro.core.spi.BackendProvider;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.VmmControl;

/**
 * Finds the running VM's control calls: the {@link BackendProvider} named in {@code launch.json}
 * makes them from the typed plan, once, when a client first asks for a pause or a save (a boot never
 * pays for it). A backend not installed where the supervisor runs gives a control that refuses,
 * naming it.
 */
final class Controls {
    private Controls() {}

    static Supplier<VmmControl> memoized(LaunchFile launch, InstancePaths paths) {
        return new Supplier<>() {
            private VmmControl made;

            @Override
            public synchronized VmmControl get() {
                if (made == null) {
                    made = make(launch, paths);
                }
                return made;
            }
        };
    }

    static VmmControl make(LaunchFile launch, InstancePaths paths) {
        String name = launch.backend();
        if (name == null) {
            return VmmControl.unsupported("this VM's launch file names no backend to save it with (it was started by an"
                    + " older pyro): stop and start it with this one");
        }
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equals(name)) {
                Supervisor.log("control calls of the " + name + " backend");
                return p.control(launch.plan(), paths);
            }
        }
        return VmmControl.unsupported("the " + name + " backend cannot save a running machine here (none of that name"
                + " is installed where its supervisor runs)");
    }
}
