package pyro.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.ErrorCode;
import pyro.core.Pyro;
import pyro.core.PyroConfig;
import pyro.core.PyroException;

/**
 * The real providers as pyro.core's ServiceLoader finds them. Firecracker is available only where
 * its binary and hardware KVM both exist (it is listed first, so automatic selection takes it
 * exactly there); elsewhere it says which is missing, and asking for it by name gives a backend
 * whose first use says the same.
 */
class FirecrackerBackendProviderTest {
    static final HostProbe.Accel KVM = new HostProbe.Accel("kvm", "hardware KVM (kvm_intel) runs stock guest kernels", true);
    static final HostProbe.Accel PVM = new HostProbe.Accel("tcg", "/dev/kvm is provided by kvm_pvm, which only runs"
            + " PVM-built guest kernels; stock Debian kernels hang under it, so guests run under TCG", true);

    @TempDir
    Path tmp;

    private PyroConfig config(String backend) {
        return new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, backend, 4);
    }

    @Test
    void availableOnlyWithTheBinaryAndHardwareKvm() {
        Path fc = Path.of("/opt/test/firecracker");
        assertEquals(List.of(), FirecrackerBackendProvider.problems(fc, KVM));
        assertEquals(List.of("Firecracker needs hardware KVM, and " + PVM.reason()), FirecrackerBackendProvider.problems(fc, PVM));
        List<String> neither = FirecrackerBackendProvider.problems(null, PVM);
        assertEquals(2, neither.size(), neither.toString());
        assertTrue(neither.getFirst().startsWith("firecracker is not installed"), neither.toString());
    }

    @Test
    void onThisHostTheProviderAgreesWithWhatIsThere() {
        FirecrackerBackendProvider p = new FirecrackerBackendProvider();
        boolean can = HostProbe.which("firecracker") != null && "kvm".equals(HostProbe.accel().accel());
        assertEquals(can, p.available());
        assertEquals(can, p.unavailableReason() == null, String.valueOf(p.unavailableReason()));
    }

    @Test
    void autoChoosesFirecrackerExactlyWhereItCanRunElseQemu() {
        String expected = new FirecrackerBackendProvider().available() ? "firecracker" : "qemu";
        assertEquals(expected, Pyro.create(config("auto")).backend().name());
    }

    @Test
    void askedForByNameWhereItCannotRunItsFirstUseIsOneHostSentence() {
        Assumptions.assumeFalse(new FirecrackerBackendProvider().available(), "firecracker can run on this host");
        var backend = Pyro.create(config("firecracker")).backend();
        assertEquals("firecracker", backend.name());
        PyroException e = assertThrows(PyroException.class, backend::requireUsable);
        assertEquals(ErrorCode.HOST_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().startsWith("this host cannot run Firecracker guests: "), e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void doctorListsEveryBackendInServiceLoaderOrderWithTheReasonItCannotRun() {
        Map<String, Object> facts = Pyro.create(config("auto")).doctor().toMap();
        List<Map<String, Object>> backends = (List<Map<String, Object>>) facts.get("backends");
        assertEquals(2, backends.size(), backends.toString());
        FirecrackerBackendProvider fc = new FirecrackerBackendProvider();
        assertEquals("firecracker", backends.get(0).get("name"));
        assertEquals(fc.available(), backends.get(0).get("available"));
        assertEquals(fc.unavailableReason(), backends.get(0).get("reason"));
        Map<String, Object> qemu = backends.get(1);
        assertEquals("qemu", qemu.get("name"));
        boolean installed = HostProbe.which("qemu-system-x86_64") != null;
        assertEquals(installed, qemu.get("available"));
        assertEquals(installed ? null : "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)",
                qemu.get("reason"));
        assertTrue(facts.containsKey("backend"));
    }
}
