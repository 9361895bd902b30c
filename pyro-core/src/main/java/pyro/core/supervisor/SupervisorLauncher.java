package pyro.core.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import pyro.core.PyroException;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;

/**
 * Starts a {@link Supervisor} as a detached process (its own session, so a Ctrl-C or the exit of the
 * calling pyro process does not take the VM down) and waits for its one-line handshake.
 */
public final class SupervisorLauncher {
    /** The supervisor's heap cap; the JVM only takes what it uses. */
    static final int SUPERVISOR_HEAP_MIB = 256;

    private SupervisorLauncher() {}

    /**
     * Writes {@code launch.json}, starts the supervisor on the plan of the backend named {@code backend}
     * and returns the boot time in ms. On failure nothing is left running.
     */
    public static long launch(String instanceId, Path stateDir, InstancePaths paths, LaunchPlan plan, String backend,
            Duration bootTimeout) {
        Path instanceDir = paths.dir();
        if (paths.supervisorSocket().toString().length() > 100) {
            throw PyroException.host("the state folder path " + instanceDir
                    + " is too long for a unix socket: set PYRO_STATE_DIR to a shorter path.");
        }
        try {
            new LaunchFile(instanceId, stateDir, bootTimeout.toMillis(), plan, backend).write(paths.launchFile());
        } catch (IOException e) {
            throw PyroException.host("cannot write " + paths.launchFile() + ": " + e.getMessage());
        }
        List<String> cmd = new ArrayList<>();
        Path setsid = which("setsid");
        if (setsid != null) {
            cmd.add(setsid.toString());
        }
        cmd.addAll(javaCommand());
        cmd.add(instanceDir.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw PyroException.host("cannot start the VM supervisor: " + e.getMessage());
        }
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l = r.readLine();
                return l == null ? "FAILED the supervisor exited before reporting (see " + paths.supervisorLog() + ")" : l;
            } catch (IOException e) {
                return "FAILED " + e.getMessage();
            }
        }, r -> Thread.ofVirtual().start(r));
        String result;
        try {
            result = line.get(bootTimeout.toMillis() + 15_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result = "FAILED the VM did not become ready within " + bootTimeout.toSeconds() + " s";
        } catch (Exception e) {
            result = "FAILED " + e.getMessage();
        }
        if (result.startsWith("READY ")) {
            return Long.parseLong(result.substring(6).trim());
        }
        kill(paths);
        p.destroyForcibly();
        throw PyroException.guest("the VM failed to boot: " + result.substring(Math.min(result.length(), 7)));
    }

    /** The java command (up to the main class) that runs the supervisor in a new JVM, on the same module path or class path as this one. */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xss512k");
        // well above what one frame can take (16 MiB header + 8 MiB payload, parsed and re-encoded
        // while relaying): a guest that sends the largest legal frame must not starve the reader
        cmd.add("-Xmx" + SUPERVISOR_HEAP_MIB + "m");
        cmd.add("-XX:-UsePerfData");
        String aot = System.getProperty("pyro.supervisorAot");
        if (aot != null && Files.exists(Path.of(aot))) {
            cmd.add("-XX:AOTCache=" + aot);
        }
        String mp = System.getProperty("jdk.module.path");
        if (mp != null && !mp.isBlank() && Supervisor.class.getModule().isNamed()) {
            cmd.add("--module-path");
            cmd.add(mp);
            cmd.add("-m");
            cmd.add(Supervisor.class.getModule().getName() + "/" + Supervisor.class.getName());
        } else {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Supervisor.class.getName());
        }
        return cmd;
    }

    /**
     * Kills the supervisor, VMM and sidecars of an instance by their pid files, checking the pids are still
     * theirs (the command line names the instance folder or its files).
     */
    public static void kill(InstancePaths paths) {
        Path instanceDir = paths.dir();
        List<Path> pidFiles = new ArrayList<>(List.of(paths.vmmPid(), paths.supervisorPid()));
        try (var files = Files.newDirectoryStream(instanceDir, "*.pid")) {
            files.forEach(f -> {
                if (!pidFiles.contains(f)) {
                    pidFiles.add(f); // sidecars
                }
            });
        } catch (IOException ignored) {
            // the folder is gone or unreadable: the two known pid files are all there is to try
        }
        for (Path f : pidFiles) {
            pid(f).flatMap(ProcessHandle::of).ifPresent(h -> {
                String cmdline = h.info().commandLine().orElse("");
                if (cmdline.contains(instanceDir.toString())) {
                    h.destroyForcibly();
                    try {
                        h.onExit().get(5, TimeUnit.SECONDS);
                    } catch (Exception ignored) {
                        // gone or stuck: nothing more to do from here
                    }
                }
            });
        }
        // the sockets the supervisor and the VMM (and its vsock device) bind: a killed process leaves them
        List<Path> sockets = new ArrayList<>(List.of(paths.supervisorSocket(), paths.agentSocket(), paths.apiSocket(),
                paths.vsockSocket(), paths.vhostUserVsockSocket()));
        try (var files = Files.newDirectoryStream(instanceDir, paths.vsockSocket().getFileName() + "_*")) {
            files.forEach(sockets::add); // guest-initiated vsock connections' sockets
        } catch (IOException ignored) {
            // none
        }
        for (Path s : sockets) {
            try {
                Files.deleteIfExists(s);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private static Path which(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = d.isEmpty() ? null : Path.of(d, program);
            if (p != null && Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    private static Optional<Long> pid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
