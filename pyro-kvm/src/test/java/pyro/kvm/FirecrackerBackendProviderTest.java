package pyro.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.ErrorCode;
import pyro.core.Pyro;
import pyro.core.PyroConfig;
import pyro.core.PyroException;

/**
 * The real providers as pyro.core's ServiceLoader finds them. Firecracker's backend does not exist
 * yet, so its provider must never be available (it used to say yes wherever a firecracker binary
 * and hardware KVM were found, and automatic selection then failed on exactly those hosts).
 */
class FirecrackerBackendProviderTest {
    @TempDir
    Path tmp;

    private PyroConfig config(String backend) {
        return new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, backend, 4);
    }

    @Test
    void firecrackerIsNeverAvailableAndSaysWhy() {
        FirecrackerBackendProvider p = new FirecrackerBackendProvider();
        assertFalse(p.available());
        assertEquals("the firecracker backend is not part of this build yet", p.unavailableReason());
    }

    /** Firecracker is listed first, so this is the choice that failed on KVM hosts with a firecracker binary. */
    @Test
    void autoChoosesQemu() {
        assertEquals("qemu", Pyro.create(config("auto")).backend().name());
    }

    @Test
    void askingForFirecrackerByNameIsOneHostSentence() {
        PyroException e = assertThrows(PyroException.class, () -> Pyro.create(config("firecracker")));
        assertEquals(ErrorCode.HOST_UNSUPPORTED, e.code());
        assertEquals("the firecracker backend is not part of this build yet: leave PYRO_BACKEND unset (or set it to"
                + " qemu) to use the qemu backend.", e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void doctorListsEveryBackendInServiceLoaderOrderWithTheReasonItCannotRun() {
        Map<String, Object> facts = Pyro.create(config("auto")).doctor().toMap();
        List<Map<String, Object>> backends = (List<Map<String, Object>>) facts.get("backends");
        assertEquals(2, backends.size(), backends.toString());
        assertEquals(Map.of("name", "firecracker", "available", false,
                "reason", "the firecracker backend is not part of this build yet"), backends.get(0));
        Map<String, Object> qemu = backends.get(1);
        assertEquals("qemu", qemu.get("name"));
        boolean installed = HostProbe.which("qemu-system-x86_64") != null;
        assertEquals(installed, qemu.get("available"));
        assertEquals(installed ? null : "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)",
                qemu.get("reason"));
        assertTrue(facts.containsKey("backend"));
    }
}
