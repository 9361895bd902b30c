package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/**
 * The seed release's validation on the Firecracker backend, verbatim: workspace create, two service
 * starts, list/status/logs, diff unaffected, stop, delete, through the packaged CLI with
 * {@code PYRO_BACKEND=firecracker}. It runs wherever a {@code firecracker} binary and hardware KVM
 * (kvm_intel or kvm_amd, not PVM) exist, and is skipped elsewhere with the reason printed, in CI too:
 * the machines CI runs on have neither (docs/firecracker.md says how to run it on a KVM host).
 */
class FirecrackerSmokeTest {
    static final Map<String, String> FIRECRACKER = Map.of("PYRO_BACKEND", "firecracker");

    /** Why this host cannot run Firecracker guests, or null when it can. */
    static String cannotRun() {
        boolean binary = List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "firecracker")));
        Path modules = Path.of("/sys/module");
        boolean hardwareKvm = Files.exists(Path.of("/dev/kvm")) && !Files.exists(modules.resolve("kvm_pvm"))
                && (Files.exists(modules.resolve("kvm_intel")) || Files.exists(modules.resolve("kvm_amd")));
        if (binary && hardwareKvm) {
            return null;
        }
        return "SKIPPED FirecrackerSmokeTest: " + (binary ? "" : "no firecracker binary on PATH; ")
                + (hardwareKvm ? "" : !Files.exists(Path.of("/dev/kvm"))
                        ? "no /dev/kvm, so no hardware KVM"
                        : Files.exists(modules.resolve("kvm_pvm"))
                                ? "/dev/kvm is PVM (kvm_pvm), which does not run stock guest kernels"
                                : "no hardware KVM (/dev/kvm with kvm_intel or kvm_amd)")
                + " (see docs/firecracker.md)";
    }

    static Cli.Result fc(Path state, String... args) {
        return Cli.runWith(FIRECRACKER, state, 600, args);
    }

    static Map<String, Object> json(Path state, String... args) {
        Cli.Result r = fc(state, args);
        assertEquals(0, r.exitCode(), r.toString());
        return Json.readMap(r.stdout());
    }

    @Test
    void workspaceCreateTwoServicesListStatusLogsDiffUnaffectedStopDelete() throws Exception {
        String why = cannotRun();
        if (why != null) {
            System.out.println(why);
        }
        Assumptions.assumeTrue(why == null, why);
        Path state = Guests.newStateDir("firecracker");
        Path seed = Files.createTempDirectory(state, "seed");
        Files.writeString(seed.resolve("app.txt"), "seeded\n");
        Map<String, Object> w = json(state, "workspace", "create", Guests.ENV, "--seed-path", seed.toString(),
                "--ttl-seconds", "1800", "--json");
        String ws = w.get("workspace_id").toString();
        try {
            assertEquals("firecracker", w.get("backend"), w.toString());
            assertEquals("vsock", w.get("channel"), w.toString());
            assertEquals("kvm", w.get("accel"), w.toString());

            Map<String, Object> web = json(state, "workspace", "service", "start", ws, "web", "--ready-http",
                    "http://127.0.0.1:8081/", "--json", "--", "python3", "-m", "http.server", "8081");
            assertEquals("running", web.get("state"), web.toString());
            Map<String, Object> worker = json(state, "workspace", "service", "start", ws, "worker", "--ready-file",
                    "worker.ready", "--json", "--", "sh", "-c", "touch /tmp/x; : > worker.ready; while true; do echo tick; sleep 1; done");
            assertEquals("running", worker.get("state"), worker.toString());

            Map<String, Object> list = json(state, "workspace", "service", "list", ws, "--json");
            assertTrue(list.toString().contains("web") && list.toString().contains("worker"), list.toString());
            Map<String, Object> status = json(state, "workspace", "service", "status", ws, "worker", "--json");
            assertEquals("running", status.get("state"), status.toString());
            Map<String, Object> logs = null;
            for (int i = 0; i < 30; i++) {
                logs = json(state, "workspace", "service", "logs", ws, "worker", "--json");
                if (logs.get("stdout").toString().contains("tick")) {
                    break;
                }
                Thread.sleep(500);
            }
            assertTrue(logs.get("stdout").toString().contains("tick"), String.valueOf(logs));

            Map<String, Object> diff = json(state, "workspace", "diff", ws, "--json");
            String d = diff.toString();
            assertFalse(d.contains("services") || d.contains("tick"), "service records and logs are outside /workspace: " + d);
            assertTrue(d.contains("worker.ready"), "the one file the services made in /workspace: " + d);
            assertFalse(d.contains("app.txt"), "the seed is unchanged: " + d);

            assertEquals(0, fc(state, "workspace", "stop", ws).exitCode());
            assertTrue(processesOf(state).isEmpty(), "a stopped workspace holds no VMM: " + processesOf(state));
        } finally {
            Cli.Result del = fc(state, "workspace", "delete", ws);
            assertEquals(0, del.exitCode(), del.toString());
        }
        assertTrue(processesOf(state).isEmpty(), "nothing runs after delete: " + processesOf(state));
        assertFalse(Files.exists(state.resolve("instances").resolve(ws)), "the instance folder is gone");
    }

    static List<String> processesOf(Path state) {
        return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(state.toString()) && (c.contains("firecracker") || c.contains("Supervisor")))
                .toList();
    }

}
