package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.protocol.Request;

/** The host waits for a service start as long as its dependencies, runs, restarts and backoff may take. */
class ServiceStartDeadlineTest {
    static Request.Probe probe(long timeoutMs) {
        return new Request.Probe(Request.ProbeType.FILE, "f", null, null, null, null, timeoutMs, 500L);
    }

    @Test
    void aStartWithoutRestartsWaitsItsReadinessTimeoutAndSlack() {
        Request.ServiceStart s = new Request.ServiceStart("web", List.of("true"), null, Map.of(), probe(1000));
        assertEquals(Duration.ofMillis(1000 + 2000).plus(Duration.ofSeconds(30)), Deadlines.of(s));
    }

    @Test
    void restartsAndDependenciesAddTheirTime() {
        Request.ServiceStart s = new Request.ServiceStart("web", List.of("true"), null, Map.of(), probe(1000),
                Request.Restart.ON_FAILURE, 3, List.of("db:ready"));
        // the dependency wait (1 s), 4 runs of 1 s + 2 s, the backoff 250 + 500 + 1000 ms, and the grace
        assertEquals(Duration.ofMillis(1000 + 4 * 3000 + 1750).plus(Duration.ofSeconds(30)), Deadlines.of(s));
    }
}
