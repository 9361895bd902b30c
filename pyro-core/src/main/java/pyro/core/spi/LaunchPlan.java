package pyro.core.spi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to run one VM, as a backend describes it; core's supervisor carries it out. The agent channel
 * goes one of two ways ({@link AgentChannel}): either the supervisor listens on
 * {@link InstancePaths#agentSocket()} before it starts {@code vmmArgv} and the VMM (or whatever
 * stands in for it) connects there, or the supervisor connects to a unix socket the VMM (or its
 * vsock sidecar) serves and asks for the agent's vsock port with the hybrid-vsock handshake,
 * retrying until the agent listens. Either way the first frame must be the agent's hello. After the
 * VMM has started, the supervisor makes the plan's {@link ApiCall}s on the VMM's API socket, in
 * order (Firecracker is configured and started that way). Ending the VM is the supervisor's job too: optionally a {@code shutdown} request
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
 * @param channel how the supervisor reaches the agent, and the channel's name for the record
 * @param apiSocket the VMM's HTTP API socket for {@code apiCalls}, or null when there are none
 * @param apiCalls requests made on {@code apiSocket}, in order, once the VMM has started; each must
 *     answer 2xx or the boot fails with the VMM's own words
 */
public record LaunchPlan(List<String> vmmArgv, long channelConnectTimeoutMs, long gracefulStopMs,
        boolean memorySnapshots, boolean warm, List<Sidecar> sidecars, AgentChannel channel, Path apiSocket,
        List<ApiCall> apiCalls) {
    public LaunchPlan {
        vmmArgv = List.copyOf(vmmArgv);
        sidecars = List.copyOf(sidecars);
        apiCalls = List.copyOf(apiCalls);
        if (vmmArgv.isEmpty()) {
            throw new IllegalArgumentException("a launch plan needs a VMM command");
        }
        if (channel == null) {
            throw new IllegalArgumentException("a launch plan needs an agent channel");
        }
        if (!apiCalls.isEmpty() && apiSocket == null) {
            throw new IllegalArgumentException("a launch plan with API calls needs the VMM's API socket");
        }
    }

    /** A plan whose VMM connects the agent channel to the supervisor (the form before vsock). */
    public LaunchPlan(List<String> vmmArgv, long channelConnectTimeoutMs, long gracefulStopMs,
            boolean memorySnapshots, boolean warm, List<Sidecar> sidecars) {
        this(vmmArgv, channelConnectTimeoutMs, gracefulStopMs, memorySnapshots, warm, sidecars,
                AgentChannel.listening(AgentChannel.UNIX), null, List.of());
    }

    /**
     * How the supervisor and the guest agent meet. Backend-neutral: the supervisor knows only these
     * two directions, never which VMM is behind them.
     *
     * <ul>
     *   <li>{@code socket == null}: the supervisor listens on {@link InstancePaths#agentSocket()} and
     *       the VMM connects (QEMU's virtio-serial chardev; the host-process agent);
     *   <li>otherwise: the supervisor connects to {@code socket}, writes {@code CONNECT <port>\n},
     *       reads {@code OK <n>\n} and speaks frames from then on (hybrid vsock, as Firecracker and
     *       vhost-device-vsock serve it). The guest agent listens only once it has booted, so a
     *       refused handshake is retried until the channel connect timeout.
     * </ul>
     *
     * @param name what the VM's record says its channel is: {@code virtio-serial}, {@code vsock}, {@code unix}
     */
    public record AgentChannel(String name, Path socket, int port) {
        public static final String VIRTIO_SERIAL = "virtio-serial";
        public static final String VSOCK = "vsock";
        public static final String UNIX = "unix";

        public AgentChannel {
            if (name == null || !name.matches("[a-z][a-z0-9-]{0,23}")) {
                throw new IllegalArgumentException("an agent channel needs a short lower-case name: " + name);
            }
            if (socket != null && port <= 0) {
                throw new IllegalArgumentException("a hybrid-vsock channel needs a vsock port above 0, not " + port);
            }
        }

        public static AgentChannel listening(String name) {
            return new AgentChannel(name, null, 0);
        }

        public static AgentChannel hybridVsock(Path socket, int port) {
            return new AgentChannel(VSOCK, socket, port);
        }

        /** True when the supervisor connects (hybrid vsock) rather than listens. */
        public boolean connects() {
            return socket != null;
        }
    }

    /**
     * One HTTP/1.1 request on the VMM's API socket ({@code PUT /machine-config} and so on).
     *
     * @param body a JSON document, or null for none
     */
    public record ApiCall(String method, String path, String body) {
        public ApiCall {
            if (method == null || !method.matches("GET|PUT|PATCH")) {
                throw new IllegalArgumentException("an API call's method must be GET, PUT or PATCH, not " + method);
            }
            if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new IllegalArgumentException("an API call's path must start with / and hold no spaces: " + path);
            }
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
        return new LaunchPlan(vmmArgv, channelConnectTimeoutMs, gracefulStopMs, memorySnapshots, warm, all, channel,
                apiSocket, apiCalls);
    }

    /** This plan with its agent channel reached the given way. */
    public LaunchPlan withChannel(AgentChannel agentChannel) {
        return new LaunchPlan(vmmArgv, channelConnectTimeoutMs, gracefulStopMs, memorySnapshots, warm, sidecars,
                agentChannel, apiSocket, apiCalls);
    }

    /** This plan with a connect timeout of its own (a guest that must boot before the channel exists). */
    public LaunchPlan withChannelConnectTimeout(long ms) {
        return new LaunchPlan(vmmArgv, ms, gracefulStopMs, memorySnapshots, warm, sidecars, channel, apiSocket,
                apiCalls);
    }

    /** This plan with the VMM configured through its API socket once it runs. */
    public LaunchPlan withApiCalls(Path socket, List<ApiCall> calls) {
        return new LaunchPlan(vmmArgv, channelConnectTimeoutMs, gracefulStopMs, memorySnapshots, warm, sidecars,
                channel, socket, calls);
    }

    /** This plan marked as able (or not) to save the guest's memory. */
    public LaunchPlan withMemorySnapshots(boolean can) {
        return new LaunchPlan(vmmArgv, channelConnectTimeoutMs, gracefulStopMs, can, warm, sidecars, channel,
                apiSocket, apiCalls);
    }
}
