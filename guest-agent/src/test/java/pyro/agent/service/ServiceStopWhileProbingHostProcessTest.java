package pyro.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop that comes while the readiness probe is still failing: the probe loop used to wait for the stop to
 * settle the record while it held the service's lock, which the stop needed, so the stop hung for a minute.
 */
class ServiceStopWhileProbingHostProcessTest {
    @TempDir
    Path tmp;

    @Test
    void aStopWhileTheProbeStillFailsDoesNotWaitForTheProbeLoop() throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        try (ServiceAgent agent = new ServiceAgent(ws, tmp.resolve("svc"))) {
            for (int i = 0; i < 3; i++) {
                String name = "probing" + i;
                long startReq = agent.send(ServicesHostProcessTest.start(name, ServicesHostProcessTest.sh("exec sleep 1000"),
                        ServicesHostProcessTest.probe("type", "file", "path", name + ".never", "timeout_ms", 120_000)));
                Thread.sleep(300);
                long t0 = System.nanoTime();
                long stopReq = agent.send(Map.of("type", "service_stop", "name", name, "grace_ms", 2000));
                Map<String, Object> stopped = ServicesHostProcessTest.service(agent.await(stopReq, Duration.ofSeconds(90)));
                long tookMs = (System.nanoTime() - t0) / 1_000_000;
                assertEquals("stopped", stopped.get("state"), stopped.toString());
                assertTrue(tookMs < 8_000, "the stop took " + tookMs + " ms");
                Map<String, Object> started = ServicesHostProcessTest.service(agent.await(startReq, Duration.ofSeconds(10)));
                assertEquals("stopped", started.get("state"), started.toString());
            }
        }
    }
}
