package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroConfig;
import pyro.core.PyroException;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.ExecResult;
import pyro.core.model.PruneResult;
import pyro.core.model.VmInfo;
import pyro.core.spi.Backend;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.LaunchSpec;
import pyro.core.spi.ProgressSink;

/**
 * The supervisor's side of a Firecracker-style VMM, with the real supervisor and the real agent and
 * a stand-in for the VMM ({@link StandInVmm}: an HTTP API socket and a hybrid-vsock socket, bridged
 * to the agent as a host process): the plan's API calls are made in order before the channel is
 * opened, CONNECT is retried while the "guest" has no listener, frames flow once it answers OK, a
 * refused call fails the boot with the VMM's fault_message, and a stopped VM leaves neither its
 * VMM nor its sockets behind.
 */
class HybridVsockStandInVmmHostProcessTest {
    static final List<LaunchPlan.ApiCall> CALLS = List.of(
            new LaunchPlan.ApiCall("PUT", "/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":256}"),
            new LaunchPlan.ApiCall("PUT", "/boot-source", "{\"kernel_image_path\":\"vmlinux\"}"),
            new LaunchPlan.ApiCall("PUT", "/actions", "{\"action_type\":\"InstanceStart\"}"));

    /** The host-process backend with the stand-in VMM in front of the agent. */
    static final class StandInVmmBackend implements Backend {
        final HostProcessBackend agent = new HostProcessBackend();
        final String refused;

        StandInVmmBackend(String refused) {
            this.refused = refused;
        }

        @Override
        public String name() {
            return agent.name();
        }

        @Override
        public String accel() {
            return agent.accel();
        }

        @Override
        public Map<String, Object> doctor() {
            return agent.doctor();
        }

        @Override
        public void requireUsable() {}

        @Override
        public List<EnvironmentInfo> listEnvironments() {
            return agent.listEnvironments();
        }

        @Override
        public EnvironmentInfo inspectEnvironment(String name) {
            return agent.inspectEnvironment(name);
        }

        @Override
        public EnvironmentInfo pullEnvironment(String name, ProgressSink progress) {
            return agent.pullEnvironment(name, progress);
        }

        @Override
        public PruneResult pruneEnvironments() {
            return agent.pruneEnvironments();
        }

        @Override
        public LaunchPlan plan(LaunchSpec spec, ProgressSink progress) {
            List<String> agentArgv = new ArrayList<>(agent.plan(spec, progress).vmmArgv());
            int ch = agentArgv.indexOf("--channel");
            agentArgv.remove(ch + 1);
            agentArgv.remove(ch);
            InstancePaths p = spec.paths();
            List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    StandInVmm.class.getName(), p.apiSocket().toString(), p.vsockSocket().toString(), refused));
            argv.addAll(agentArgv);
            return LaunchPlan.of(argv)
                    .withChannel(LaunchPlan.AgentChannel.hybridVsock(p.vsockSocket(), 52))
                    .withApiCalls(p.apiSocket(), CALLS);
        }
    }

    static Pyro pyro(Path state, String refused) {
        return Pyro.create(new PyroConfig(state, state.resolve("cache"), null, "host-process", 8), new StandInVmmBackend(refused));
    }

    @Test
    void apiCallsInOrderThenTheHandshakeThenFramesAndAStopLeavesNothing() throws Exception {
        Path state = HostProcess.stateDir("hvsock");
        Pyro pyro = pyro(state, "-");
        VmInfo vm = pyro.startVm(pyro.createVm(HostProcessBackend.ENV, 1, 256, 600, false).vmId());
        assertEquals("vsock", vm.channel(), vm.toString());
        Path dir = state.resolve("instances").resolve(vm.vmId());
        ExecResult r = pyro.execVm(vm.vmId(), List.of("echo", "over hybrid vsock"), 30);
        assertEquals("over hybrid vsock\n", r.stdout());
        List<String> api = Files.readAllLines(dir.resolve("api.log"));
        assertEquals(CALLS.stream().map(c -> c.method() + " " + c.path() + " " + c.body()).toList(), api);
        String log = Files.readString(dir.resolve("supervisor.log"));
        assertTrue(log.indexOf("api PUT /actions -> 204") < log.indexOf("agent channel: vsock port 52"), log);
        long vmmPid = Long.parseLong(Files.readString(dir.resolve("vmm.pid")).strip());
        pyro.stopVm(vm.vmId());
        assertTrue(HostProcess.within(Duration.ofSeconds(10), () -> ProcessHandle.of(vmmPid).map(h -> !h.isAlive()).orElse(true)),
                "the stand-in VMM is gone");
        assertTrue(HostProcess.within(Duration.ofSeconds(10),
                () -> !Files.exists(dir.resolve("api.sock")) && !Files.exists(dir.resolve("vsock.sock"))),
                "the VMM's sockets are removed with it");
        pyro.deleteVm(vm.vmId());
    }

    @Test
    void aRefusedApiCallFailsTheBootWithTheVmmsFaultMessage() throws IOException {
        Path state = HostProcess.stateDir("hvsock");
        Pyro pyro = pyro(state, "/boot-source");
        String id = pyro.createVm(HostProcessBackend.ENV, 1, 256, 600, false).vmId();
        PyroException e = assertThrows(PyroException.class, () -> pyro.startVm(id));
        assertTrue(e.getMessage().contains("the VMM refused PUT /boot-source (HTTP 400): "
                + "{\"fault_message\":\"the stand-in refuses /boot-source\"}"), e.getMessage());
        List<String> api = Files.readAllLines(state.resolve("instances").resolve(id).resolve("api.log"));
        assertEquals(2, api.size(), "nothing after the refusal: " + api);
        assertFalse(api.getLast().startsWith("PUT /actions"));
        pyro.deleteVm(id);
    }
}
