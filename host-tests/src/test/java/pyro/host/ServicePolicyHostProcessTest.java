package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.protocol.ErrorCode;
import pyro.core.LogQuery;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.ServiceOptions;
import pyro.core.WorkspaceOptions;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;

/**
 * Restart policies and start order through the SDK, over core's supervisor, with the real agent as a host
 * process: the record's restart fields, the failure sentences naming the limit or the dependency, and bad
 * input refused with invalid_input leaving nothing behind.
 */
class ServicePolicyHostProcessTest {
    static Path state;
    static Pyro pyro;
    static String ws;

    @BeforeAll
    static void create() {
        state = HostProcess.stateDir("svcpol");
        pyro = HostProcess.pyro(state);
        ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).name("policies").memMib(256))
                .workspaceId();
    }

    @AfterAll
    static void delete() {
        if (ws != null) {
            pyro.deleteWorkspace(ws);
        }
    }

    @Test
    void aServiceThatFailsTwiceThenStaysUpIsRunningWithTwoRestarts() {
        String script = "n=$(cat up.count 2>/dev/null || echo 0); n=$((n+1)); echo $n > up.count; echo try $n;"
                + " [ $n -ge 3 ] || exit 1; touch up.ready; exec sleep 600";
        ServiceInfo s = pyro.startService(ws, "up", script, ServiceOptions.defaults()
                .readiness(Readiness.file("up.ready").withTimeout(10, 20)).restart("on-failure"));
        assertEquals("running", s.state(), s.toString());
        assertEquals(2, ((Number) s.get("restart_count")).intValue(), s.toString());
        assertEquals("on-failure", s.get("restart"));
        assertEquals(5, ((Number) s.get("max_restarts")).intValue());
        assertEquals(1, ((Number) ((Map<?, ?>) s.get("last_exit")).get("exit_code")).intValue(), s.toString());
        assertTrue(s.get("time_to_ready_ms") instanceof Number, s.toString());
        String out = pyro.logsService(ws, "up", LogQuery.stdout()).stdout();
        assertTrue(out.contains("[pyro] restart 1 after exit 1\n") && out.contains("[pyro] restart 2 after exit 1\n"), out);
        assertEquals("stopped", pyro.stopService(ws, "up", 1).state());
    }

    @Test
    void policyNoLeavesItFailedAndTheLimitIsNamed() {
        PyroException no = assertThrows(PyroException.class, () -> pyro.startService(ws, "nope", "echo x; exit 1",
                ServiceOptions.defaults()));
        assertEquals(ErrorCode.GUEST_FAILURE, no.code());
        assertEquals("failed", pyro.statusService(ws, "nope").state());
        assertEquals(0, ((Number) pyro.statusService(ws, "nope").get("restart_count")).intValue());

        PyroException limit = assertThrows(PyroException.class, () -> pyro.startService(ws, "limit", "exit 7",
                ServiceOptions.defaults().restart("always").maxRestarts(2)));
        assertEquals(ErrorCode.GUEST_FAILURE, limit.code());
        assertTrue(limit.getMessage().startsWith("service 'limit' failed (max restarts reached): gave up after 2"
                + " restarts in a row"), limit.getMessage());
        assertTrue(limit.getMessage().contains("exit 7"), limit.getMessage());
    }

    @Test
    void startOrderWaitsRefusesCyclesAndNamesTheDependency() {
        ServiceInfo db = pyro.startService(ws, "db", List.of("sh", "-c", "sleep 0.5; touch db.ready; exec sleep 600"),
                ServiceOptions.defaults().readiness(Readiness.file("db.ready").withTimeout(10, 20)));
        ServiceInfo web = pyro.startService(ws, "web", "exec sleep 600", ServiceOptions.defaults().after("db"));
        assertEquals("running", web.state());
        assertEquals(List.of("db:ready"), web.get("after"));
        assertTrue(((String) web.get("started_at")).compareTo((String) db.get("ready_at")) >= 0);

        PyroException unknown = assertThrows(PyroException.class, () -> pyro.startService(ws, "api", "exec sleep 600",
                ServiceOptions.defaults().after("db", "cache:started")));
        assertEquals(ErrorCode.INVALID_INPUT, unknown.code());
        assertTrue(unknown.getMessage().contains("'cache'"), unknown.getMessage());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(PyroException.class, () -> pyro.statusService(ws, "api")).code());

        pyro.stopService(ws, "db", 1);
        PyroException cycle = assertThrows(PyroException.class, () -> pyro.startService(ws, "db", "exec sleep 600",
                ServiceOptions.defaults().after("web:started")));
        assertEquals(ErrorCode.INVALID_INPUT, cycle.code());
        assertTrue(cycle.getMessage().contains("db -> web -> db"), cycle.getMessage());
        assertEquals("stopped", pyro.statusService(ws, "db").state(), "the refused start changed nothing");

        PyroException waited = assertThrows(PyroException.class, () -> pyro.startService(ws, "late", "exec sleep 600",
                ServiceOptions.defaults().after("db").readiness(Readiness.none().withTimeout(1, 500))));
        assertEquals(ErrorCode.GUEST_FAILURE, waited.code());
        assertTrue(waited.getMessage().contains("'db' to be ready") && waited.getMessage().contains("'db' is stopped"),
                waited.getMessage());
        pyro.stopService(ws, "web", 1);
    }

    @Test
    void badPolicyInputIsInvalidBeforeTheGuestIsAsked() {
        for (ServiceOptions o : List.of(ServiceOptions.defaults().restart("sometimes"),
                ServiceOptions.defaults().maxRestarts(-1), ServiceOptions.defaults().after("x:up"),
                ServiceOptions.defaults().after("bad"))) {
            PyroException e = assertThrows(PyroException.class, () -> pyro.startService(ws, "bad", "true", o));
            assertEquals(ErrorCode.INVALID_INPUT, e.code(), e.getMessage());
        }
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(PyroException.class, () -> pyro.statusService(ws, "bad")).code());
    }
}
