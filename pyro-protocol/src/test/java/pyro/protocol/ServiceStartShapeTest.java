package pyro.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service start's wire shape: the restart policy and start order travel as {@code restart},
 * {@code max_restarts} and {@code after}; a start without them (an older host) decodes with nulls, so the
 * agent applies the defaults. And the one check of their shape both sides run.
 */
class ServiceStartShapeTest {
    @Test
    void restartAndAfterFieldsRoundTripInSnakeCase() throws Exception {
        Request.ServiceStart s = new Request.ServiceStart("web", List.of("sh", "-c", "x"), "/workspace", Map.of(), null,
                Request.Restart.ON_FAILURE, 3, List.of("db:ready", "migrate:exited-ok"));
        Frame f = Messages.frame(7, s);
        assertEquals("service_start", f.type());
        assertEquals("on-failure", f.header().get("restart"));
        assertEquals(3, ((Number) f.header().get("max_restarts")).intValue());
        assertEquals(List.of("db:ready", "migrate:exited-ok"), f.header().get("after"));
        assertEquals(s, Messages.request(f));
    }

    @Test
    void aStartWithoutThemDecodesWithNulls() throws Exception {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("id", 1L);
        h.put("type", "service_start");
        h.put("name", "web");
        h.put("argv", List.of("true"));
        Request.ServiceStart s = (Request.ServiceStart) Messages.request(new Frame(h, null));
        assertNull(s.restart());
        assertNull(s.maxRestarts());
        assertNull(s.after());
        assertEquals(new Request.ServiceStart("web", List.of("true"), null, null, null), s);
    }

    @Test
    void wrongTypesAreNamed() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("id", 1L);
        h.put("type", "service_start");
        h.put("name", "web");
        h.put("argv", List.of("true"));
        h.put("after", "db");
        ProtocolException e = assertThrows(ProtocolException.class, () -> Messages.request(new Frame(h, null)));
        assertTrue(e.getMessage().contains("after"), e.getMessage());
    }

    @Test
    void policyChecksNameTheBadValue() {
        assertNull(ServicePolicy.restartProblem(null));
        assertNull(ServicePolicy.restartProblem("always"));
        assertEquals(ServicePolicy.RESTARTS,
                java.util.Arrays.stream(Request.Restart.values()).map(Request.Restart::wire).toList());
        assertEquals("restart policy 'sometimes' is unknown: use no, on-failure or always.",
                ServicePolicy.restartProblem("sometimes"));
        assertEquals("max restarts -1 is out of range: use 0 to 1000.", ServicePolicy.maxRestartsProblem(-1));
        assertEquals(new ServicePolicy.Dependency("db", "ready"), ServicePolicy.parse("db"));
        assertEquals(new ServicePolicy.Dependency("db", "started"), ServicePolicy.parse("db:started"));
        assertEquals("after condition 'up' in 'db:up' is unknown: use started, ready or exited-ok.",
                assertThrows(IllegalArgumentException.class, () -> ServicePolicy.parse("db:up")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServicePolicy.parse("-x")).getMessage()
                .contains("'-x'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ServicePolicy.parseAll("web", List.of("db", "db:started"))).getMessage().contains("'db' twice"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ServicePolicy.parseAll("web", List.of("web"))).getMessage().contains("after itself"));
    }

    @Test
    void backoffStartsAt250DoublesAndStopsAt30Seconds() {
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L),
                java.util.stream.IntStream.range(0, 9).mapToObj(ServicePolicy::backoffMs).toList());
        assertEquals(30000L, ServicePolicy.backoffMs(1000));
    }
}
