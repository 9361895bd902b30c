package pyro.core.spi;

import java.util.Map;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.PruneResult;

/**
 * A VM backend (QEMU, Firecracker). It builds and caches environments and describes how to run one
 * VM as a {@link LaunchPlan}; core's supervisor carries the plan out, owns the agent channel,
 * applies the TTL and keeps the record, the same for every backend. A running VM is paused, saved
 * and resumed only by its supervisor, through the {@link VmmControl} the backend's
 * {@link BackendProvider#control} makes from the plan; a backend's saved machines are read back by
 * its {@link #plan} when {@link LaunchSpec#restoreFrom()} names one.
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
     * After a failed boot: checks every file of the environment against its recorded digest (boots
     * trust sizes only). When one does not match, the entry is discarded so the next use rebuilds it,
     * and the answer is false.
     */
    default boolean environmentIntact(String name) {
        return true;
    }

    /**
     * Prepares one VM (its environment built, its disk overlay made in {@code spec.paths()}) and
     * returns the plan that runs it. Throws a PyroException naming what is wrong; nothing runs yet.
     */
    LaunchPlan plan(LaunchSpec spec, ProgressSink progress);

    /** A warm plan's restore failed: never offer that saved guest again (the VM is booted cold). */
    default void warmFailed(LaunchSpec spec, String reason) {}

    /**
     * The saved guests of {@code environment}, one map per size ({@code vcpu_count}, {@code mem_mib},
     * {@code state}: {@code warm} when a VM of that size restores it, {@code stale} when the save is of an
     * older build, agent or QEMU and boots are cold until it is saved again, {@code cold} when there is
     * none), always with the default size; empty when the backend keeps no saves.
     */
    default java.util.List<java.util.Map<String, Object>> warmStates(String environment, int defaultVcpus,
            int defaultMemMib) {
        return java.util.List.of();
    }

    /**
     * Saves a booted, idle guest of {@code environment} for VMs of this size, so their boots restore
     * it instead ({@code pyro env warm}); returns a line for the user. Backends without memory
     * snapshots say so.
     */
    default String warmEnvironment(String environment, int vcpus, int memMib, ProgressSink progress) {
        return "the " + name() + " backend cannot save booted guests: every boot is cold";
    }
}
