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
 * @param backend the name of the backend that wrote the plan, whose {@link pyro.core.spi.BackendProvider}
 *     makes the running VM's control calls; null in files written before it was recorded
 */
record LaunchFile(String instanceId, Path stateDir, long bootTimeoutMs, LaunchPlan plan, String backend) {
    void write(Path file) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance_id", instanceId);
        m.put("state_dir", stateDir.toString());
        m.put("boot_timeout_ms", bootTimeoutMs);
        m.put("backend", backend);
        m.put("vmm_argv", plan.vmmArgv());
        m.put("channel_connect_timeout_ms", plan.channelConnectTimeoutMs());
        m.put("graceful_stop_ms", plan.gracefulStopMs());
        m.put("memory_snapshots", plan.memorySnapshots());
        m.put("warm", plan.warm());
        List<Map<String, Object>> sidecars = new ArrayList<>();
        for (LaunchPlan.Sidecar sc : plan.sidecars()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", sc.name());
            s.put("argv", sc.argv());
            s.put("ready", sc.ready().toString());
            s.put("ready_timeout_ms", sc.readyTimeoutMs());
            sidecars.add(s);
        }
        m.put("sidecars", sidecars);
        Map<String, Object> channel = new LinkedHashMap<>();
        channel.put("name", plan.channel().name());
        channel.put("socket", plan.channel().socket() == null ? null : plan.channel().socket().toString());
        channel.put("port", plan.channel().port());
        m.put("channel", channel);
        m.put("api_socket", plan.apiSocket() == null ? null : plan.apiSocket().toString());
        List<Map<String, Object>> calls = new ArrayList<>();
        for (LaunchPlan.ApiCall c : plan.apiCalls()) {
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("method", c.method());
            call.put("path", c.path());
            call.put("body", c.body());
            calls.add(call);
        }
        m.put("api_calls", calls);
        Files2.writeAtomically(file, Json.write(m).getBytes(StandardCharsets.UTF_8));
    }

    static LaunchFile read(Path file) throws IOException {
        Map<String, Object> m = Json.readMap(Files.readString(file));
        try {
            List<String> argv = strings(m.get("vmm_argv"));
            List<LaunchPlan.Sidecar> sidecars = new ArrayList<>();
            if (m.get("sidecars") instanceof List<?> list) {
                for (Object o : list) {
                    Map<?, ?> s = (Map<?, ?>) o;
                    sidecars.add(new LaunchPlan.Sidecar((String) s.get("name"), strings(s.get("argv")),
                            Path.of((String) s.get("ready")), ((Number) s.get("ready_timeout_ms")).longValue()));
                }
            }
            LaunchPlan.AgentChannel channel = LaunchPlan.AgentChannel.listening(LaunchPlan.AgentChannel.UNIX);
            if (m.get("channel") instanceof Map<?, ?> c) {
                channel = new LaunchPlan.AgentChannel((String) c.get("name"),
                        c.get("socket") == null ? null : Path.of((String) c.get("socket")), ((Number) c.get("port")).intValue());
            }
            List<LaunchPlan.ApiCall> calls = new ArrayList<>();
            if (m.get("api_calls") instanceof List<?> list) {
                for (Object o : list) {
                    Map<?, ?> c = (Map<?, ?>) o;
                    calls.add(new LaunchPlan.ApiCall((String) c.get("method"), (String) c.get("path"), (String) c.get("body")));
                }
            }
            LaunchPlan plan = new LaunchPlan(argv, ((Number) m.get("channel_connect_timeout_ms")).longValue(),
                    ((Number) m.get("graceful_stop_ms")).longValue(), Boolean.TRUE.equals(m.get("memory_snapshots")),
                    Boolean.TRUE.equals(m.get("warm")), sidecars, channel,
                    m.get("api_socket") == null ? null : Path.of((String) m.get("api_socket")), calls);
            return new LaunchFile((String) m.get("instance_id"), Path.of((String) m.get("state_dir")),
                    ((Number) m.get("boot_timeout_ms")).longValue(), plan, (String) m.get("backend"));
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a launch file: " + e, e);
        }
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add((String) o);
        }
        return out;
    }
}
