import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import pyro.core.internal.Json;

/**
 * pyro's soak test: N workspaces doing create, exec, services, snapshots, reset, fork, stop/start and
 * delete at random for a given time, through the packaged CLI as separate processes, with kill -9 of
 * random CLI calls and of supervisors thrown in. At the end: every record agrees with its processes
 * (nothing that says started is paused or gone, nothing stopped has a VMM), then everything is
 * deleted and no process, state file or partial save is left, and the host's memory is back where it
 * started. Prints the counts. Run through scripts/soak.
 */
public class Soak {
    static final String ENV = "debian:12";
    static Path pyro;
    static Path state;
    static final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    static final List<String> problems = new ArrayList<>();

    record Result(int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }
    }

    public static void main(String[] args) throws Exception {
        pyro = Path.of(args[0]).toAbsolutePath().resolve("bin/pyro");
        double minutes = Double.parseDouble(args[1]);
        int n = Integer.parseInt(args[2]);
        long seed = args.length > 3 ? Long.parseLong(args[3]) : System.nanoTime();
        Random r = new Random(seed);
        state = Files.createTempDirectory(Path.of("/tmp"), "pyro-soak-");
        System.out.printf("soak: %s min, %d workspaces, seed %d, state %s%n", minutes, n, seed, state);
        run(List.of("env", "pull", ENV), 3600);
        long memBefore = memAvailableMib();
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = "soak-" + i;
            count("create", run(List.of("workspace", "create", ENV, "--name", names[i], "--json"), 600));
        }
        long end = System.nanoTime() + (long) (minutes * 60e9);
        int ops = 0;
        while (System.nanoTime() < end) {
            step(r, names[r.nextInt(n)]);
            if (++ops % 10 == 0) {
                System.out.printf("soak: %d operations, %.1f min left, %s%n", ops, (end - System.nanoTime()) / 60e9, counts);
            }
        }
        for (String name : names) {
            check(name);
        }
        for (String name : names) {
            run(List.of("workspace", "delete", name), 300);
        }
        Thread.sleep(3_000);
        leftovers();
        long memAfter = memAvailableMib();
        System.out.printf("%nsoak report (seed %d, %d operations)%n", seed, ops);
        new TreeMap<>(counts).forEach((k, v) -> System.out.printf("  %-36s %d%n", k, v.get()));
        System.out.printf("  host MemAvailable: %d MiB before, %d MiB after%n", memBefore, memAfter);
        if (memAfter < memBefore - 512) {
            problems.add("the host has " + (memBefore - memAfter) + " MiB less available memory than before");
        }
        problems.forEach(p -> System.out.println("PROBLEM: " + p));
        System.out.println(problems.isEmpty() ? "soak: consistent, nothing left behind" : "soak: " + problems.size() + " problems");
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    /** One random operation on workspace {@code ws}. */
    static void step(Random r, String ws) throws Exception {
        Result status = run(List.of("workspace", "status", ws, "--json"), 120);
        String st = status.ok() ? String.valueOf(Json.readMap(status.out()).get("state")) : "gone";
        if (st.equals("failed")) { // a killed supervisor takes its VM with it: a reset brings a fresh guest
            count("recover failed: reset", run(List.of("workspace", "reset", ws), 600));
            return;
        }
        if (st.equals("stopped") && r.nextBoolean()) {
            count("start", run(List.of("workspace", "start", ws), 600));
            return;
        }
        if (st.equals("expired") || status.out().contains("\"expired")) { // a TTL passed: only delete is left
            count("expired: delete", run(List.of("workspace", "delete", ws), 300));
            st = "gone";
        }
        if (st.equals("gone")) {
            count("create", run(List.of("workspace", "create", ENV, "--name", ws, "--json"), 600));
            return;
        }
        int pick = r.nextInt(100);
        if (pick < 30) {
            count("exec", run(List.of("workspace", "exec", ws, "--", "sh", "-c", "echo $$ >> soak.log; wc -l < soak.log"), 120));
        } else if (pick < 38) {
            count("service-start", run(List.of("workspace", "service", "start", ws, "svc" + r.nextInt(3), "--ready-command",
                    "true", "--", "sh", "-c", "while true; do date >> svc.log; sleep 1; done"), 120));
        } else if (pick < 42) {
            count("service-stop", run(List.of("workspace", "service", "stop", ws, "svc" + r.nextInt(3)), 120));
        } else if (pick < 50) {
            count("snapshot-create", run(List.of("workspace", "snapshot", "create", ws, "s" + r.nextInt(3)), 600));
        } else if (pick < 55) {
            count("reset", run(List.of("workspace", "reset", ws, "--snapshot", "s" + r.nextInt(3)), 600));
        } else if (pick < 59) {
            String fork = ws + "-fork";
            count("fork", run(List.of("workspace", "fork", ws, "--name", fork), 600));
            count("fork-delete", run(List.of("workspace", "delete", fork), 300));
        } else if (pick < 64) {
            count("stop", run(List.of("workspace", "stop", ws), 600));
        } else if (pick < 70) {
            count("start", run(List.of("workspace", "start", ws), 600));
        } else if (pick < 73) {
            count("delete", run(List.of("workspace", "delete", ws), 300));
            count("create", run(List.of("workspace", "create", ENV, "--name", ws, "--json"), 600));
        } else if (pick < 93) {
            List<List<String>> victims = List.of(
                    List.of("workspace", "snapshot", "create", ws, "s" + r.nextInt(3)),
                    List.of("workspace", "stop", ws),
                    List.of("workspace", "fork", ws, "--name", ws + "-fork"),
                    List.of("workspace", "exec", ws, "--", "sleep", "30"),
                    List.of("workspace", "start", ws));
            List<String> argv = victims.get(r.nextInt(victims.size()));
            long afterMs = 300 + r.nextInt(2700);
            Result res = runKilled(argv, afterMs);
            count("kill -9 " + argv.get(1) + (argv.get(1).equals("snapshot") ? " create" : ""), res);
            run(List.of("workspace", "delete", ws + "-fork"), 300); // a fork that got made anyway
        } else {
            killSupervisor(r, ws);
        }
    }

    /** The record and the processes agree; a workspace that says started answers. */
    static void check(String ws) throws Exception {
        Result s = run(List.of("workspace", "status", ws, "--json"), 120);
        if (!s.ok()) {
            count("check-status-failed", s);
            return;
        }
        String st = String.valueOf(Json.readMap(s.out()).get("state"));
        count("final-state " + st, s);
        String id = String.valueOf(Json.readMap(s.out()).get("workspace_id"));
        boolean vmm = !processesMentioning(id).isEmpty();
        if (st.equals("started")) {
            Result e = run(List.of("workspace", "exec", ws, "--", "true"), 120);
            if (!e.ok()) {
                problems.add(ws + " says started but exec fails: " + e.err().strip());
            }
            if (!vmm) {
                problems.add(ws + " says started but no process of it runs");
            }
        } else if (vmm && (st.equals("stopped") || st.equals("failed") || st.equals("expired"))) {
            problems.add(ws + " says " + st + " but processes of it run: " + processesMentioning(id));
        }
    }

    static void leftovers() throws IOException {
        List<String> procs = processesMentioning(state.toString());
        if (!procs.isEmpty()) {
            problems.add("processes left after every workspace was deleted: " + procs);
        }
        try (Stream<Path> all = Files.walk(state)) {
            List<Path> left = all.filter(p -> {
                String f = p.getFileName().toString();
                return f.endsWith(".partial") || f.contains(".tmp-") || f.equals("memory.bin") || f.equals("rootfs.ext4");
            }).toList();
            if (!left.isEmpty()) {
                problems.add("files left after every workspace was deleted: " + left);
            }
        }
    }

    static void killSupervisor(Random r, String ws) throws Exception {
        Result s = run(List.of("workspace", "status", ws, "--json"), 120);
        if (!s.ok()) {
            return;
        }
        String id = String.valueOf(Json.readMap(s.out()).get("workspace_id"));
        List<ProcessHandle> sups = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(id) && c.contains("upervisor")).orElse(false))
                .toList();
        if (sups.isEmpty()) {
            return;
        }
        sups.get(r.nextInt(sups.size())).destroyForcibly();
        counts.computeIfAbsent("kill -9 supervisor", k -> new AtomicLong()).incrementAndGet();
        Thread.sleep(1_000);
        count("after supervisor kill: exec", run(List.of("workspace", "exec", ws, "--", "true"), 120));
    }

    static List<String> processesMentioning(String text) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(text) && !c.contains("Soak.java")).orElse(false))
                .map(p -> p.pid() + " " + p.info().command().orElse("?"))
                .toList();
    }

    static void count(String op, Result r) {
        String outcome = r.ok() ? "ok" : errorCode(r);
        counts.computeIfAbsent(op + " " + outcome, k -> new AtomicLong()).incrementAndGet();
    }

    static String errorCode(Result r) {
        if (r.exit() == 137) {
            return "killed";
        }
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("")
                .replaceAll("ws-[0-9a-f]{12}", "WS").replaceAll("soak-\\d+(-fork)?", "NAME").replaceAll("\\d+", "N");
        return "exit " + r.exit() + (last.isEmpty() ? "" : " (" + last.substring(0, Math.min(70, last.length())) + ")");
    }

    static Result run(List<String> args, int timeoutSeconds) throws Exception {
        Process p = start(args);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            problems.add("pyro " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    static Result runKilled(List<String> args, long afterMs) throws Exception {
        Process p = start(args);
        if (p.waitFor(afterMs, TimeUnit.MILLISECONDS)) {
            return new Result(p.exitValue(), "", new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        p.destroyForcibly().waitFor(); // the CLI alone (the launcher execs java): its VMs and supervisors live on
        return new Result(137, "", "");
    }

    static Process start(List<String> args) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(pyro.toString());
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("PYRO_STATE_DIR", state.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    static long memAvailableMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
