package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import pyro.core.internal.Json;

/**
 * The agent channel over virtio-vsock in a real TCG guest: QEMU with a vhost-user-vsock device whose
 * vhost-device-vsock sidecar serves the guest's ports as hybrid vsock, the agent listening on
 * AF_VSOCK port 52 (FFM), the supervisor connecting with {@code CONNECT 52}. One workspace, created
 * with {@code PYRO_CHANNEL=vsock}, runs the whole loop through the packaged CLI: exec, a service
 * with its logs, a shell, export, diff; a save is refused with the reason; delete leaves nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VsockChannelGuestTest {
    static Path state;
    static Path seed;
    static String ws;

    static Path vhostDeviceVsock() {
        String env = System.getenv("PYRO_VHOST_DEVICE_VSOCK");
        Path p = env != null && !env.isBlank() ? Path.of(env) : Path.of("/opt/pyro/vhost-device-vsock/usr/bin/vhost-device-vsock");
        return Files.isExecutable(p) ? p : null;
    }

    @BeforeAll
    static void create() throws IOException {
        Guests.requireGuests();
        if (vhostDeviceVsock() == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but vhost-device-vsock is missing: scripts/install-host-packages must unpack it into"
                        + " /opt/pyro/vhost-device-vsock");
            }
            Assumptions.abort("SKIPPED vsock guest test: vhost-device-vsock is not installed (scripts/install-host-packages)");
        }
        state = Guests.newStateDir("vsock");
        Guests.pull(state);
        seed = Files.createTempDirectory(state, "seed");
        Files.writeString(seed.resolve("hello.txt"), "over vsock\n");
        Cli.Result r = Cli.runWith(Map.of("PYRO_CHANNEL", "vsock"), state, 600, "workspace", "create", Guests.ENV,
                "--seed-path", seed.toString(), "--ttl-seconds", "1800", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, Object> w = Json.readMap(r.stdout());
        ws = w.get("workspace_id").toString();
        assertEquals("vsock", w.get("channel"), w.toString());
        assertEquals("cold", w.get("boot"), "QEMU cannot save a vsock VM, so it never restores one: " + w);
    }

    @AfterAll
    static void delete() {
        if (ws != null) {
            Cli.run(state, 120, "workspace", "delete", ws);
        }
    }

    static Map<String, Object> json(String... args) {
        Cli.Result r = Cli.run(state, args);
        assertEquals(0, r.exitCode(), r.toString());
        return Json.readMap(r.stdout());
    }

    static Path instance() {
        return state.resolve("instances").resolve(ws);
    }

    @Test
    @Order(1)
    void theGuestTalksOverVsockAndHasNoVirtioSerialPort() throws IOException {
        Map<String, Object> e = json("workspace", "exec", ws, "--json", "--", "sh", "-c",
                "cat /proc/cmdline; ls /sys/bus/virtio/drivers/vmw_vsock_virtio_transport; echo PORTS=$(ls /sys/class/virtio-ports 2>/dev/null | wc -l); cat hello.txt");
        String out = e.get("stdout").toString();
        assertTrue(out.contains("pyro.channel=vsock:52"), out);
        assertTrue(out.contains("virtio"), "a virtio device is bound to the vsock transport: " + out);
        assertTrue(out.contains("PORTS=0"), "no virtio-serial port in a vsock guest: " + out);
        assertTrue(out.contains("over vsock"), "the seed went over vsock: " + out);
        String log = Files.readString(instance().resolve("supervisor.log"));
        assertTrue(log.contains("agent channel: vsock port 52 through " + instance().resolve("vsock.sock")), log);
        String launch = Files.readString(instance().resolve("launch.json"));
        assertTrue(launch.contains("vhost-user-vsock-device") && launch.contains("memory-backend-memfd"), launch);
        assertEquals("vsock", json("workspace", "status", ws, "--json").get("channel"));
    }

    @Test
    @Order(2)
    void aServiceItsLogsAndAShell() throws Exception {
        Map<String, Object> svc = json("workspace", "service", "start", ws, "ticker", "--ready-file", "ticker.ready",
                "--json", "--", "sh", "-c", "touch ticker.ready; while true; do echo tick; sleep 0.5; done");
        assertEquals("running", svc.get("state"), svc.toString());
        Map<String, Object> logs = null;
        for (int i = 0; i < 40; i++) {
            logs = json("workspace", "service", "logs", ws, "ticker", "--json");
            if (logs.get("stdout").toString().contains("tick")) {
                break;
            }
            Thread.sleep(250);
        }
        assertTrue(logs.get("stdout").toString().contains("tick"), logs.toString());
        assertEquals(0, Cli.run(state, "workspace", "service", "stop", ws, "ticker").exitCode());

        String shell = Cli.run(state, "workspace", "shell", "open", ws, "--id-only").stdout().strip();
        assertEquals(0, Cli.run(state, "workspace", "shell", "write", ws, shell, "--input", "echo SUM=$((40+2))").exitCode());
        String seen = "";
        for (int i = 0; i < 60 && !seen.contains("SUM=42"); i++) {
            seen += json("workspace", "shell", "read", ws, shell, "--json").get("output").toString();
            Thread.sleep(250);
        }
        assertTrue(seen.contains("SUM=42"), seen);
        assertEquals(0, Cli.run(state, "workspace", "shell", "close", ws, shell).exitCode());
    }

    @Test
    @Order(3)
    void exportAndDiffOfAFileMadeInTheGuest() throws IOException {
        json("workspace", "exec", ws, "--json", "--", "sh", "-c", "head -c 3000000 /dev/urandom > big.bin; echo made > made.txt");
        Path out = Files.createDirectories(state.resolve("export"));
        json("workspace", "export", ws, "made.txt", "--output", out.resolve("made.txt").toString(), "--json");
        assertEquals("made\n", Files.readString(out.resolve("made.txt")));
        json("workspace", "export", ws, "big.bin", "--output", out.resolve("big.bin").toString(), "--json");
        assertEquals(3_000_000, Files.size(out.resolve("big.bin")));
        String sum = json("workspace", "exec", ws, "--json", "--", "sha256sum", "big.bin").get("stdout").toString().split(" ")[0];
        assertEquals(sha256(out.resolve("big.bin")), sum, "3 MB came back over vsock unchanged");
        Map<String, Object> diff = json("workspace", "diff", ws, "--json");
        assertTrue(diff.toString().contains("made.txt") && diff.toString().contains("big.bin"), diff.toString());
    }

    @Test
    @Order(4)
    void aSnapshotIsRefusedWithTheReasonAndTheWorkspaceKeepsWorking() {
        Cli.Result r = Cli.run(state, "workspace", "snapshot", "create", ws, "s1");
        assertNotEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("vsock") && r.stderr().contains("cannot save"), r.toString());
        assertEquals("0\n", json("workspace", "exec", ws, "--json", "--", "sh", "-c", "echo $?").get("stdout"));
    }

    @Test
    @Order(5)
    void deleteLeavesNoProcessAndNoSocket() {
        String id = ws;
        assertEquals(0, Cli.run(state, 120, "workspace", "delete", id).exitCode());
        ws = null;
        List<ProcessHandle> left = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(id) || c.contains(state.resolve("instances").resolve(id).toString())).orElse(false))
                .toList();
        assertTrue(left.isEmpty(), "still running: " + left.stream().map(p -> p.info().commandLine().orElse("?")).toList());
        assertTrue(!Files.exists(state.resolve("instances").resolve(id)), "the instance folder is gone");
    }

    static String sha256(Path p) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
