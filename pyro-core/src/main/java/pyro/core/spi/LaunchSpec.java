package pyro.core.spi;

import java.nio.file.Path;

/**
 * What a backend needs to boot one VM: the environment, sizes, networking, and the instance folder
 * that holds its state, sockets, disk overlay and console log.
 */
public record LaunchSpec(
        String instanceId, String environment, int vcpuCount, int memMib, boolean network, Path instanceDir) {
    /** The files of the instance folder. */
    public InstancePaths paths() {
        return new InstancePaths(instanceDir);
    }
}
