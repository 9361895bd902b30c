package pyro.core.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.spi.LaunchPlan;

/** launch.json carries the plan's agent channel (which way, which socket and port) and its API calls. */
class LaunchFileTest {
    @TempDir
    Path dir;

    @Test
    void aVsockPlanWithApiCallsSurvivesTheFile() throws IOException {
        LaunchPlan plan = LaunchPlan.of(List.of("/usr/bin/firecracker", "--api-sock", "api.sock"))
                .withChannel(LaunchPlan.AgentChannel.hybridVsock(dir.resolve("vsock.sock"), 52))
                .withChannelConnectTimeout(120_000)
                .withApiCalls(dir.resolve("api.sock"), List.of(
                        new LaunchPlan.ApiCall("PUT", "/machine-config", "{\"vcpu_count\":1}"),
                        new LaunchPlan.ApiCall("PUT", "/actions", "{\"action_type\":\"InstanceStart\"}")));
        new LaunchFile("vm-1", dir, 180_000, plan, "firecracker").write(dir.resolve("launch.json"));
        LaunchFile read = LaunchFile.read(dir.resolve("launch.json"));
        LaunchPlan back = read.plan();
        assertEquals(plan, back);
        assertEquals("firecracker", read.backend(), "the supervisor asks this backend for the VM's control calls");
        assertTrue(back.channel().connects());
        assertEquals(LaunchPlan.AgentChannel.VSOCK, back.channel().name());
    }

    @Test
    void aFileWrittenBeforeChannelsExistedReadsAsTheListeningForm() throws IOException {
        Files.writeString(dir.resolve("launch.json"), "{\"instance_id\":\"vm-1\",\"state_dir\":\"/s\",\"boot_timeout_ms\":1,"
                + "\"vmm_argv\":[\"q\"],\"channel_connect_timeout_ms\":2,\"graceful_stop_ms\":3,\"sidecars\":[]}");
        LaunchPlan p = LaunchFile.read(dir.resolve("launch.json")).plan();
        assertFalse(p.channel().connects());
        assertTrue(p.apiCalls().isEmpty());
    }

    @Test
    void badPlansAreRefusedNamingTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new LaunchPlan.ApiCall("DELETE", "/x", null)).getMessage().contains("DELETE"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new LaunchPlan.ApiCall("PUT", "/a b", null)).getMessage().contains("/a b"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LaunchPlan.AgentChannel.hybridVsock(dir, -3)).getMessage().contains("-3"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LaunchPlan.of(List.of("q")).withApiCalls(null, List.of(new LaunchPlan.ApiCall("GET", "/", null))))
                .getMessage().contains("API socket"));
    }
}
