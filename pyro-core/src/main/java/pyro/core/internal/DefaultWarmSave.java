package pyro.core.internal;

import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.spi.Backend;
import pyro.core.spi.ProgressSink;

/**
 * Warm by default: whenever an environment is built (pull, or the first run or create that needed it),
 * a booted guest of the default size is saved too (once per build; a save that exists is kept), so
 * VMs of that size restore it instead of booting cold. A save that fails only means boots stay cold.
 */
public final class DefaultWarmSave {
    private DefaultWarmSave() {}

    public static void save(Backend backend, String environment, ProgressSink progress) {
        try {
            progress.line(backend.warmEnvironment(environment, Pyro.DEFAULT_VCPUS, Pyro.DEFAULT_MEM_MIB, progress));
        } catch (PyroException e) {
            progress.line("could not save a booted " + environment + " (boots stay cold): " + e.getMessage());
        }
    }
}
