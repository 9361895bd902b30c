package pyro.kvm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.internal.Json;

/**
 * The acceleration probe's command line, its cache key and its cache, with no guest booted: a cached
 * verdict is used as it is, and one whose key no longer matches (another guest kernel) is probed
 * again, here with a QEMU that does not exist, so the fresh verdict says why it could not run. The
 * real probe boots are in DoctorProbeGuestTest.
 */
class AccelProbeTest {
    @TempDir
    Path tmp;

    Path env() throws IOException {
        Path env = Files.createDirectories(tmp.resolve("env"));
        Files.writeString(env.resolve("env.json"), "{\"kernel_version\": \"6.1.0-57-amd64\"}");
        Files.write(env.resolve("vmlinux"), new byte[1234]);
        return env;
    }

    @Test
    void theProbeBootsTheEnvironmentsKernelIntoBusyboxAndNeverTheRootDisk() throws IOException {
        AccelProbe p = new AccelProbe(tmp, Path.of("/opt/test/qemu-system-x86_64"), () -> 2_345_678);
        List<String> tcg = p.argv("tcg", env(), tmp.resolve("c.log"));
        String append = tcg.get(tcg.indexOf("-append") + 1);
        assertTrue(append.contains("rdinit=/bin/busybox") && append.contains("panic=-1") && append.contains("tsc_early_khz=2345678"),
                append);
        assertEquals("tcg", tcg.get(tcg.indexOf("-accel") + 1));
        assertTrue(tcg.contains("-no-reboot"));
        assertFalse(tcg.contains("-drive"), "no disk: the probe ends in the initramfs");
        List<String> kvm = p.argv("kvm", env(), tmp.resolve("c.log"));
        assertEquals(List.of("kvm", "host"), List.of(kvm.get(kvm.indexOf("-accel") + 1), kvm.get(kvm.indexOf("-cpu") + 1)));
        assertFalse(kvm.get(kvm.indexOf("-append") + 1).contains("tsc_early_khz"));
    }

    @Test
    void theKeyChangesWithEachOfAccelHostKernelQemuAndGuestKernel() {
        String k = AccelProbe.key("kvm", "6.18", "QEMU 7.2", "6.1/100");
        assertNotEquals(k, AccelProbe.key("tcg", "6.18", "QEMU 7.2", "6.1/100"));
        assertNotEquals(k, AccelProbe.key("kvm", "6.19", "QEMU 7.2", "6.1/100"));
        assertNotEquals(k, AccelProbe.key("kvm", "6.18", "QEMU 8.0", "6.1/100"));
        assertNotEquals(k, AccelProbe.key("kvm", "6.18", "QEMU 7.2", "6.1/101"));
    }

    @Test
    void aCachedVerdictIsUsedAndAnotherGuestKernelIsProbedAgain() throws IOException {
        Path env = env();
        AccelProbe p = new AccelProbe(tmp, Path.of("/opt/test/no-such-qemu"), () -> 1);
        AccelProbe.Verdict fresh = p.verdict("kvm", env);
        assertFalse(fresh.booted());
        assertFalse(fresh.cached());
        assertTrue(fresh.reason().startsWith("the probe could not run: "), fresh.reason());
        // the verdict was stored: overwrite it as a booted one, which the next call must take as it is
        Path f;
        try (var s = Files.list(tmp.resolve("probes"))) {
            f = s.filter(x -> x.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        var m = new java.util.LinkedHashMap<>(Json.readMap(Files.readString(f)));
        assertEquals(fresh.key(), m.get("key"));
        m.put("booted", true);
        m.put("ms", 412);
        m.put("reason", null);
        Files.writeString(f, Json.write(m));
        AccelProbe.Verdict cached = p.verdict("kvm", env);
        assertTrue(cached.booted() && cached.cached(), cached.toString());
        assertEquals(412, cached.ms());
        Files.write(env.resolve("vmlinux"), new byte[4321]); // another guest kernel: the verdict no longer applies
        AccelProbe.Verdict again = p.verdict("kvm", env);
        assertFalse(again.cached() || again.booted(), again.toString());
        try (var s = Files.list(tmp.resolve("probes"))) {
            List<String> names = s.map(x -> x.getFileName().toString()).toList();
            assertEquals(2, names.size(), "two verdicts and no probe's scratch folder: " + names);
        }
    }
}
