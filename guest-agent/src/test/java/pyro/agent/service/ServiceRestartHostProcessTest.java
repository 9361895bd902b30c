package pyro.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.Frame;

/** Service records and logs outlive the agent process: a second agent on the same service root sees them. */
class ServiceRestartHostProcessTest {
    @TempDir
    Path tmp;

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(Frame f) {
        assertEquals("service_result", f.type(), f.toString());
        return (Map<String, Object>) f.header().get("service");
    }

    static Map<String, Object> start(String name, List<String> argv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_start");
        m.put("name", name);
        m.put("argv", argv);
        return m;
    }

    @Test
    void recordsAndLogsSurviveAnAgentRestart() throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        Path svc = tmp.resolve("svc");
        long keeperPid;
        long victimPid;
        try (ServiceAgent a = new ServiceAgent(ws, svc)) {
            keeperPid = ((Number) service(a.call(start("keeper", List.of("sleep", "1000")))).get("pid")).longValue();
            victimPid = ((Number) service(a.call(start("victim", List.of("sleep", "1000")))).get("pid")).longValue();
            assertEquals("running", service(a.call(start("done", List.of("sh", "-c", "echo bye; sleep 0.3")))).get("state"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!"exited".equals(service(a.call(Map.of("type", "service_status", "name", "done"))).get("state"))) {
                assertTrue(System.nanoTime() < deadline, "done never exited");
                Thread.sleep(50);
            }
        }
        ProcessHandle.of(victimPid).ifPresent(ProcessHandle::destroyForcibly);
        Thread.sleep(200);
        try (ServiceAgent b = new ServiceAgent(ws, svc)) {
            Map<String, String> states = new LinkedHashMap<>();
            for (Object o : (List<?>) b.call(Map.of("type", "service_list")).header().get("services")) {
                Map<?, ?> s = (Map<?, ?>) o;
                states.put((String) s.get("service_name"), (String) s.get("state"));
            }
            assertEquals(Map.of("done", "exited", "keeper", "running", "victim", "failed"), states);
            assertEquals(List.of("done", "keeper", "victim"), List.copyOf(states.keySet()), "sorted by name");
            Map<String, Object> victim = service(b.call(Map.of("type", "service_status", "name", "victim")));
            assertTrue(String.valueOf(victim.get("note")).contains("not running"), victim.toString());
            Map<String, Object> keeper = service(b.call(Map.of("type", "service_status", "name", "keeper")));
            assertTrue(String.valueOf(keeper.get("note")).contains("re-attached"), keeper.toString());
            Frame logs = b.call(Map.of("type", "service_logs", "name", "done"));
            assertEquals("bye\n", logs.string("stdout"));
            assertEquals(4L, ((Number) logs.header().get("stdout_offset")).longValue());
            assertEquals("stopped", service(b.call(Map.of("type", "service_stop", "name", "keeper", "grace_ms", 1000)))
                    .get("state"));
            assertTrue(ServicesHostProcessTest.gone(keeperPid), "keeper " + keeperPid + " survived the stop");
            Frame conflict = b.call(start("keeper", List.of("sleep", "1")));
            assertEquals("service_result", conflict.type(), "a stopped service may be replaced: " + conflict);
            b.call(Map.of("type", "service_stop", "name", "keeper", "grace_ms", 0));
        } finally {
            ProcessHandle.of(keeperPid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
