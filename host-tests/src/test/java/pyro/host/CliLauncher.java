package pyro.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code bin/pyro} launcher as the distribution's, but over this test JVM's class path (pyro.cli,
 * pyro.mcp and their libraries): the real CLI and the real MCP server in a process of their own, for
 * tests that need a pyro an MCP host can start.
 */
final class CliLauncher {
    private CliLauncher() {}

    /** Writes {@code dir/bin/pyro} and returns its path. */
    static Path write(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path launcher = bin.resolve("pyro");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(launcher, "#!/bin/sh\n"
                + "# pyro launcher for tests: the CLI on the test class path (JVM warnings to stderr, as bin/pyro does)\n"
                + "exec '" + java + "' -Xlog:disable -Xlog:all=warning:stderr -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
                + "-cp '" + System.getProperty("java.class.path") + "' pyro.cli.Main \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs {@code launcher args...} with {@code HOME=home} and no PYRO_URL or host config variables. */
    static Result run(Path launcher, Path home, Map<String, String> extraEnv, String... args) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(launcher.toString());
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        for (String v : List.of("PYRO_URL", "PYRO_TOKEN", "CODEX_HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR")) {
            env.remove(v);
        }
        env.put("HOME", home.toString());
        env.putAll(extraEnv);
        Process p = pb.start();
        var err = new java.io.ByteArrayOutputStream();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException e) {
                // ended
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("pyro " + String.join(" ", args) + " did not end in 180 s");
        }
        t.join();
        return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }
}
