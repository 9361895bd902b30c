package pyro.core.supervisor;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import pyro.core.internal.Files2;
import pyro.core.internal.UnixHttp;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;

/**
 * The VMM and its sidecars as host processes: starts the plan's sidecars (each waited for until it
 * is ready), then the VMM with its output in {@code vmm.log} and its pid in {@code vmm.pid}, then
 * makes the plan's calls on the VMM's API socket. Later it says how the VMM died, stops or kills
 * it, and removes the sockets the VMM and its sidecars leave behind. It decides nothing about the
 * VM's life: the {@link Watchdog} does.
 */
final class VmmProcess {
    private final InstancePaths paths;
    private final LaunchPlan plan;
    private final List<Process> sidecars = new CopyOnWriteArrayList<>();
    private volatile Process vmm;

    VmmProcess(InstancePaths paths, LaunchPlan plan) {
        this.paths = paths;
        this.plan = plan;
    }

    /** Starts the sidecars, the VMM and its API calls; {@code t0} is when the boot began. */
    void start(long t0, long bootTimeoutMs) throws IOException, InterruptedException {
        for (LaunchPlan.Sidecar sc : plan.sidecars()) {
            startSidecar(sc);
        }
        List<String> argv = plan.vmmArgv();
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(paths.dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(Files2.touchPrivate(paths.vmmLog()).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Supervisor.log("starting " + String.join(" ", argv));
        vmm = pb.start();
        Files2.writeAtomically(paths.vmmPid(), (vmm.pid() + "\n").getBytes());
        callApi(t0, bootTimeoutMs);
    }

    /** The VMM's process; null before {@link #start}. */
    Process process() {
        return vmm;
    }

    boolean isAlive() {
        return vmm != null && vmm.isAlive();
    }

    /** Why the boot failed when the VMM exited before it was up. */
    String exitedAtStart() {
        return "the VM process exited at start (status " + vmm.exitValue() + "): " + tail(paths.vmmLog());
    }

    /** When the channel ends because the VMM died, say that (the channel usually notices first). */
    String deathOr(String reason) {
        try {
            if (vmm.waitFor(2, TimeUnit.SECONDS)) {
                return death(vmm.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return reason;
    }

    String death(int status) {
        String how = status > 128 ? "killed by signal " + (status - 128) : "exit status " + status;
        return "the VM process (pid " + vmm.pid() + ") exited unexpectedly (" + how + ")";
    }

    /** Waits {@code graceMs} for the VMM to end by itself, then terminates it, then kills it. */
    void stop(long graceMs) {
        try {
            if (!vmm.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                vmm.destroy();
                if (!vmm.waitFor(2, TimeUnit.SECONDS)) {
                    vmm.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the VMM, then ends the sidecars. */
    void destroy() {
        if (vmm != null && vmm.isAlive()) {
            vmm.destroyForcibly();
            try {
                vmm.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Process p : sidecars) {
            p.destroy();
            try {
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Removes the sockets the VMM (or its vsock sidecar) made and leaves behind when it is killed. */
    void cleanupSockets() {
        List<Path> left = new ArrayList<>();
        if (plan.apiSocket() != null) {
            left.add(plan.apiSocket());
        }
        Path vsock = plan.channel().socket();
        if (vsock != null) {
            left.add(vsock);
            // guest-initiated connections to host port P appear as <uds>_P
            try (var s = Files.newDirectoryStream(vsock.getParent(), vsock.getFileName() + "_*")) {
                s.forEach(left::add);
            } catch (IOException ignored) {
                // none
            }
        }
        for (Path p : left) {
            try {
                if (!Files.isDirectory(p) && !Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /**
     * The plan's requests on the VMM's API socket (configuration and start), in order, once the
     * socket exists; a refusal fails the boot with the VMM's answer.
     */
    private void callApi(long t0, long bootTimeoutMs) throws IOException, InterruptedException {
        if (plan.apiCalls().isEmpty()) {
            return;
        }
        long deadline = t0 + Math.min(bootTimeoutMs, plan.channelConnectTimeoutMs()) * 1_000_000;
        while (!Files.exists(plan.apiSocket())) {
            if (!vmm.isAlive()) {
                throw new IOException(exitedAtStart());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the VM process did not open its API socket " + plan.apiSocket());
            }
            Thread.sleep(5);
        }
        for (LaunchPlan.ApiCall call : plan.apiCalls()) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            UnixHttp.Response r;
            try {
                r = UnixHttp.call(plan.apiSocket(), call.method(), call.path(), call.body(), Math.min(left, 30_000));
            } catch (IOException e) {
                throw new IOException(call.method() + " " + call.path() + " failed: " + e.getMessage()
                        + (vmm.isAlive() ? "" : "; the VM process exited: " + tail(paths.vmmLog())));
            }
            Supervisor.log("api " + call.method() + " " + call.path() + " -> " + r.status());
            if (!r.ok()) {
                throw new IOException("the VMM refused " + call.method() + " " + call.path() + " (HTTP " + r.status()
                        + "): " + r.body().strip());
            }
        }
    }

    /**
     * Starts one helper of the VMM and waits until it is ready; a helper that exits or misses its
     * deadline fails the boot with its own last words.
     */
    private void startSidecar(LaunchPlan.Sidecar sc) throws IOException, InterruptedException {
        Path log = Files2.touchPrivate(paths.sidecarLog(sc.name()));
        Files.deleteIfExists(sc.ready());
        Supervisor.log("starting " + sc.name() + ": " + String.join(" ", sc.argv()));
        Process p = new ProcessBuilder(sc.argv())
                .directory(paths.dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        sidecars.add(p);
        Files2.writeAtomically(paths.sidecarPid(sc.name()), (p.pid() + "\n").getBytes());
        long deadline = System.nanoTime() + sc.readyTimeoutMs() * 1_000_000;
        long sleepMs = 2;
        while (!Files.exists(sc.ready())) {
            if (!p.isAlive()) {
                throw new IOException(sc.name() + " helper " + sc.argv().getFirst() + " exited with status "
                        + p.exitValue() + " before it was ready: " + tail(log));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(sc.name() + " helper " + sc.argv().getFirst() + " did not create " + sc.ready()
                        + " within " + sc.readyTimeoutMs() + " ms: " + tail(log));
            }
            Thread.sleep(sleepMs);
            sleepMs = Math.min(50, sleepMs * 2);
        }
    }

    /** A log's last five lines on one line, for an error message. */
    static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "(no output)";
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            List<String> last = lines.subList(Math.max(0, lines.size() - 5), lines.size());
            String s = String.join(" | ", last).strip();
            return s.isEmpty() ? "(no output)" : s;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
