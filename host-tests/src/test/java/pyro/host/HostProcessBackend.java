package pyro.host;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.PruneResult;
import pyro.core.spi.Backend;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.LaunchSpec;
import pyro.core.spi.ProgressSink;

/**
 * A backend whose "VM" is the real guest agent run as a host process on a folder of the instance's
 * own ({@code guest/workspace} stands in for /workspace, {@code guest/services} for the service
 * root). Everything above the VMM is real: core's supervisor runs this plan exactly as it runs
 * QEMU's, owns the agent channel (the agent connects to the supervisor's agent socket, as QEMU's
 * chardev does), applies the TTL and keeps the record. Only the isolation is missing, so it is for
 * tests of core's logic, never for users.
 */
final class HostProcessBackend implements Backend {
    static final String ENV = "host-process";
    /** The stand-in for a network stack: a real process that binds nothing but says it is ready (its command line names the ready file, as passt's names its socket). */
    static final String NET_READY = ": > \"$0\"; exec tail -f \"$0\"";
    private final String agentMain;
    private final String netSidecar;

    HostProcessBackend() {
        this("pyro.agent.Main");
    }

    /** With another program in the agent's place (a forged agent, as a hostile guest could run). */
    HostProcessBackend(String agentMain) {
        this(agentMain, NET_READY);
    }

    /**
     * With {@code netSidecar} (a shell script, given the ready path as $0) as the VM's network
     * helper when it has a network: QEMU's is passt; here it is any process, to test the supervisor.
     */
    HostProcessBackend(String agentMain, String netSidecar) {
        this.agentMain = agentMain;
        this.netSidecar = netSidecar;
    }

    @Override
    public String name() {
        return "host-process";
    }

    @Override
    public String accel() {
        return "none";
    }

    @Override
    public Map<String, Object> doctor() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", name());
        m.put("guests_can_run", true);
        m.put("problems", List.of());
        return m;
    }

    @Override
    public void requireUsable() {}

    private static EnvironmentInfo info() {
        return new EnvironmentInfo(ENV, "the guest agent as a host process (tests only)", List.of(), true, null,
                null, null, 0);
    }

    @Override
    public List<EnvironmentInfo> listEnvironments() {
        return List.of(info());
    }

    @Override
    public EnvironmentInfo inspectEnvironment(String name) {
        if (!ENV.equals(name)) {
            throw PyroException.notFound("unknown environment '" + name + "': use " + ENV + ".");
        }
        return info();
    }

    @Override
    public EnvironmentInfo pullEnvironment(String name, ProgressSink progress) {
        return inspectEnvironment(name);
    }

    @Override
    public PruneResult pruneEnvironments() {
        return new PruneResult(List.of(), 0);
    }

    @Override
    public LaunchPlan plan(LaunchSpec spec, ProgressSink progress) {
        Path guest = spec.instanceDir().resolve("guest");
        try {
            Files.createDirectories(guest.resolve("workspace"));
        } catch (IOException e) {
            throw PyroException.host("cannot make " + guest + ": " + e.getMessage());
        }
        List<String> argv = new ArrayList<>();
        argv.add(ProcessHandle.current().info().command().orElse("java"));
        argv.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                agentMain, "--channel", "unix:" + spec.paths().agentSocket(),
                "--workspace-root", guest.resolve("workspace").toString(),
                "--service-root", guest.resolve("services").toString(),
                "--secret-root", guest.resolve("secrets").toString()));
        LaunchPlan plan = LaunchPlan.of(argv);
        if (spec.network()) {
            Path ready = spec.paths().netSocket();
            plan = plan.withSidecar(new LaunchPlan.Sidecar("net", List.of("/bin/sh", "-c", netSidecar, ready.toString()),
                    ready, 5_000));
        }
        return plan;
    }

    /** The host folder that stands in for the guest's /workspace. */
    static Path workspaceRoot(Path instanceDir) {
        return instanceDir.resolve("guest").resolve("workspace");
    }

    static String classPath() {
        return System.getProperty("java.class.path").replace(File.pathSeparatorChar, '\n');
    }
}
