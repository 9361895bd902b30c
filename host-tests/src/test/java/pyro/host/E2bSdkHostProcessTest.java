package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import pyro.core.Pyro;
import pyro.serve.Server;

/**
 * E2B's own JS SDK (npm {@code e2b} 2.51.0, the version examples/e2b names, and 2.7.0, the oldest
 * that routes every request to one origin; each installed into a temp folder) runs
 * {@code examples/e2b/sdk-tour.mjs} unchanged against {@code pyro serve} over the host-process agent:
 * the control plane, streamed commands, exit errors and file transfer, with no VM. The filesystem
 * RPCs run guest commands on absolute /workspace paths and this backend cannot stop and start, so
 * those and pause/connect are left to E2bSdkGuestTest.
 * Skipped where node and npm are missing (failed under CI=true) or the npm registry cannot be reached.
 */
class E2bSdkHostProcessTest {
    static final String TOKEN = "test-token-e2b-0123456789abcdef";

    @ParameterizedTest
    @ValueSource(strings = {"2.51.0", "2.7.0"})
    void theE2bSdkTourPassesOverTheHostProcessAgent(String version) throws Exception {
        Path tour = tourDir();
        Path node = installSdk(tour, version);
        Path state = HostProcess.stateDir("e2b");
        Pyro pyro = HostProcess.pyro(state);
        try (Server server = Server.start(new Server.Options("127.0.0.1:0", false, null, 1 << 20), pyro.config(),
                () -> pyro, TOKEN, System.err)) {
            ProcessBuilder pb = new ProcessBuilder("node", node.resolve("sdk-tour.mjs").toString()).directory(node.toFile());
            pb.environment().put("E2B_API_URL", server.url());
            pb.environment().put("E2B_SANDBOX_URL", server.url());
            pb.environment().put("E2B_API_KEY", TOKEN);
            pb.environment().put("E2B_TEMPLATE", HostProcessBackend.ENV);
            pb.environment().put("E2B_TOUR_SKIP_FILESYSTEM", "1");
            pb.environment().put("E2B_TOUR_SKIP_PAUSE", "1"); // the host-process backend cannot stop and start
            pb.redirectErrorStream(true);
            long t0 = System.nanoTime();
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p));
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("the tour did not finish in 3 minutes:\n" + out.getNow(""));
            }
            String output = out.join();
            System.out.println("--- node sdk-tour.mjs with e2b@" + version + " (" + (System.nanoTime() - t0) / 1_000_000 + " ms)\n" + output);
            assertEquals(0, p.exitValue(), output);
            assertTrue(output.contains("sdk-tour: ok"), output);
            assertTrue(pyro.listWorkspaces().workspaces().isEmpty(), "the tour killed its sandbox");
        }
    }

    /** examples/e2b beside this module. */
    static Path tourDir() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("examples/e2b");
        assertTrue(Files.isRegularFile(dir.resolve("sdk-tour.mjs")), "no tour at " + dir);
        return dir;
    }

    /** A temp folder with the tour and {@code e2b} installed by npm; skips the test without node, npm or the registry. */
    static Path installSdk(Path tour, String version) throws Exception {
        if (!runs(List.of("node", "--version")) || !runs(List.of("npm", "--version"))) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but node or npm is missing: the E2B SDK test needs Node.js 20.18.1+ with npm");
            }
            Assumptions.abort("SKIPPED E2B SDK test: node or npm is not on the PATH (scripts/install-host-packages says)");
        }
        Path dir = Files.createTempDirectory("pyro-e2b-sdk-");
        String manifest = Files.readString(tour.resolve("package.json"));
        assertTrue(manifest.contains("\"e2b\": \"2.51.0\""), "examples/e2b/package.json names e2b 2.51.0");
        Files.writeString(dir.resolve("package.json"), manifest.replace("\"e2b\": \"2.51.0\"", "\"e2b\": \"" + version + "\""));
        Files.copy(tour.resolve("sdk-tour.mjs"), dir.resolve("sdk-tour.mjs"));
        Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p));
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        Assumptions.assumeTrue(done && p.exitValue() == 0, "npm install e2b@" + version + " failed (no registry?):\n" + out.getNow(""));
        return dir;
    }

    static boolean runs(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String read(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
