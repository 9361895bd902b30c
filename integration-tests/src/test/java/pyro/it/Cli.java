package pyro.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the packaged {@code pyro} launcher as a separate OS process, as agents do. */
final class Cli {
    record Result(int exitCode, String stdout, String stderr, long millis) {
        @Override
        public String toString() {
            return "exit " + exitCode + " after " + millis + " ms\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    static final java.util.concurrent.Executor VIRTUAL = r -> Thread.ofVirtual().start(r);

    private Cli() {}

    static Path dist() {
        Path d = Path.of(System.getProperty("pyro.dist", "../dist/target/pyro")).toAbsolutePath().normalize();
        if (!Files.isExecutable(d.resolve("bin/pyro"))) {
            fail("the packaged pyro is missing at " + d + ": build it with ./mvnw package");
        }
        return d;
    }

    static Result run(Path stateDir, String... args) {
        return run(stateDir, 600, args);
    }

    static Result run(Path stateDir, long timeoutSeconds, String... args) {
        return runWith(Map.of(), stateDir, timeoutSeconds, args);
    }

    /** As {@link #run(Path, long, String...)} with more environment variables for the CLI process. */
    static Result runWith(Map<String, String> extraEnv, Path stateDir, long timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(dist().resolve("bin/pyro").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        env(pb.environment(), stateDir);
        pb.environment().putAll(extraEnv);
        long t0 = System.nanoTime();
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            // own threads, not the common pool: a caller running two CLI calls at once from the common
            // pool would otherwise starve the readers of the second call until the first ended
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), VIRTUAL);
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), VIRTUAL);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("pyro " + String.join(" ", args) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), out.join(), err.join(), (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    static void env(Map<String, String> env, Path stateDir) {
        env.put("PYRO_STATE_DIR", stateDir.toString());
        env.put("PYRO_CACHE_DIR", Guests.cacheDir().toString());
        env.put("PYRO_MAX_ACTIVE_VMS", "8");
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
