package pyro.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A seeded mutational fuzzer for parsers of untrusted bytes, run as bounded JUnit tests. Jazzer
 * resolves here but cannot instrument JDK 25 class files (its ASM stops at major version 68), so it
 * would fuzz blind; this does the same blind work openly and reproducibly: start from the target's
 * corpus ({@code fuzz-tests/corpus/TARGET/}, kept in the repository) and its generated seeds, mutate
 * (bit flips, interesting numbers, cuts, inserts, repeats, splices), and feed each input to the target.
 *
 * <p>A target passes an input when it returns or throws one of its allowed exceptions (a clear
 * refusal); any other throwable, or an input that takes longer than {@link #PER_INPUT}, fails the test
 * with the input saved under {@code target/fuzz-failures/} and printed in base64, and the seed printed
 * (re-run with {@code -Dpyro.fuzz.seed=N}). Add a failing input to the corpus once it is fixed.
 */
public final class Fuzzer {
    static final Duration PER_INPUT = Duration.ofSeconds(5);
    private static final long[] INTERESTING = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffffL,
        0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 512, 4096, 65536, 16 << 20};

    /** What a target does with one input; throwing an allowed exception is a refusal, not a failure. */
    @FunctionalInterface
    public interface Target {
        void accept(byte[] input) throws Exception;
    }

    /** The summary of one run. */
    public record Report(String target, long seed, long inputs, long refused, int corpus) {}

    private Fuzzer() {}

    /** Runs {@code target} on mutations of its corpus and {@code seeds} for the configured time. */
    @SafeVarargs
    public static Report run(String name, List<byte[]> seeds, Target target, Class<? extends Throwable>... allowed) {
        long seed = seed();
        Random random = new Random(seed);
        List<byte[]> pool = new ArrayList<>(corpus(name));
        int fromDisk = pool.size();
        pool.addAll(seeds);
        if (pool.isEmpty()) {
            pool.add(new byte[0]);
        }
        long deadline = System.nanoTime() + Duration.ofMillis((long) (seconds() * 1000)).toNanos();
        long inputs = 0;
        long refused = 0;
        ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor();
        try {
            // every corpus entry as it is first, then mutations until the time is up
            for (int i = 0; i < pool.size() || System.nanoTime() < deadline; i++) {
                byte[] input = i < pool.size() ? pool.get(i) : mutate(random, pool);
                inputs++;
                Throwable thrown = runOne(runner, target, input, name, seed);
                if (thrown == null) {
                    continue;
                }
                if (isAllowed(thrown, allowed)) {
                    refused++;
                } else {
                    fail(name, seed, input, thrown);
                }
            }
        } finally {
            runner.shutdownNow();
        }
        Report r = new Report(name, seed, inputs, refused, fromDisk);
        System.out.println("fuzz " + name + ": " + inputs + " inputs (" + refused + " refused), corpus " + fromDisk
                + ", seed " + seed);
        return r;
    }

    private static Throwable runOne(ExecutorService runner, Target target, byte[] input, String name, long seed) {
        Future<Throwable> f = runner.submit(() -> {
            try {
                target.accept(input);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        try {
            return f.get(PER_INPUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            fail(name, seed, input, new AssertionError("the target took longer than " + PER_INPUT.toSeconds() + " s"));
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static boolean isAllowed(Throwable t, Class<? extends Throwable>[] allowed) {
        for (Class<? extends Throwable> c : allowed) {
            if (c.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static void fail(String name, long seed, byte[] input, Throwable thrown) {
        Path dir = Path.of("target", "fuzz-failures", name);
        String saved = "";
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("crash-" + Integer.toHexString(java.util.Arrays.hashCode(input)));
            Files.write(file, input);
            saved = " saved as " + file.toAbsolutePath() + ";";
        } catch (IOException ignored) {
            // the base64 below is enough to reproduce
        }
        throw new AssertionError("fuzz target " + name + " failed on an input of " + input.length + " bytes (seed "
                + seed + ";" + saved + " base64 " + Base64.getEncoder().encodeToString(
                        input.length > 4096 ? java.util.Arrays.copyOf(input, 4096) : input) + "): " + thrown, thrown);
    }

    static long seed() {
        String s = System.getProperty("pyro.fuzz.seed", "");
        return s.isBlank() ? System.nanoTime() : Long.parseLong(s.strip());
    }

    static double seconds() {
        String s = System.getProperty("pyro.fuzz.seconds", "");
        return s.isBlank() ? 4 : Double.parseDouble(s.strip());
    }

    static List<byte[]> corpus(String name) {
        Path dir = Path.of(System.getProperty("pyro.fuzz.corpus", "corpus")).resolve(name);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<byte[]> out = new ArrayList<>();
            for (Path p : files.sorted().toList()) {
                if (Files.isRegularFile(p)) {
                    out.add(Files.readAllBytes(p));
                }
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot read the corpus " + dir + ": " + e, e);
        }
    }

    /** One mutation (or a few stacked) of a pool member, now and then spliced with another. */
    static byte[] mutate(Random r, List<byte[]> pool) {
        byte[] b = pool.get(r.nextInt(pool.size())).clone();
        int rounds = 1 + r.nextInt(4);
        for (int k = 0; k < rounds; k++) {
            b = switch (r.nextInt(9)) {
                case 0 -> flipBit(r, b);
                case 1 -> setByte(r, b);
                case 2 -> interesting(r, b);
                case 3 -> cut(r, b);
                case 4 -> insert(r, b);
                case 5 -> repeat(r, b);
                case 6 -> splice(r, b, pool.get(r.nextInt(pool.size())));
                case 7 -> digits(r, b);
                default -> truncate(r, b);
            };
        }
        return b;
    }

    private static byte[] flipBit(Random r, byte[] b) {
        if (b.length > 0) {
            int i = r.nextInt(b.length);
            b[i] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
    }

    private static byte[] setByte(Random r, byte[] b) {
        if (b.length > 0) {
            byte[] special = {0, '\n', '\r', '"', '\\', '/', '.', '-', '{', '}', '[', ']', ':', ',', (byte) 0xff, (byte) 0x80, '@', '+', ' '};
            b[r.nextInt(b.length)] = r.nextBoolean() ? special[r.nextInt(special.length)] : (byte) r.nextInt(256);
        }
        return b;
    }

    private static byte[] interesting(Random r, byte[] b) {
        if (b.length < 4) {
            return b;
        }
        long v = INTERESTING[r.nextInt(INTERESTING.length)];
        int width = r.nextBoolean() ? 4 : Math.min(8, b.length);
        int at = r.nextInt(b.length - width + 1);
        for (int i = 0; i < width; i++) {
            b[at + i] = (byte) (v >>> (8 * (width - 1 - i)));
        }
        return b;
    }

    /** Replaces a run of digits with a number from the interesting list, as text (lengths, counts, line numbers). */
    private static byte[] digits(Random r, byte[] b) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if (b[i] >= '0' && b[i] <= '9') {
                int s = i;
                while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                    i++;
                }
                runs.add(new int[] {s, i});
            }
        }
        if (runs.isEmpty()) {
            return b;
        }
        int[] run = runs.get(r.nextInt(runs.size()));
        String n = r.nextInt(4) == 0 ? "99999999999999999999" : Long.toString(INTERESTING[r.nextInt(INTERESTING.length)]);
        return concat(java.util.Arrays.copyOfRange(b, 0, run[0]), n.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                java.util.Arrays.copyOfRange(b, run[1], b.length));
    }

    private static byte[] cut(Random r, byte[] b) {
        if (b.length < 2) {
            return b;
        }
        int from = r.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + r.nextInt(Math.max(1, b.length / 4)));
        return concat(java.util.Arrays.copyOfRange(b, 0, from), java.util.Arrays.copyOfRange(b, to, b.length));
    }

    private static byte[] insert(Random r, byte[] b) {
        byte[] add = new byte[1 + r.nextInt(16)];
        r.nextBytes(add);
        int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
        return concat(java.util.Arrays.copyOfRange(b, 0, at), add, java.util.Arrays.copyOfRange(b, at, b.length));
    }

    private static byte[] repeat(Random r, byte[] b) {
        if (b.length == 0 || b.length > 1 << 20) {
            return b;
        }
        int from = r.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + r.nextInt(64));
        byte[] chunk = java.util.Arrays.copyOfRange(b, from, to);
        int times = 1 + r.nextInt(8);
        byte[] rep = new byte[chunk.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(chunk, 0, rep, i * chunk.length, chunk.length);
        }
        return concat(java.util.Arrays.copyOfRange(b, 0, to), rep, java.util.Arrays.copyOfRange(b, to, b.length));
    }

    private static byte[] splice(Random r, byte[] a, byte[] b) {
        int i = a.length == 0 ? 0 : r.nextInt(a.length + 1);
        int j = b.length == 0 ? 0 : r.nextInt(b.length + 1);
        return concat(java.util.Arrays.copyOfRange(a, 0, i), java.util.Arrays.copyOfRange(b, j, b.length));
    }

    private static byte[] truncate(Random r, byte[] b) {
        return b.length == 0 ? b : java.util.Arrays.copyOf(b, r.nextInt(b.length));
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
