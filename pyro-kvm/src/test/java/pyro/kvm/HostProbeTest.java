package pyro.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The acceleration decision (does /dev/kvm run a stock guest kernel?) and PATH look-up, over real
 * files in a scratch folder standing in for /dev, /sys and PATH.
 */
class HostProbeTest {
    @TempDir
    Path tmp;

    /** Every combination of (PYRO_ACCEL=tcg, device, accessible, kvm_pvm, kvm_intel, kvm_amd). */
    static IntStream facts() {
        return IntStream.range(0, 64);
    }

    @ParameterizedTest(name = "facts {0}")
    @MethodSource("facts")
    void kvmOnlyWithAnAccessibleHardwareKvmDeviceAndNoPvm(int bits) {
        boolean forced = (bits & 1) != 0;
        boolean device = (bits & 2) != 0;
        boolean accessible = (bits & 4) != 0;
        boolean pvm = (bits & 8) != 0;
        boolean intel = (bits & 16) != 0;
        boolean amd = (bits & 32) != 0;
        HostProbe.Accel a = HostProbe.accel(forced ? "tcg" : null, device, accessible, pvm, intel, amd);
        boolean kvm = !forced && device && accessible && !pvm && (intel || amd);
        String why = "facts " + bits + ": " + a;
        assertEquals(kvm ? "kvm" : "tcg", a.accel(), why);
        assertEquals(device, a.kvmDevice(), why);
        assertFalse(a.reason().isBlank(), why);
        if (forced) {
            assertTrue(a.reason().contains("PYRO_ACCEL=tcg"), why);
        } else if (device && accessible && pvm) {
            assertTrue(a.reason().contains("kvm_pvm"), why);
        } else if (kvm) {
            assertTrue(a.reason().contains(intel ? "kvm_intel" : "kvm_amd"), why);
        }
    }

    @Test
    void noDeviceFileMeansTcg() {
        HostProbe.Accel a = HostProbe.accel(null, dev(), sys("kvm_intel"));
        assertEquals("tcg", a.accel());
        assertFalse(a.kvmDevice());
        assertTrue(a.reason().contains("/dev/kvm is absent"), a.reason());
    }

    @Test
    void deviceWithKvmIntelMeansKvm() throws IOException {
        Path dev = dev();
        Files.createFile(dev.resolve("kvm"));
        HostProbe.Accel a = HostProbe.accel(null, dev, sys("kvm_intel"));
        assertEquals("kvm", a.accel(), a.reason());
        assertTrue(a.kvmDevice());
        assertEquals("hardware KVM (kvm_intel) runs stock guest kernels", a.reason());
    }

    @Test
    void deviceWithKvmAmdMeansKvm() throws IOException {
        Path dev = dev();
        Files.createFile(dev.resolve("kvm"));
        assertEquals("hardware KVM (kvm_amd) runs stock guest kernels",
                HostProbe.accel(null, dev, sys("kvm_amd")).reason());
    }

    /** The machines pyro is developed on: /dev/kvm from kvm_pvm, which hangs stock kernels. */
    @Test
    void pvmDeviceMeansTcgEvenBesideKvmIntel() throws IOException {
        Path dev = dev();
        Files.createFile(dev.resolve("kvm"));
        HostProbe.Accel a = HostProbe.accel(null, dev, sys("kvm_pvm", "kvm_intel"));
        assertEquals("tcg", a.accel());
        assertTrue(a.kvmDevice());
        assertTrue(a.reason().contains("kvm_pvm"), a.reason());
    }

    /** Issue 19's machine: kvm_pvm loaded but no /dev/kvm at all. Nothing about PVM applies there. */
    @Test
    void pvmModuleWithoutADeviceIsPlainTcgAndNotPvm() {
        HostProbe.Accel a = HostProbe.accel(null, dev(), sys("kvm_pvm"));
        assertEquals("tcg", a.accel());
        assertFalse(a.kvmDevice());
        assertTrue(a.reason().contains("/dev/kvm is absent") && !a.reason().contains("kvm_pvm"), a.reason());
        var facts = HostProbe.kvmFacts(a, false, true);
        assertEquals(false, facts.get("pvm"), facts.toString());
        assertEquals(true, facts.get("pvm_module_loaded"), facts.toString());
        assertEquals(false, facts.get("device_present"), facts.toString());
    }

    @Test
    void pvmFactNeedsTheDeviceAndTheModule() throws IOException {
        Path dev = dev();
        Files.createFile(dev.resolve("kvm"));
        HostProbe.Accel a = HostProbe.accel(null, dev, sys("kvm_pvm"));
        assertEquals(true, HostProbe.kvmFacts(a, false, true).get("pvm"));
        assertEquals(false, HostProbe.kvmFacts(a, false, false).get("pvm"));
    }

    @Test
    void deviceWithoutAVendorModuleMeansTcg() throws IOException {
        Path dev = dev();
        Files.createFile(dev.resolve("kvm"));
        HostProbe.Accel a = HostProbe.accel(null, dev, sys());
        assertEquals("tcg", a.accel());
        assertTrue(a.reason().contains("neither kvm_intel nor kvm_amd"), a.reason());
    }

    @Test
    void forcedTcgWinsOverHardwareKvm() throws IOException {
        Path dev = dev();
        Files.createFile(dev.resolve("kvm"));
        HostProbe.Accel a = HostProbe.accel("tcg", dev, sys("kvm_intel"));
        assertEquals("tcg", a.accel());
        assertTrue(a.kvmDevice());
    }

    @Test
    void whichFindsAnExecutableFileOnThePathAndSkipsTheRest() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Path c = Files.createDirectories(tmp.resolve("c"));
        // skipped: no x bit (which root, too, needs for access(X_OK) on a file)
        Files.writeString(a.resolve("pyro-probe-tool"), "not executable\n");
        Files.createDirectory(b.resolve("pyro-probe-tool")); // skipped: a folder
        Path real = c.resolve("pyro-probe-tool");
        Files.writeString(real, "#!/bin/sh\necho ok\n");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = ":" + a + "::" + b + ":" + c;
        assertEquals(real, HostProbe.which("pyro-probe-tool", path));
        assertNull(HostProbe.which("pyro-no-such-tool", path));
    }

    @Test
    void versionRunsTheProgramAndKeepsItsFirstLine() throws IOException {
        Path tool = tmp.resolve("tool");
        Files.writeString(tool, "#!/bin/sh\necho\necho \"tool 1.2 $1\"\necho second\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals("tool 1.2 --version", HostProbe.version(tool, "--version"));
        assertNull(HostProbe.version(tmp.resolve("missing"), "--version"));
        assertNull(HostProbe.version(null, "--version"));
    }

    private Path dev() {
        try {
            return Files.createDirectories(tmp.resolve("dev"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path sys(String... modules) {
        try {
            Path sys = Files.createDirectories(tmp.resolve("sys"));
            for (String m : modules) {
                Files.createDirectories(sys.resolve("module").resolve(m));
            }
            return sys;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void channelPreferenceIsVsockVirtioSerialOrAutoAndAnythingElseIsRefusedNamingIt() {
        assertEquals("auto", HostProbe.channelPreference(null));
        assertEquals("auto", HostProbe.channelPreference(" "));
        assertEquals("vsock", HostProbe.channelPreference("vsock"));
        assertEquals("virtio-serial", HostProbe.channelPreference(" virtio-serial"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(pyro.core.PyroException.class,
                () -> HostProbe.channelPreference("serial"));
        assertTrue(e.getMessage().contains("'serial'"), e.getMessage());
    }
}
