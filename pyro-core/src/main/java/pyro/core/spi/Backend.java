package pyro.core.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.PruneResult;

/**
 * A VM backend (QEMU, Firecracker). It builds and caches environments, and boots a VM under a
 * detached supervisor that owns the VMM process and the agent channel and serves clients on
 * {@link #supervisorSocket(Path)}.
 */
public interface Backend {
    String name();

    /** {@code kvm} or {@code tcg}: what this host really runs guests with. */
    String accel();

    /** Facts for {@code pyro doctor}, gathered by probing. Never throws. */
    Map<String, Object> doctor();

    /** Throws a {@code HOST_UNSUPPORTED} PyroException naming what is missing when guests cannot run. */
    void requireUsable();

    java.util.List<EnvironmentInfo> listEnvironments();

    EnvironmentInfo inspectEnvironment(String name);

    /**
     * Builds the environment if it is missing or broken, checking every file's digest (an explicit
     * {@code env pull}). Progress lines go to {@code progress}.
     */
    EnvironmentInfo pullEnvironment(String name, ProgressSink progress);

    /** Like {@link #pullEnvironment} but trusts a complete entry whose file sizes match (every boot). */
    default EnvironmentInfo ensureEnvironment(String name, ProgressSink progress) {
        return pullEnvironment(name, progress);
    }

    PruneResult pruneEnvironments();

    /**
     * Boots a VM under a new detached supervisor and returns once the guest agent has said hello,
     * with the boot time in milliseconds. On failure nothing is left running.
     */
    long launch(LaunchSpec spec, Duration bootTimeout, ProgressSink progress);

    /** The unix socket the supervisor of a VM serves on. */
    default Path supervisorSocket(Path instanceDir) {
        return instanceDir.resolve("supervisor.sock");
    }

    /** Forcefully ends the supervisor and VMM of an instance (used when they no longer answer). */
    void kill(Path instanceDir);
}
