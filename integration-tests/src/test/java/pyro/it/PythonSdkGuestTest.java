package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/**
 * The Python SDK (clients/python) against the packaged {@code pyro serve} and real guests: starts the
 * server on a free loopback port with its own state folder and token, runs the SDK's whole unittest
 * suite with PYRO_URL and PYRO_TOKEN (so its guest-backed tests run, not skip), and stops the server
 * and deletes anything left behind whatever happened.
 */
class PythonSdkGuestTest {
    /** Guest tests of the Python suite that must have run and passed (class name, least count). */
    static final Map<String, Integer> GUEST_CLASSES = Map.of("test_guest.GuestWorkspaceTest", 9,
            "test_guest.ServerErrorsTest", 5);

    @Test
    void thePythonSdkSuitePassesAgainstARealServer() throws Exception {
        Guests.requireGuests();
        requirePython();
        Path sdk = sdkDir();
        Path state = Guests.newStateDir("python-sdk");
        Guests.pull(state); // the environment is built before the suite's first create_workspace is timed
        String token = "it-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        Path serveLog = state.resolve("serve.log");
        ProcessBuilder pb = new ProcessBuilder(Cli.dist().resolve("bin/pyro").toString(), "serve", "--listen",
                "127.0.0.1:" + port);
        Cli.env(pb.environment(), state);
        pb.environment().put("PYRO_TOKEN", token);
        pb.redirectErrorStream(true).redirectOutput(serveLog.toFile());
        Process server = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            awaitHealthy(http, url, token, server, serveLog);

            ProcessBuilder py = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s",
                    sdk.resolve("tests").toString(), "-v");
            py.directory(sdk.toFile());
            py.environment().put("PYRO_URL", url);
            py.environment().put("PYRO_TOKEN", token);
            py.environment().put("PYRO_TEST_SOCKET", state.resolve("serve/pyro.sock").toString());
            py.environment().put("PYRO_TEST_REQUIRE_SERVER", "1");
            py.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            py.environment().put("PYTHONUNBUFFERED", "1");
            py.redirectErrorStream(true);
            long t0 = System.nanoTime();
            Process p = py.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p), Cli.VIRTUAL);
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("the Python suite did not finish within 20 minutes:\n" + out.getNow("") + serverLog(serveLog));
            }
            String output = out.join();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("--- python3 -m unittest discover -s " + sdk.resolve("tests") + " -v (" + ms + " ms)");
            System.out.println(output);
            assertEquals(0, p.exitValue(), "the Python suite failed:\n" + output + serverLog(serveLog));
            assertTrue(output.contains("\nOK"), output);
            assertFalse(output.contains("skipped"), "some Python tests were skipped:\n" + output);
            for (var e : GUEST_CLASSES.entrySet()) {
                long run = output.lines().filter(l -> names(l, e.getKey())).count();
                long ok = okLines(output, e.getKey());
                assertTrue(run >= e.getValue() && ok >= e.getValue(), e.getKey() + ": expected at least "
                        + e.getValue() + " tests run and passed, saw " + run + " run, " + ok + " ok:\n" + output);
            }
        } finally {
            List<String> leftovers = deleteLeftovers(http, url, token);
            server.destroy(); // SIGTERM: the server's shutdown hook closes it
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle q : Guests.qemuProcesses(state.toString())) {
                q.destroyForcibly(); // a guest no DELETE reached (the server died early, say)
            }
            assertTrue(leftovers.isEmpty(), "the Python suite left workspaces behind: " + leftovers);
        }
    }

    /** Lines "test_x (CLASS.test_x) ... ok"; a test that logs mid-run has its "ok" on a later line. */
    static long okLines(String output, String className) {
        long ok = 0;
        boolean inTest = false;
        for (String line : output.lines().toList()) {
            if (names(line, className)) {
                inTest = true;
            }
            if (inTest && (line.endsWith(" ok") || line.equals("ok"))) {
                ok++;
                inTest = false;
            } else if (inTest && (line.endsWith("FAIL") || line.endsWith("ERROR") || line.contains("skipped"))) {
                inTest = false;
            }
        }
        return ok;
    }

    /** unittest -v names a test "(module.Class.method)" since Python 3.11, "(module.Class)" before. */
    static boolean names(String line, String className) {
        return line.contains("(" + className + ".") || line.contains("(" + className + ")");
    }

    static void requirePython() {
        try {
            Process p = new ProcessBuilder("python3", "-c",
                    "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)").redirectErrorStream(true).start();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            // no python3 on the PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("CI=true but python3 (3.10 or later) is missing: the Python SDK's tests need it");
        }
        Assumptions.abort("SKIPPED Python SDK test: python3 3.10 or later is not on the PATH");
    }

    /** clients/python of this checkout: next to integration-tests, or three levels above the dist. */
    static Path sdkDir() {
        List<Path> tried = new ArrayList<>();
        for (Path base : List.of(Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent(),
                Cli.dist().getParent().getParent().getParent())) {
            if (base == null) {
                continue;
            }
            Path c = base.resolve("clients/python");
            tried.add(c);
            if (Files.isRegularFile(c.resolve("pyro/__init__.py"))) {
                return c;
            }
        }
        fail("the Python SDK is not at " + tried);
        return null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static HttpRequest.Builder request(String url, String token) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token);
    }

    static void awaitHealthy(HttpClient http, String url, String token, Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("pyro serve exited with " + server.exitValue() + serverLog(log));
            }
            try {
                HttpResponse<String> r = http.send(request(url + "/healthz", token).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"ok\":true")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("pyro serve did not answer /healthz within 60 s" + serverLog(log));
    }

    /** Deletes every workspace the server still has (its state folder is this test's own): their ids. */
    @SuppressWarnings("unchecked")
    static List<String> deleteLeftovers(HttpClient http, String url, String token) {
        List<String> ids = new ArrayList<>();
        try {
            HttpResponse<String> r = http.send(request(url + "/v1/workspaces", token).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return ids;
            }
            for (Object w : (List<Object>) Json.readMap(r.body()).get("workspaces")) {
                ids.add(((Map<String, Object>) w).get("workspace_id").toString());
            }
            for (String id : ids) {
                http.send(request(url + "/v1/workspaces/" + id, token).DELETE().build(), HttpResponse.BodyHandlers.discarding());
                System.err.println("[python-sdk] deleted leftover workspace " + id);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("[python-sdk] could not list or delete leftover workspaces: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ids;
    }

    static String serverLog(Path log) {
        try {
            return "\n--- pyro serve log\n" + Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "\n(no pyro serve log: " + e.getMessage() + ")";
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
