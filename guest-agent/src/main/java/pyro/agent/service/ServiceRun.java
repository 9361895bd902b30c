package pyro.agent.service;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import pyro.agent.cgroup.Cgroup;
import pyro.agent.cgroup.Cgroups;
import pyro.agent.secret.SecretFilter;
import pyro.agent.secret.Secrets;

/**
 * The processes of one service's runs: spawns a run (its cgroup made afresh, the process the leader of
 * its own session, stdout and stderr pumped into the capped logs with secrets redacted, a waiter that
 * records the exit), and ends them: TERM then KILL to the whole cgroup (or, without cgroups, the process
 * group and tree), and a sweep of whatever a run left behind. A record loaded after an agent restart has no
 * spec: its process is not our child, so only its disappearance is seen.
 */
final class ServiceRun {
    private final String name;
    private final ServiceSpec spec; // null for a record loaded after an agent restart
    private final Cgroup group;
    private final ServiceLife life;
    private final Runnable persist;

    ServiceRun(String name, ServiceSpec spec, Cgroup group, ServiceLife life, Runnable persist) {
        this.name = name;
        this.spec = spec;
        this.group = group;
        this.life = life;
        this.persist = persist;
    }

    /**
     * Spawns one run in a fresh cgroup with its pumps and waiter. Returns false when there is nothing to
     * run (a stop came first, or the spawn failed: then the service is failed).
     */
    boolean spawn() {
        if (!life.claimSpawn()) {
            return false;
        }
        try {
            try {
                group.create();
            } catch (IOException e) {
                failBeforeSpawn("cannot make the service's cgroup " + group + ": " + e.getMessage());
                return false;
            }
            List<String> argv = new ArrayList<>();
            if (ProcessGroup.SETSID != null) {
                argv.add(ProcessGroup.SETSID);
            }
            argv.addAll(spec.argv());
            ProcessBuilder pb = new ProcessBuilder(group.wrap(argv)).directory(spec.cwd().toFile());
            pb.environment().clear();
            pb.environment().putAll(spec.env());
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                Cgroups.current().retire(group);
                failBeforeSpawn("cannot start " + spec.argv().get(0) + ": " + e.getMessage());
                return false;
            }
            CountDownLatch runEnded = new CountDownLatch(1);
            life.spawned(p.toHandle(), runEnded);
            LogFile o = life.stdout();
            LogFile e = life.stderr();
            persist.run();
            Thread outPump = Thread.ofVirtual().name("service-" + name + "-stdout").start(() -> pump(p.getInputStream(), o));
            Thread errPump = Thread.ofVirtual().name("service-" + name + "-stderr").start(() -> pump(p.getErrorStream(), e));
            Thread.ofVirtual().name("service-" + name + "-waiter").start(() -> {
                int code;
                boolean oom;
                try {
                    code = p.waitFor();
                    oom = endGroup();
                    // let the pumps catch the last lines (a background child may keep the pipes open: do not wait for it)
                    outPump.join(Duration.ofSeconds(1));
                    errPump.join(Duration.ofSeconds(1));
                } catch (InterruptedException ie) {
                    return;
                }
                exited(code, oom, runEnded);
            });
            return true;
        } finally {
            life.spawnOver();
        }
    }

    /** Nothing could be spawned: the service is failed, for good. */
    void failBeforeSpawn(String why) {
        life.failedBeforeSpawn(why);
        persist.run();
    }

    /** Watches a process re-attached after an agent restart: not our child, so only its disappearance shows. */
    void watch(ProcessHandle h, CountDownLatch runEnded) {
        Thread.ofVirtual().name("service-" + name + "-waiter").start(() -> {
            try {
                while (h.isAlive() && !zombie(h.pid())) {
                    Thread.sleep(250);
                }
            } catch (InterruptedException e) {
                return;
            }
            exited(null, endGroup(), runEnded);
        });
    }

    private void exited(Integer code, boolean oom, CountDownLatch runEnded) {
        life.exited(code, oom);
        runEnded.countDown();
        persist.run();
        life.wakeUp();
    }

    /**
     * The main process ended: unless a stop (or a readiness timeout) is killing the cgroup anyway, kill
     * what it left behind (its pipes then close). Returns whether the OOM killer killed in the cgroup.
     */
    private boolean endGroup() {
        boolean oom = group.oomKills() > 0;
        if (!life.killing()) {
            Cgroups.current().retire(group);
        }
        return oom;
    }

    /** Copies a pipe into a log with a fixed buffer; never holds more than one buffer in memory. */
    private void pump(InputStream in, LogFile log) {
        byte[] buf = new byte[64 * 1024];
        // the log is on the guest's disk: secrets are redacted before they reach it
        SecretFilter filter = Secrets.get().filter((b, off, n) -> {
            if (log.write(b, off, n)) {
                persist.run();
            }
        }, SecretFilter.LOG_IDLE_FLUSH_MS);
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (filter != null) {
                    filter.write(buf, 0, n);
                } else if (log.write(buf, 0, n)) {
                    persist.run();
                }
            }
        } catch (IOException e) {
            // pipe closed
        } finally {
            if (filter != null) {
                filter.flush();
            }
        }
    }

    /** TERM to the whole group and tree, wait up to the grace for all of it, then KILL what is left. */
    void terminate(long graceMs) throws InterruptedException {
        ProcessHandle h = life.handle();
        long pgid = life.pid();
        if (group.enabled()) {
            terminateGroup(h, graceMs);
            return;
        }
        if (pgid <= 1) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        if (h != null) {
            tree.add(h);
            tree.addAll(h.descendants().toList());
        }
        long deadline = System.nanoTime() + graceMs * 1_000_000L;
        if (graceMs > 0) {
            ProcessGroup.signal(pgid, tree, false);
            while (System.nanoTime() < deadline && (anyAlive(tree) || ProcessGroup.anyAlive(pgid))) {
                Thread.sleep(20);
            }
        }
        for (int round = 0; round < 3; round++) {
            List<ProcessHandle> more = new ArrayList<>(tree);
            if (h != null && h.isAlive()) {
                more.addAll(h.descendants().toList());
            }
            ProcessGroup.signal(pgid, more, true);
            if (!anyAlive(more) && !ProcessGroup.anyAlive(pgid)) {
                break;
            }
            Thread.sleep(50);
        }
        awaitExitRecorded(h);
    }

    /**
     * With cgroups: TERM to every process in the cgroup (a {@code setsid} daemon is in neither the process
     * group nor, once re-parented, the tree), up to the grace for the cgroup to empty, then
     * {@code cgroup.kill}. No /proc scan: under a fork bomb it costs seconds.
     */
    private void terminateGroup(ProcessHandle h, long graceMs) throws InterruptedException {
        if (graceMs > 0) {
            group.signal("TERM"); // every member: the leader, its group and tree, and any setsid daemon
            group.awaitEmpty(graceMs);
        }
        Cgroups.current().retire(group);
        awaitExitRecorded(h);
    }

    private void awaitExitRecorded(ProcessHandle h) throws InterruptedException {
        if (h != null) {
            // our child: wait for the waiter to record the exit status; a re-attached process is not our
            // child, so its end shows only as gone (or as a zombie its new parent has not reaped yet)
            CountDownLatch runEnded = life.runEnded();
            long end = System.nanoTime() + 5_000_000_000L;
            while (!runEnded.await(20, TimeUnit.MILLISECONDS) && System.nanoTime() < end) {
                if (spec == null && (!h.isAlive() || zombie(h.pid()))) {
                    break;
                }
            }
        }
    }

    /** SIGKILL to whatever is left of the service: its cgroup, else its process group. */
    void killLeftovers() {
        if (group.enabled()) {
            Cgroups.current().retire(group);
        } else {
            killProcessGroup(life.pid());
        }
    }

    /** Without cgroups: SIGKILL to what is left of the process group {@code pgid} (a cgroup is retired whole). */
    static void reap(Cgroup group, long pgid) {
        if (!group.enabled()) {
            killProcessGroup(pgid);
        }
    }

    private static void killProcessGroup(long pgid) {
        if (pgid > 1 && ProcessGroup.anyAlive(pgid)) {
            ProcessGroup.signal(pgid, List.of(), true);
        }
    }

    private static boolean anyAlive(List<ProcessHandle> hs) {
        for (ProcessHandle p : hs) {
            if (p.isAlive() && !zombie(p.pid())) {
                return true;
            }
        }
        return false;
    }

    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
