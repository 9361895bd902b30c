package pyro.core.supervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.internal.Files2;
import pyro.core.internal.Json;
import pyro.core.spi.LaunchPlan;

/**
 * {@code launch.json}: what one supervisor process runs. Written by {@link SupervisorLauncher},
 * read back by the {@link Supervisor} it starts.
 *
 * @param stateDir pyro's state folder, so the supervisor updates the same records as the faces
 */
record LaunchFile(String instanceId, Path stateDir, long bootTimeoutMs, LaunchPlan plan) {
    void write(Path file) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance_id", instanceId);
        m.put("state_dir", stateDir.toString());
        m.put("boot_timeout_ms", bootTimeoutMs);
        m.put("vmm_argv", plan.vmmArgv());
        m.put("channel_connect_timeout_ms", plan.channelConnectTimeoutMs());
        m.put("graceful_stop_ms", plan.gracefulStopMs());
        m.put("memory_snapshots", plan.memorySnapshots());
        m.put("warm", plan.warm());
        Files2.writeAtomically(file, Json.write(m).getBytes(StandardCharsets.UTF_8));
    }

    static LaunchFile read(Path file) throws IOException {
        Map<String, Object> m = Json.readMap(Files.readString(file));
        try {
            List<String> argv = new ArrayList<>();
            for (Object o : (List<?>) m.get("vmm_argv")) {
                argv.add((String) o);
            }
            LaunchPlan plan = new LaunchPlan(argv, ((Number) m.get("channel_connect_timeout_ms")).longValue(),
                    ((Number) m.get("graceful_stop_ms")).longValue(), Boolean.TRUE.equals(m.get("memory_snapshots")),
                    Boolean.TRUE.equals(m.get("warm")));
            return new LaunchFile((String) m.get("instance_id"), Path.of((String) m.get("state_dir")),
                    ((Number) m.get("boot_timeout_ms")).longValue(), plan);
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a launch file: " + e, e);
        }
    }
}
