package pyro.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.Frame;

/**
 * Restart policies and start order against the real agent in its own JVM: on-failure with growing
 * delays up to max_restarts, always after exit 0 with readiness checked again, no restart for policy
 * no, restart markers and log cursors across restarts, stop during a pending restart, and start order
 * (waiting for readiness, unknown names, cycles, a dependency that never gets there).
 */
class ServiceRestartPolicyHostProcessTest {
    @TempDir
    static Path tmp;

    static Path ws;
    static ServiceAgent agent;

    @BeforeAll
    static void startAgent() throws Exception {
        ws = Files.createDirectories(tmp.resolve("ws"));
        agent = new ServiceAgent(ws, tmp.resolve("svc"));
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent == null) {
            return;
        }
        agent.stopServicesAndClose();
    }

    static Map<String, Object> start(String name, String script, String restart, Integer max, List<String> after,
            Map<String, Object> readiness) {
        Map<String, Object> m = ServicesHostProcessTest.start(name, ServicesHostProcessTest.sh(script), readiness);
        if (restart != null) {
            m.put("restart", restart);
        }
        if (max != null) {
            m.put("max_restarts", max);
        }
        if (after != null) {
            m.put("after", after);
        }
        return m;
    }

    static Map<String, Object> ok(Map<String, Object> request) throws Exception {
        return ServicesHostProcessTest.service(agent.call(request));
    }

    static Map<String, Object> status(String name) throws Exception {
        return ok(Map.of("type", "service_status", "name", name));
    }

    static Frame logs(String name, Long after) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_logs");
        m.put("name", name);
        m.put("stream", "stdout");
        if (after != null) {
            m.put("after_stdout", after);
        }
        return agent.call(m);
    }

    static Map<String, Object> awaitState(String name, String state, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        Map<String, Object> rec;
        do {
            rec = status(name);
            if (state.equals(rec.get("state"))) {
                return rec;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(name + " never reached " + state + ": " + rec);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> lastExit(Map<String, Object> rec) {
        return (Map<String, Object>) rec.get("last_exit");
    }

    static List<Long> stamps(String file) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String l : Files.readAllLines(ws.resolve(file))) {
            out.add(Long.parseLong(l.strip()) / 1_000_000);
        }
        return out;
    }

    @Test
    void onFailureRestartsWithGrowingDelaysAndEndsFailedAfterMaxRestarts() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Object> rec = ok(start("crashy", "date +%s%N >> crashy.times; echo run; exit 1", "on-failure", 3,
                null, null));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("failed", rec.get("state"), rec.toString());
        assertEquals("max_restarts_reached", rec.get("stop_reason"), rec.toString());
        assertEquals(3, ((Number) rec.get("restart_count")).intValue(), rec.toString());
        assertEquals("on-failure", rec.get("restart"));
        assertEquals(3, ((Number) rec.get("max_restarts")).intValue());
        assertTrue(String.valueOf(rec.get("note")).contains("gave up after 3 restarts in a row"), rec.toString());
        assertTrue(String.valueOf(rec.get("note")).contains("exit 1"), rec.toString());
        assertEquals(1, ((Number) rec.get("exit_code")).intValue(), "the last run's own exit");
        assertEquals(1, ((Number) lastExit(rec).get("exit_code")).intValue(), rec.toString());
        assertNull(rec.get("next_restart_at"));
        assertTrue(tookMs >= 250 + 500 + 1000, "the backoff is 250, 500, 1000 ms: took " + tookMs + " ms");

        List<Long> at = stamps("crashy.times");
        assertEquals(4, at.size(), "one first run and 3 restarts: " + at);
        long d1 = at.get(1) - at.get(0);
        long d2 = at.get(2) - at.get(1);
        long d3 = at.get(3) - at.get(2);
        assertTrue(d1 >= 240 && d2 >= 490 && d3 >= 990, "delays " + d1 + ", " + d2 + ", " + d3);
        assertTrue(d2 > d1 && d3 > d2, "growing delays " + d1 + ", " + d2 + ", " + d3);

        String out = logs("crashy", null).string("stdout");
        assertEquals("run\n[pyro] restart 1 after exit 1\nrun\n[pyro] restart 2 after exit 1\nrun\n"
                + "[pyro] restart 3 after exit 1\nrun\n", out);
        Thread.sleep(600);
        assertEquals(4, stamps("crashy.times").size(), "a failed service is not restarted any more");
    }

    @Test
    void onFailureComesUpAfterTwoFailedRunsWithItsReadinessCheckedEachTime() throws Exception {
        String script = "n=$(cat flaky.count 2>/dev/null || echo 0); n=$((n+1)); echo $n > flaky.count;"
                + " echo attempt $n; [ $n -ge 3 ] || exit 1; touch flaky.ready; exec sleep 1000";
        Map<String, Object> rec = ok(start("flaky", script, "on-failure", null, null,
                ServicesHostProcessTest.probe("type", "file", "path", "flaky.ready", "timeout_ms", 5000)));
        assertEquals("running", rec.get("state"), rec.toString());
        assertEquals(2, ((Number) rec.get("restart_count")).intValue(), rec.toString());
        assertEquals(5, ((Number) rec.get("max_restarts")).intValue(), "the documented default");
        assertEquals("exited_before_ready", lastExit(rec).get("stop_reason"), rec.toString());
        assertEquals(1, ((Number) lastExit(rec).get("exit_code")).intValue());
        assertNotNull(rec.get("time_to_ready_ms"), rec.toString());
        assertTrue(((Number) rec.get("time_to_ready_ms")).longValue() < 5000, rec.toString());
        assertNull(rec.get("next_restart_at"));
        assertNull(rec.get("exit_code"), "the current run has not ended");
        String out = logs("flaky", null).string("stdout");
        assertTrue(out.startsWith("attempt 1\n[pyro] restart 1 after exit 1\nattempt 2\n[pyro] restart 2 after exit 1\n"
                + "attempt 3\n"), out);
        assertEquals("stopped", ok(Map.of("type", "service_stop", "name", "flaky", "grace_ms", 1000)).get("state"));
    }

    @Test
    void alwaysRestartsAfterExitZeroChecksReadinessAgainAndKeepsCursorsValid() throws Exception {
        String script = "n=$(cat steady.count 2>/dev/null || echo 0); n=$((n+1)); echo $n > steady.count;"
                + " echo run $n; sleep 0.4; touch steady.ready; sleep 0.6; exit 0";
        Map<String, Object> rec = ok(start("steady", script, "always", 2, null,
                ServicesHostProcessTest.probe("type", "file", "path", "steady.ready", "timeout_ms", 5000)));
        assertEquals("running", rec.get("state"), rec.toString());
        assertEquals(0, ((Number) rec.get("restart_count")).intValue());
        assertNull(rec.get("last_exit"));
        long firstReady = ((Number) rec.get("time_to_ready_ms")).longValue();
        assertTrue(firstReady >= 300, "ready only once the file is there: " + rec);
        Frame first = logs("steady", null);
        assertEquals("run 1\n", first.string("stdout"));
        long cursor = ((Number) first.header().get("stdout_offset")).longValue();

        // the restarted run is not ready until it makes the file again (the agent removed the old one)
        Set<String> seen = new TreeSet<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        Map<String, Object> s;
        do {
            s = status("steady");
            seen.add(s.get("state") + "/" + s.get("restart_count") + (s.get("next_restart_at") != null ? "/waiting" : ""));
            Thread.sleep(20);
        } while (!"failed".equals(s.get("state")) && System.nanoTime() < deadline);
        assertTrue(seen.contains("starting/1") && seen.contains("running/1"), "states seen: " + seen);
        assertTrue(seen.contains("starting/0/waiting"), "a pending restart shows next_restart_at: " + seen);
        assertEquals("max_restarts_reached", s.get("stop_reason"), s.toString());
        assertEquals(2, ((Number) s.get("restart_count")).intValue());
        assertEquals(0, ((Number) lastExit(s).get("exit_code")).intValue(), s.toString());
        assertEquals(0, ((Number) s.get("exit_code")).intValue(), s.toString());

        Frame next = logs("steady", cursor);
        assertEquals("[pyro] restart 1 after exit 0\nrun 2\n[pyro] restart 2 after exit 0\nrun 3\n", next.string("stdout"),
                "a cursor from before the restarts reads on from where it was");
        assertFalse(Boolean.TRUE.equals(next.header().get("truncated")));
        assertEquals("run 1\n" + next.string("stdout"), logs("steady", null).string("stdout"), "logs append");
    }

    @Test
    void policyNoDoesNotRestart() throws Exception {
        Map<String, Object> rec = ok(start("once", "echo once; sleep 0.4; exit 1", null, null, null, null));
        assertEquals("running", rec.get("state"));
        assertEquals("no", rec.get("restart"));
        Map<String, Object> s = awaitState("once", "failed", 5000);
        Thread.sleep(700);
        s = status("once");
        assertEquals("failed", s.get("state"));
        assertEquals("exited", s.get("stop_reason"));
        assertEquals(0, ((Number) s.get("restart_count")).intValue());
        assertNull(s.get("last_exit"));
        assertEquals("once\n", logs("once", null).string("stdout"));
    }

    @Test
    void stopDuringAPendingRestartEndsItForGood() throws Exception {
        Map<String, Object> rec = ok(start("bouncer", "echo up; sleep 0.5; exit 3", "on-failure", 100, null, null));
        assertEquals("running", rec.get("state"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        Map<String, Object> s;
        do {
            s = status("bouncer");
            Thread.sleep(10);
        } while (s.get("next_restart_at") == null && System.nanoTime() < deadline);
        assertEquals("starting", s.get("state"), s.toString());
        assertNull(s.get("pid"), "no process while it waits: " + s);
        assertEquals(3, ((Number) lastExit(s).get("exit_code")).intValue(), s.toString());
        Instant.parse((String) s.get("next_restart_at"));
        Map<String, Object> stopped = ok(Map.of("type", "service_stop", "name", "bouncer", "grace_ms", 1000));
        assertEquals("stopped", stopped.get("state"), stopped.toString());
        assertNull(stopped.get("next_restart_at"));
        int count = ((Number) stopped.get("restart_count")).intValue();
        String logged = logs("bouncer", null).string("stdout");
        Thread.sleep(1500);
        Map<String, Object> later = status("bouncer");
        assertEquals("stopped", later.get("state"));
        assertEquals(count, ((Number) later.get("restart_count")).intValue());
        assertEquals(logged, logs("bouncer", null).string("stdout"), "nothing ran after the stop");

        // and a stop of a running one is final too
        ok(start("bouncer2", "echo up; exec sleep 1000", "always", null, null, null));
        long pid = ((Number) status("bouncer2").get("pid")).longValue();
        assertEquals("stopped", ok(Map.of("type", "service_stop", "name", "bouncer2", "grace_ms", 1000)).get("state"));
        Thread.sleep(800);
        assertEquals("stopped", status("bouncer2").get("state"));
        assertEquals(0, ((Number) status("bouncer2").get("restart_count")).intValue());
        assertTrue(ServicesHostProcessTest.gone(pid));
    }

    @Test
    void startOrderWaitsForTheDependencyToBeReady() throws Exception {
        long dbReq = agent.send(start("db", "sleep 1; touch db.ready; exec sleep 1000", null, null, null,
                ServicesHostProcessTest.probe("type", "file", "path", "db.ready", "timeout_ms", 10_000)));
        Thread.sleep(150);
        Map<String, Object> web = ok(start("web", "echo web; exec sleep 1000", null, null, List.of("db"), null));
        Map<String, Object> db = ServicesHostProcessTest.service(agent.await(dbReq, java.time.Duration.ofSeconds(30)));
        assertEquals("running", db.get("state"));
        assertEquals("running", web.get("state"), web.toString());
        assertEquals(List.of("db:ready"), web.get("after"));
        assertFalse(Instant.parse((String) web.get("started_at")).isBefore(Instant.parse((String) db.get("ready_at"))),
                "web started only once db was ready: " + web + " " + db);

        // started: as soon as the process is up
        ok(start("tail", "exec sleep 1000", null, null, List.of("web:started", "db:started"), null));
        // exited-ok: a one-shot that ended with 0
        ok(start("migrate", "echo migrated; sleep 0.3", null, null, null, null));
        awaitState("migrate", "exited", 5000);
        assertEquals("running", ok(start("api", "exec sleep 1000", null, null, List.of("migrate:exited-ok"), null))
                .get("state"));
    }

    @Test
    void startOrderRefusesUnknownNamesCyclesAndBadInputBeforeAnythingStarts() throws Exception {
        ok(start("alpha", "exec sleep 1000", null, null, null, null));
        ok(start("beta", "exec sleep 1000", null, null, List.of("alpha"), null));
        ServicesHostProcessTest.assertError(agent.call(start("gamma", "touch gamma.ran; exec sleep 1", null, null,
                List.of("alpha", "nosuch", "nothere:started"), null)), "invalid_input", "'nosuch', 'nothere'");
        ServicesHostProcessTest.assertError(agent.call(Map.of("type", "service_status", "name", "gamma")), "not_found",
                "gamma");
        assertFalse(Files.exists(ws.resolve("gamma.ran")));

        ok(Map.of("type", "service_stop", "name", "alpha", "grace_ms", 0));
        Frame cycle = agent.call(start("alpha", "touch alpha.ran; exec sleep 1000", null, null, List.of("beta"), null));
        ServicesHostProcessTest.assertError(cycle, "invalid_input", "alpha -> beta -> alpha");
        assertEquals("stopped", status("alpha").get("state"), "the refused start left alpha as it was");
        assertFalse(Files.exists(ws.resolve("alpha.ran")));
        ServicesHostProcessTest.assertError(agent.call(start("delta", "exec sleep 1", null, null, List.of("delta"), null)),
                "invalid_input", "after itself");

        ServicesHostProcessTest.assertError(agent.call(start("delta", "exec sleep 1", null, null, List.of("alpha:up"), null)),
                "invalid_input", "'up'");
        ServicesHostProcessTest.assertError(agent.call(start("delta", "exec sleep 1", "sometimes", null, null, null)),
                "invalid_input", "'sometimes'");
        ServicesHostProcessTest.assertError(agent.call(start("delta", "exec sleep 1", "always", -1, null, null)),
                "invalid_input", "-1");
        ServicesHostProcessTest.assertError(agent.call(Map.of("type", "service_status", "name", "delta")), "not_found",
                "delta");
        ok(Map.of("type", "service_stop", "name", "beta", "grace_ms", 0));
    }

    @Test
    void aDependencyThatIsNotThereInTimeOrCannotGetThereIsNamed() throws Exception {
        long slowReq = agent.send(start("slow", "exec sleep 1000", null, null, null,
                ServicesHostProcessTest.probe("type", "file", "path", "slow.never", "timeout_ms", 4000)));
        Thread.sleep(150);
        long t0 = System.nanoTime();
        Map<String, Object> rec = ok(start("waiter", "touch waiter.ran; exec sleep 1000", null, null, List.of("slow"),
                ServicesHostProcessTest.probe("type", "none", "timeout_ms", 1000)));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("failed", rec.get("state"), rec.toString());
        assertEquals("dependency_timeout", rec.get("stop_reason"));
        assertTrue(String.valueOf(rec.get("note")).contains("waited 1 s for 'slow' to be ready, and 'slow' is starting"),
                rec.toString());
        assertTrue(tookMs >= 900 && tookMs < 3500, "within the start's own timeout: " + tookMs);
        assertFalse(Files.exists(ws.resolve("waiter.ran")), "it never ran");
        agent.await(slowReq, java.time.Duration.ofSeconds(30));

        ok(start("dead", "exit 4", null, null, null, null));
        Map<String, Object> orphan = ok(start("orphan", "exec sleep 1000", null, null, List.of("dead:ready"), null));
        assertEquals("dependency_failed", orphan.get("stop_reason"), orphan.toString());
        assertTrue(String.valueOf(orphan.get("note")).contains("'dead' is failed (exited before ready)"), orphan.toString());
    }
}
