package pyro.core.spi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to run one VM, as a backend describes it; core's supervisor carries it out. The supervisor
 * listens on {@link InstancePaths#agentSocket()} before it starts {@code vmmArgv}, the VMM (or
 * whatever stands in for it) connects its agent channel there, and the first frame must be the
 * agent's hello. Ending the VM is the supervisor's job too: optionally a {@code shutdown} request
 * to the agent, then SIGTERM and SIGKILL to the VMM process, so a backend only says how long a
 * graceful stop may take.
 *
 * @param vmmArgv the VMM command line, run in the instance folder with stdin from /dev/null and its
 *     output in {@link InstancePaths#vmmLog()}
 * @param channelConnectTimeoutMs how long the VMM may take to connect the agent channel
 * @param gracefulStopMs how long a graceful stop waits for the VMM to exit by itself
 * @param memorySnapshots whether this plan's VMM can save and restore the guest's memory
 * @param warm the VMM resumes a saved, booted guest instead of booting one: the agent already said
 *     its hello before the save, so the supervisor pings it instead, then has it reseed its RNG and
 *     set its clock and name before anything else runs
 * @param sidecars helper processes the VMM needs (e.g. the network's user-mode stack), started in
 *     this order before it and ended after it
 */
public record LaunchPlan(List<String> vmmArgv, long channelConnectTimeoutMs, long gracefulStopMs,
        boolean memorySnapshots, boolean warm, List<Sidecar> sidecars) {
    public LaunchPlan {
        vmmArgv = List.copyOf(vmmArgv);
        sidecars = List.copyOf(sidecars);
        if (vmmArgv.isEmpty()) {
            throw new IllegalArgumentException("a launch plan needs a VMM command");
        }
    }

    /**
     * A helper process of the VM: started by the supervisor in the instance folder with its output in
     * {@link InstancePaths#sidecarLog(String)}; the VMM starts once {@code ready} exists (a socket the
     * helper binds, say); killed when the VMM has ended.
     *
     * @param name a short file-name-safe word, used in messages and file names ({@code net})
     * @param readyTimeoutMs how long the helper may take to create {@code ready}
     */
    public record Sidecar(String name, List<String> argv, Path ready, long readyTimeoutMs) {
        public Sidecar {
            argv = List.copyOf(argv);
            if (!name.matches("[a-z][a-z0-9-]{0,15}") || argv.isEmpty()) {
                throw new IllegalArgumentException("a sidecar needs a short lower-case name and a command: " + name);
            }
        }
    }

    /** A plan with the usual timeouts: 30 s to connect the channel, 3 s for a graceful stop. */
    public static LaunchPlan of(List<String> vmmArgv) {
        return new LaunchPlan(vmmArgv, 30_000, 3_000, false, false, List.of());
    }

    /** A plan that restores a saved guest (see {@code warm}). */
    public static LaunchPlan restoring(List<String> vmmArgv) {
        return new LaunchPlan(vmmArgv, 30_000, 3_000, true, true, List.of());
    }

    /** This plan with one more sidecar, started after the ones it has. */
    public LaunchPlan withSidecar(Sidecar sidecar) {
        List<Sidecar> all = new ArrayList<>(sidecars);
        all.add(sidecar);
        return new LaunchPlan(vmmArgv, channelConnectTimeoutMs, gracefulStopMs, memorySnapshots, warm, all);
    }
}
