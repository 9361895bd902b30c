package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.model.WorkspaceInfo;

/**
 * E2B's own JS SDK, unchanged (npm {@code e2b} 2.51.0 installed into a temp folder), against the
 * packaged {@code pyro serve} and a real guest: {@code examples/e2b/sdk-tour.mjs} with only
 * E2B_API_URL, E2B_SANDBOX_URL and E2B_API_KEY set creates a sandbox (a debian:12 workspace), runs
 * {@code echo hi}, a streamed command, a failing one (CommandExitError with its exit code), background
 * commands (stdin sent and closed; listed, disconnected, connected to and killed by their real PIDs),
 * writes and reads files in the home folder and in /tmp, checks, makes, lists, renames, stats and
 * removes paths, watches a folder, finds the sandbox in Sandbox.list, is refused a wrong key and an
 * unknown sandbox, is refused a pause while a command runs, pauses and connects (a file kept) and kills it, which ends
 * a command stream still open. Whatever happens, every workspace of the server's state folder is
 * deleted after.
 */
class E2bSdkGuestTest {
    @Test
    void theE2bSdkTourPassesAgainstARealGuest() throws Exception {
        Guests.requireGuests();
        requireNode();
        Path tour = tourDir();
        Path state = Guests.newStateDir("e2b-sdk");
        Path sdk = installSdk(tour, state);
        Guests.pull(state); // the environment is built before the tour's first create is timed
        String token = "it-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        Path serveLog = state.resolve("serve.log");
        ProcessBuilder pb = new ProcessBuilder(Cli.dist().resolve("bin/pyro").toString(), "serve", "--listen",
                "127.0.0.1:" + port);
        Cli.env(pb.environment(), state);
        pb.environment().put("PYRO_TOKEN", token);
        pb.redirectErrorStream(true).redirectOutput(serveLog.toFile());
        Process server = pb.start();
        try {
            awaitHealthy(url, token, server, serveLog);
            ProcessBuilder node = new ProcessBuilder("node", sdk.resolve("sdk-tour.mjs").toString()).directory(sdk.toFile());
            node.environment().put("E2B_API_URL", url);
            node.environment().put("E2B_SANDBOX_URL", url);
            node.environment().put("E2B_API_KEY", token);
            node.redirectErrorStream(true);
            long t0 = System.nanoTime();
            Process p = node.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p), Cli.VIRTUAL);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("the tour did not finish in 10 minutes:\n" + out.getNow("") + serverLog(serveLog));
            }
            String output = out.join();
            System.out.println("--- node examples/e2b/sdk-tour.mjs (" + (System.nanoTime() - t0) / 1_000_000 + " ms)\n" + output);
            assertEquals(0, p.exitValue(), output + serverLog(serveLog));
            assertTrue(output.contains("sdk-tour: ok"), output);
        } finally {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            Pyro pyro = Guests.sdk(state);
            List<String> left = new ArrayList<>();
            for (WorkspaceInfo ws : pyro.listWorkspaces().workspaces()) {
                left.add(ws.workspaceId());
                pyro.deleteWorkspace(ws.workspaceId());
            }
            System.out.println("--- pyro serve's log" + serverLog(serveLog));
            assertTrue(left.isEmpty(), "the tour left workspaces behind: " + left);
        }
    }

    static void requireNode() {
        String why = null;
        try {
            Process p = new ProcessBuilder("node", "-e", "const [a,b,c]=process.versions.node.split('.').map(Number);"
                    + "process.exit((a===20&&(b>18||(b===18&&c>=1)))||a>=22?0:1)").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                why = "node is older than 20.18.1 (e2b 2.51.0's engines)";
            } else {
                Process n = new ProcessBuilder("npm", "--version").redirectErrorStream(true).start();
                n.getInputStream().readAllBytes();
                if (!n.waitFor(60, TimeUnit.SECONDS) || n.exitValue() != 0) {
                    why = "npm does not run";
                }
            }
        } catch (IOException e) {
            why = "node or npm is not on the PATH";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        if (why == null) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("CI=true but " + why + ": the E2B SDK test needs Node.js 20.18.1+ with npm");
        }
        Assumptions.abort("SKIPPED E2B SDK test: " + why);
    }

    /** examples/e2b of this checkout: next to integration-tests, or three levels above the dist. */
    static Path tourDir() {
        List<Path> tried = new ArrayList<>();
        for (Path base : List.of(Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent(),
                Cli.dist().getParent().getParent().getParent())) {
            if (base != null) {
                Path c = base.resolve("examples/e2b");
                tried.add(c);
                if (Files.isRegularFile(c.resolve("sdk-tour.mjs"))) {
                    return c;
                }
            }
        }
        throw new AssertionError("examples/e2b/sdk-tour.mjs not found in " + tried);
    }

    /** The tour and its package.json copied into the state folder, with {@code npm install} run there. */
    static Path installSdk(Path tour, Path state) throws Exception {
        Path dir = Files.createDirectories(state.resolve("e2b-tour"));
        Files.copy(tour.resolve("package.json"), dir.resolve("package.json"));
        Files.copy(tour.resolve("sdk-tour.mjs"), dir.resolve("sdk-tour.mjs"));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p), Cli.VIRTUAL);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            fail("npm install e2b@2.51.0 failed:\n" + out.getNow(""));
        }
        System.out.println("--- npm install e2b@2.51.0 (" + (System.nanoTime() - t0) / 1_000_000 + " ms)");
        return dir;
    }

    static void awaitHealthy(String url, String token, Process server, Path log) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("pyro serve exited with " + server.exitValue() + serverLog(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/healthz"))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("pyro serve did not answer /healthz within 60 s" + serverLog(log));
    }

    static String serverLog(Path log) {
        try {
            return "\n" + Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private static String read(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
