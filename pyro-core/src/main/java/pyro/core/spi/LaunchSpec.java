package pyro.core.spi;

import java.nio.file.Path;

/**
 * What a backend needs to boot one VM: the environment, sizes, networking, and the instance folder
 * that holds its state, sockets, disk overlay and console log.
 */
public record LaunchSpec(
        String instanceId, String environment, int vcpuCount, int memMib, boolean network, Path instanceDir,
        boolean cold) {
    /** A spec that lets the backend restore a saved guest when it has a valid one. */
    public LaunchSpec(String instanceId, String environment, int vcpuCount, int memMib, boolean network,
            Path instanceDir) {
        this(instanceId, environment, vcpuCount, memMib, network, instanceDir, false);
    }

    /** The same VM, booted cold whatever the backend has saved. */
    public LaunchSpec forceCold() {
        return new LaunchSpec(instanceId, environment, vcpuCount, memMib, network, instanceDir, true);
    }

    /** The files of the instance folder. */
    public InstancePaths paths() {
        return new InstancePaths(instanceDir);
    }
}
