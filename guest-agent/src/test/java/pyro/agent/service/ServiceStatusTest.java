package pyro.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.protocol.ServiceState;

/** The record's state machine on its own: which moves are legal, and that every event keeps to them. */
class ServiceStatusTest {
    private static final List<Consumer<ServiceStatus>> EVENTS = List.of(
            s -> s.runSpawned(42),
            s -> s.ready(5),
            s -> s.runEnded(1),
            s -> s.end(ServiceState.EXITED, "exited", null, null),
            s -> s.end(ServiceState.FAILED, "exited", null, null),
            s -> s.restartScheduled(new Reply.ServiceExit(1, null, "exited", "2026-01-01T00:00:00Z"), 250),
            s -> s.failedBeforeSpawn("no such file"),
            s -> s.dependencyFailed("dependency_failed", "db is failed"),
            s -> s.agentFailed(new IllegalStateException("boom")),
            ServiceStatus::stopped,
            s -> s.lost(true, "killed", null, null));

    @Test
    void anEndedServiceStaysEndedAndOnlyARunningOneExits() {
        for (ServiceState from : ServiceState.values()) {
            for (ServiceState to : ServiceState.values()) {
                boolean expected = from.active() && !(from == ServiceState.STARTING && to == ServiceState.EXITED)
                        && !(from == ServiceState.RUNNING && to == ServiceState.RUNNING);
                assertEquals(expected, ServiceStatus.legal(from, to), from + " -> " + to);
            }
        }
    }

    @Test
    void anIllegalEventThrowsAndLeavesTheRecordAsItWas() {
        ServiceStatus s = new ServiceStatus();
        s.stopped();
        Reply.ServiceRecord before = s.record("web", spec());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.ready(1));
        assertEquals("a service cannot go from stopped to running", e.getMessage());
        assertEquals(before, s.record("web", spec()));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89})
    void randomEventsMoveOnlyAlongLegalTransitions(long seed) {
        Random random = new Random(seed);
        ServiceStatus s = new ServiceStatus();
        for (int i = 0; i < 200; i++) {
            ServiceState from = s.state();
            try {
                EVENTS.get(random.nextInt(EVENTS.size())).accept(s);
                assertTrue(s.state() == from || ServiceStatus.legal(from, s.state())
                        || from == ServiceState.STARTING && s.state() == ServiceState.STARTING,
                        "seed " + seed + ": " + from + " -> " + s.state());
            } catch (IllegalStateException refused) {
                assertEquals(from, s.state(), "seed " + seed + ": a refused event moved the state");
            }
            assertEquals(s.state(), s.record("web", spec()).state());
        }
    }

    private static ServiceSpec.Recorded spec() {
        return new ServiceSpec.Recorded(List.of("sleep", "1"), "/workspace", ServiceSpec.NO_PROBE, Request.Restart.NO, 5,
                List.of());
    }
}
