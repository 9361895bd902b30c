package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.internal.Json;

/**
 * Restart policy and start order in a real guest through the packaged CLI: a service that fails twice
 * and then stays up (each run in its own cgroup, killed whole: what a failed run left behind is gone),
 * one that starts after it, and start orders refused before anything starts.
 */
class ServiceRestartGuestTest {
    static String ws;
    static Pyro pyro;

    @BeforeAll
    static void setUp() {
        ws = SharedWorkspace.id();
        pyro = Guests.sdk(SharedWorkspace.state());
        pyro.execWorkspace(ws, List.of("mkdir", "-p", "rsvc"), null, 30);
    }

    @Test
    void restartsWithBackoffThenStartOrderHoldsAndCyclesAreRefused() {
        // each run leaves a background child; the run's cgroup is killed whole when it ends
        String script = "n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; echo try $n;"
                + " sleep 1000 & echo $! > child.$n; [ $n -ge 3 ] || exit 1; touch db.ready; exec sleep 1000";
        Cli.Result db = SharedWorkspace.cli("workspace", "service", "start", ws, "rdb", "--cwd", "rsvc",
                "--restart", "on-failure", "--max-restarts", "4", "--ready-file", "db.ready", "--json", "--",
                "sh", "-c", script);
        assertEquals(0, db.exitCode(), db.toString());
        Map<String, Object> rec = Json.readMap(db.stdout());
        assertEquals("running", rec.get("state"), rec.toString());
        assertEquals(2, ((Number) rec.get("restart_count")).intValue(), rec.toString());
        assertEquals(1, ((Number) ((Map<?, ?>) rec.get("last_exit")).get("exit_code")).intValue(), rec.toString());
        assertTrue(rec.get("time_to_ready_ms") instanceof Number, rec.toString());

        String left = pyro.execWorkspace(ws, List.of("sh", "-c",
                "cd rsvc; for f in child.1 child.2; do kill -0 $(cat $f) 2>/dev/null && echo alive $f; done; echo checked"),
                null, 30).stdout();
        assertEquals("checked\n", left, "a failed run's background child is killed with its cgroup");
        Map<String, Object> logs = SharedWorkspace.json("workspace", "service", "logs", ws, "rdb", "--json");
        assertTrue(logs.get("stdout").toString().startsWith("try 1\n[pyro] restart 1 after exit 1\ntry 2\n"
                + "[pyro] restart 2 after exit 1\ntry 3\n"), logs.toString());

        Cli.Result web = SharedWorkspace.cli("workspace", "service", "start", ws, "rweb", "--cwd", "rsvc",
                "--after", "rdb:ready", "--json", "--", "sleep", "1000");
        assertEquals(0, web.exitCode(), web.toString());
        assertEquals(List.of("rdb:ready"), Json.readMap(web.stdout()).get("after"));

        Cli.Result unknown = SharedWorkspace.cli("workspace", "service", "start", ws, "rapi", "--after", "rweb",
                "--after", "rcache", "--", "sleep", "1000");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.stderr().contains("'rcache'"), unknown.toString());

        assertEquals(0, SharedWorkspace.cli("workspace", "service", "stop", ws, "rdb").exitCode());
        Cli.Result cycle = SharedWorkspace.cli("workspace", "service", "start", ws, "rdb", "--after", "rweb:started",
                "--", "sleep", "1000");
        assertEquals(2, cycle.exitCode(), cycle.toString());
        assertTrue(cycle.stderr().contains("rdb -> rweb -> rdb"), cycle.toString());
        assertEquals("stopped", pyro.statusService(ws, "rdb").state(), "nothing half-started");

        // a probe that cannot pass, so the exit is seen before readiness whatever the timing (without a
        // probe a service counts as running once spawned, and under load the start could answer first)
        Cli.Result once = SharedWorkspace.cli("workspace", "service", "start", ws, "ronce", "--ready-file",
                "ronce.never", "--ready-timeout-seconds", "30", "--", "sh", "-c", "exit 1");
        assertEquals(5, once.exitCode(), once.toString());
        assertEquals(0, ((Number) pyro.statusService(ws, "ronce").get("restart_count")).intValue());
        pyro.stopService(ws, "rweb", 2);
    }
}
