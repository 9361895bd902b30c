package pyro.core.spi;

import java.nio.file.Path;

/**
 * What a backend needs to boot one VM: the environment, sizes, networking, and the instance folder
 * that holds its state, sockets, disk overlay and console log.
 *
 * @param cold boot from power-on even when the backend has a saved guest of this environment
 * @param restoreFrom a machine saved by its supervisor ({@link VmmControl#save}: a workspace snapshot, a stopped
 *     workspace, a fork's source) to resume instead of booting, or null
 */
public record LaunchSpec(
        String instanceId, String environment, int vcpuCount, int memMib, boolean network, Path instanceDir,
        boolean cold, Path restoreFrom) {
    public LaunchSpec(String instanceId, String environment, int vcpuCount, int memMib, boolean network,
            Path instanceDir, boolean cold) {
        this(instanceId, environment, vcpuCount, memMib, network, instanceDir, cold, null);
    }

    /** A spec that lets the backend restore a saved guest when it has a valid one. */
    public LaunchSpec(String instanceId, String environment, int vcpuCount, int memMib, boolean network,
            Path instanceDir) {
        this(instanceId, environment, vcpuCount, memMib, network, instanceDir, false, null);
    }

    /** The same VM, booted cold whatever the backend has saved. */
    public LaunchSpec forceCold() {
        return new LaunchSpec(instanceId, environment, vcpuCount, memMib, network, instanceDir, true, null);
    }

    /** The files of the instance folder. */
    public InstancePaths paths() {
        return new InstancePaths(instanceDir);
    }
}
