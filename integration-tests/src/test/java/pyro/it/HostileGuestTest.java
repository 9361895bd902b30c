package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.WorkspaceOptions;
import pyro.core.model.ExecResult;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ShellInfo;
import pyro.core.model.WorkspaceInfo;

/**
 * What a hostile or runaway command does to a real guest: the agent keeps answering, and nothing an exec,
 * a service or a shell started outlives its kill. One workspace of its own (these tests are rough on a
 * guest), booted once. Each test is named after the attack it reproduces; bounds are generous for TCG on a
 * shared 2-core host, but real.
 */
class HostileGuestTest {
    static final String USER = "/sys/fs/cgroup/pyro.slice/user";
    // a trivial exec under TCG while a fork bomb runs, on a CI machine busy with the rest of the suite
    static final long ANSWER_BOUND_MS = 20_000;
    static Pyro pyro;
    static String ws;
    static java.nio.file.Path state;

    @BeforeAll
    static void setUp() {
        Guests.requireGuests();
        state = Guests.newStateDir("hostile");
        Guests.pull(state);
        pyro = Guests.sdk(state);
        // the default memory (1 GiB: the hogs must outgrow it) and a TTL well past this class's few minutes
        WorkspaceInfo w = pyro.createWorkspace(WorkspaceOptions.of(Guests.ENV).ttlSeconds(3600));
        ws = w.workspaceId();
    }

    /** A failed test must not leave its attack running into the next one. */
    @AfterEach
    void stopWhatIsStillRunning() {
        for (ServiceInfo s : pyro.listServices(ws).services()) {
            if (List.of("starting", "running").contains(s.state())) {
                pyro.stopService(ws, s.serviceName(), 1);
            }
        }
    }

    @AfterAll
    static void tearDown() {
        if (ws != null) {
            pyro.deleteWorkspace(ws);
        }
    }

    private static ExecResult sh(String cmd, long timeoutSeconds) {
        return pyro.execWorkspace(ws, cmd, null, timeoutSeconds);
    }

    private static String out(String cmd) {
        ExecResult r = sh(cmd, 60);
        assertEquals(0, r.exitCode(), cmd + " -> " + r);
        return r.stdout().strip();
    }

    /** How many live processes have a command line matching {@code regex} (written so it never matches itself). */
    private static int processes(String regex) {
        return Integer.parseInt(out("pgrep -f '" + regex + "' | wc -l"));
    }

    /** The cgroups under user/ whose name starts with {@code prefix}, the asking exec's own one left out. */
    /**
     * Each attack starts on a quiet guest: what an earlier one left to its own timeout (its exec's
     * cgroup is removed when that exec ends) must not be counted against the next test.
     */
    @org.junit.jupiter.api.BeforeEach
    void quiet() throws InterruptedException {
        waitFor(() -> cgroups("exec-").isEmpty(), "earlier tests' exec cgroups to go");
    }

    private static String cgroups(String prefix) {
        return out("self=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup); for d in " + USER + "/" + prefix
                + "*/; do d=${d%/}; [ -d \"$d\" ] && [ \"$d\" != \"$self\" ] && echo \"${d##*/}\"; done; true");
    }

    private static long agentPid() {
        String pid = out("pidof java");
        assertTrue(out("cat /sys/fs/cgroup/pyro.slice/agent/cgroup.procs").lines().anyMatch(pid::equals),
                "the agent runs in pyro.slice/agent");
        assertEquals("-1000", out("cat /proc/" + pid + "/oom_score_adj"), "the agent is exempt from the OOM killer");
        return Long.parseLong(pid);
    }

    /** {@code call}'s result, failing as soon as it takes {@code boundMs} (a hung agent fails the test then). */
    private static <T> T within(long boundMs, String what, Supplier<T> call) {
        try {
            return CompletableFuture.supplyAsync(call, Cli.VIRTUAL).get(boundMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not answer within " + boundMs + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new RuntimeException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + " was interrupted");
        }
    }

    /**
     * While {@code attack} runs: a trivial exec (one process, no fork: the user part's pids may all be taken)
     * and a status call, again and again, each answered within {@link #ANSWER_BOUND_MS}. Returns the
     * highest user pids.current seen, so the caller can tell the attack really happened.
     */
    private static long answersWhile(CompletableFuture<?> attack, long forMs) throws InterruptedException {
        long peak = 0;
        int probes = 0;
        long end = System.nanoTime() + forMs * 1_000_000L;
        while (!attack.isDone() && System.nanoTime() < end) {
            ExecResult r = within(ANSWER_BOUND_MS, "a trivial exec during the attack",
                    () -> pyro.execWorkspace(ws, List.of("cat", USER + "/pids.current"), null, 30));
            assertEquals(0, r.exitCode(), r.toString());
            peak = Math.max(peak, Long.parseLong(r.stdout().strip()));
            WorkspaceInfo st = within(ANSWER_BOUND_MS, "workspace status during the attack",
                    () -> pyro.statusWorkspace(ws));
            assertEquals("started", st.state(), st.toString());
            probes++;
            Thread.sleep(500);
        }
        assertTrue(probes >= 3, "only " + probes + " probes ran while the attack lasted");
        return peak;
    }

    @Test
    void forkBombInExecLeavesTheAgentAnswering() throws Exception {
        long agent = agentPid();
        long t0 = System.nanoTime();
        CompletableFuture<ExecResult> bomb = CompletableFuture.supplyAsync(
                () -> pyro.execWorkspace(ws, List.of("bash", "-c", ":(){ :|:& };:; sleep 120", "fbomb7790"), null, 20),
                Cli.VIRTUAL);
        long peak = answersWhile(bomb, 40_000);
        ExecResult r = within(1_000, "the bomb's exec", bomb::join);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // its 20 s timeout plus up to 20 s to kill it all (about 8 s measured under TCG)
        assertTrue(ms < 40_000, "the bomb's exec took " + ms + " ms against its 20 s timeout");
        assertTrue(peak >= 500, "the bomb never got going: user pids.current peaked at " + peak);
        assertTrue(r.timedOut() || r.exitCode() != 0, "the bomb's exec ended well: " + r);
        assertEquals(0, processes("fbomb[7]790"), "processes of the bomb are left");
        assertEquals("", cgroups("exec-"), "exec cgroups are left");
        assertEquals(agent, agentPid(), "the agent was restarted");
    }

    @Test
    void cpuHogFanOutLeavesTheAgentAnswering() throws Exception {
        // 64 busy loops: without the cpu controller the agent got a 65th of the CPU (a trivial exec took 31 s)
        CompletableFuture<ExecResult> hog = CompletableFuture.supplyAsync(() -> pyro.execWorkspace(ws, List.of("sh", "-c",
                "for i in $(seq 64); do (while :; do :; done) & done; wait", "cpuhog7794"), null, 15), Cli.VIRTUAL);
        long peak = answersWhile(hog, 15_000 + 15_000);
        ExecResult r = within(1_000, "the busy loops' exec", hog::join);
        assertTrue(peak >= 64, "the busy loops never ran: user pids.current peaked at " + peak);
        assertTrue(r.timedOut(), r.toString());
        assertEquals(0, processes("cpuhog[7]794"), "busy loops are left");
    }

    @Test
    void forkBombThatReturnsAtOnceDiesWithItsExec() {
        // the bomb's first shell returns at once: the exec "succeeds" in about 2 s, and its children must not live on
        ExecResult r = within(30_000, "an exec whose fork bomb outlives its first shell",
                () -> pyro.execWorkspace(ws, List.of("bash", "-c", ":(){ :|:& };:", "fbomb7793"), null, 20));
        assertTrue(!r.timedOut(), r.toString());
        assertEquals(0, processes("fbomb[7]793"), "processes of the bomb are left");
        assertEquals("", cgroups("exec-"), "exec cgroups are left");
    }

    @Test
    void forkBombInServiceLeavesTheAgentAnswering() throws Exception {
        long agent = agentPid();
        pyro.startService(ws, "bomb", List.of("bash", "-c", ":(){ :|:& };:; sleep 600", "sbomb7791"), null,
                Map.of(), Readiness.none());
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> sleep(15_000), Cli.VIRTUAL);
        long peak = answersWhile(running, 15_000);
        assertTrue(peak >= 500, "the bomb never got going: user pids.current peaked at " + peak);
        ServiceInfo stopped = within(30_000, "stopping the bombing service", () -> pyro.stopService(ws, "bomb", 2));
        assertTrue(List.of("stopped", "failed").contains(stopped.state()), stopped.toString());
        assertEquals(0, processes("sbomb[7]791"), "processes of the bomb are left");
        assertEquals("", cgroups("svc-bomb"), "the service's cgroup is left");
        assertEquals(agent, agentPid(), "the agent was restarted");
    }

    @Test
    void setsidDaemonDiesWithServiceStop() throws Exception {
        pyro.startService(ws, "daemon", "setsid sh -c 'sleep 7780' </dev/null >/dev/null 2>&1 & exec sleep 1000", null,
                Map.of(), Readiness.none());
        waitFor(() -> processes("^sleep 778[0]$") == 1, "the daemon to start");
        ServiceInfo s = within(15_000, "service stop", () -> pyro.stopService(ws, "daemon", 2));
        assertEquals("stopped", s.state(), s.toString());
        assertEquals(0, processes("^sleep 778[0]$"), "the setsid daemon outlived service stop");
        assertEquals("", cgroups("svc-daemon"));
    }

    @Test
    void execTimeoutKillsSetsidGrandchild() {
        ExecResult r = within(2_000 + 12_000, "an exec with a 2 s timeout",
                () -> sh("(setsid sleep 7781 </dev/null >/dev/null 2>&1 &); sleep 60", 2));
        assertTrue(r.timedOut(), r.toString());
        assertEquals(124, r.exitCode());
        assertEquals(0, processes("^sleep 778[1]$"), "the setsid grandchild outlived the exec's timeout");
        assertEquals("", cgroups("exec-"));
    }

    @Test
    void shellCloseKillsSetsidChildren() throws Exception {
        ShellInfo s = pyro.openShell(ws, null, 80, 24);
        pyro.writeShell(ws, s.shellId(), "(setsid sleep 7782 </dev/null >/dev/null 2>&1 &); setsid sleep 7783 &", true);
        waitFor(() -> processes("^sleep 778[23]$") == 2, "the shell's setsid children to start");
        ShellInfo closed = within(15_000, "shell close", () -> pyro.closeShell(ws, s.shellId()));
        assertEquals("closed", closed.state());
        assertEquals(0, processes("^sleep 778[23]$"), "setsid children outlived the shell's close");
        assertEquals("", cgroups("shell-"));
    }

    @Test
    void memoryHogInExecDoesNotKillTheAgent() {
        long agent = agentPid();
        long oomBefore = Long.parseLong(out("sed -n 's/^oom_kill //p' " + USER + "/memory.events"));
        // more than the guest's 1 GiB, in 64 MiB steps of touched pages
        ExecResult r = within(120_000, "the memory hog", () -> pyro.execWorkspace(ws, List.of("python3", "-c",
                "b = []\nwhile True: b.append(b'x' * (64 << 20))"), null, 100));
        assertEquals(137, r.exitCode(), "the hog should end by SIGKILL from the OOM killer: " + r);
        long oomAfter = Long.parseLong(out("sed -n 's/^oom_kill //p' " + USER + "/memory.events"));
        assertTrue(oomAfter > oomBefore, "the OOM kill was not the user cgroup's: " + oomBefore + " -> " + oomAfter);
        assertEquals(agent, agentPid(), "the agent was killed and restarted");
        assertEquals("started", within(ANSWER_BOUND_MS, "status", () -> pyro.statusWorkspace(ws)).state());
        assertEquals("", cgroups("exec-"));
    }

    @Test
    void memoryHogServiceEndsFailedSayingOutOfMemory() throws Exception {
        long agent = agentPid();
        pyro.startService(ws, "hog", List.of("sh", "-c",
                "sleep 1; exec python3 -c \"b = []\nwhile True: b.append(b'x' * (64 << 20))\""), null,
                Map.of(), Readiness.none());
        List<ServiceInfo> seen = new ArrayList<>();
        waitFor(() -> {
            ServiceInfo s = pyro.statusService(ws, "hog");
            seen.add(s);
            return !s.state().equals("running");
        }, "the hog to be killed");
        ServiceInfo end = seen.getLast();
        assertEquals("failed", end.state(), end.toString());
        assertEquals("oom_killed", end.stopReason(), end.toString());
        assertEquals("SIGKILL", end.get("signal"), end.toString());
        assertEquals("", cgroups("svc-hog"));
        assertEquals(agent, agentPid(), "the agent was killed and restarted");
    }

    /**
     * Issue 14 item 11: with --network the guest's NIC is on passt, told not to map the gateway to
     * the host, instead of QEMU's user networking, whose gateway 10.0.2.2 is the host's 127.0.0.1.
     * Read from the command lines and the guest's own state only: no traffic goes anywhere.
     */
    @Test
    void networkGoesThroughPasstWhoseGatewayIsNotTheHostsLoopback() throws Exception {
        assertEquals("lo", out("ls /sys/class/net"), "without --network the guest has no NIC at all");
        WorkspaceInfo net = pyro.createWorkspace(WorkspaceOptions.of(Guests.ENV).network(true).memMib(512));
        java.nio.file.Path dir = state.resolve("instances").resolve(net.workspaceId());
        ProcessHandle passt;
        try {
            ExecResult r = pyro.execWorkspace(net.workspaceId(),
                    "ip -4 -o addr show eth0; ip route show default; cat /etc/resolv.conf", null, 60);
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.stdout().contains("inet 10.0.2.15/24"), r.stdout());
            assertTrue(r.stdout().contains("default via 10.0.2.2 dev eth0"), r.stdout());
            assertTrue(r.stdout().contains("nameserver 10.0.2.3"), r.stdout());
            String qemu = process(dir.resolve("vmm.pid")).info().commandLine().orElseThrow();
            assertTrue(qemu.contains("-netdev stream,id=n0,server=off,addr.type=unix,addr.path=" + dir.resolve("net.sock")),
                    qemu);
            assertFalse(qemu.contains("user,id="), "QEMU's own user networking: " + qemu);
            passt = process(dir.resolve("net.pid"));
            String cmd = passt.info().commandLine().orElseThrow();
            assertTrue(cmd.contains("--no-map-gw") && cmd.contains("--tcp-ports none") && cmd.contains("--udp-ports none"),
                    cmd);
        } finally {
            pyro.deleteWorkspace(net.workspaceId());
        }
        ProcessHandle p = passt;
        waitFor(() -> !p.isAlive(), "passt to end with its workspace");
    }

    private static ProcessHandle process(java.nio.file.Path pidFile) throws java.io.IOException {
        long pid = Long.parseLong(java.nio.file.Files.readString(pidFile).strip());
        return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError(pidFile + " names no live process"));
    }

    private static void waitFor(Supplier<Boolean> cond, String what) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (!cond.get()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after 60 s waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
