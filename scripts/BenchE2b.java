import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import pyro.core.Pyro;
import pyro.serve.Server;

/**
 * Bench's E2B row (BENCH_ONLY=e2b): E2B's own JS SDK against {@code pyro serve} in this process,
 * time from {@code Sandbox.create()} to the first command's first output byte
 * (examples/e2b/time-to-interactive.mjs, median over BENCH_E2B_RUNS, default 10), against a cold
 * {@code pyro run ENV --cold -- true} of the same run. Needs node and npm (npm installs the SDK
 * into the bench's temp folder).
 */
final class BenchE2b {
    private BenchE2b() {}

    static void rows(Pyro pyro, Path state, int runs) throws Exception {
        Path example = Path.of("examples/e2b").toAbsolutePath();
        Path dir = Files.createDirectories(state.resolve("e2b"));
        for (String f : List.of("package.json", "time-to-interactive.mjs")) {
            Files.copy(example.resolve(f), dir.resolve(f));
        }
        run(dir, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"), java.util.Map.of(), 300);
        int n = Integer.parseInt(System.getenv().getOrDefault("BENCH_E2B_RUNS", "10"));
        String token = "bench-token-" + java.util.UUID.randomUUID();
        List<Long> e2b = new ArrayList<>();
        try (Server server = Server.start(new Server.Options("127.0.0.1:0", true, null, 1L << 30), pyro.config(),
                () -> pyro, token, System.err)) {
            String out = run(dir, List.of("node", "time-to-interactive.mjs"), java.util.Map.of("E2B_API_URL", server.url(),
                    "E2B_SANDBOX_URL", server.url(), "E2B_API_KEY", token, "RUNS", Integer.toString(n)), 60L * 10 * n);
            String line = out.lines().filter(l -> l.startsWith("{\"ms\":")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("time-to-interactive.mjs printed no figures:\n" + out));
            for (String v : line.replaceAll("[^0-9,]", "").split(",")) {
                e2b.add(Long.parseLong(v));
            }
        }
        List<Long> cold = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            cold.add(Bench.cli("run", Bench.ENV, "--cold", "--", "true"));
        }
        long e2bMs = Bench.median(e2b);
        long coldMs = Bench.median(cold);
        System.out.printf("E2B SDK: Sandbox.create() to first output: median %5d ms  (min %d, n=%d)  %s%n", e2bMs,
                Collections.min(e2b), e2b.size(), e2b);
        System.out.printf("pyro run %s --cold -- true:            median %5d ms  %s%n", Bench.ENV, coldMs, cold);
        System.out.printf("ratio E2B time to interactive / cold run: %.2f%n", (double) e2bMs / coldMs);
    }

    private static String run(Path dir, List<String> argv, java.util.Map<String, String> env, long seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "";
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", argv) + " ran past " + seconds + " s:\n" + out.getNow(""));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed (" + p.exitValue() + "):\n" + out.join());
        }
        return out.join();
    }
}
