package pyro.core;

import pyro.protocol.ErrorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.core.spi.Backend;
import pyro.core.spi.BackendProvider;

/**
 * Which provider {@code Pyro.create} uses. The real providers live in pyro.kvm, which pyro.core
 * cannot see, so these are stand-in providers that only answer name() and available(); the real
 * ones are checked the same way in pyro.kvm's FirecrackerBackendProviderTest.
 */
class BackendChoiceTest {
    record StandIn(String name, boolean available) implements BackendProvider {
        @Override
        public Backend create(PyroConfig config) {
            throw new AssertionError("choose must not create a backend");
        }
    }

    static final StandIn FIRECRACKER_UNAVAILABLE = new StandIn("firecracker", false);
    static final StandIn QEMU = new StandIn("qemu", true);
    static final StandIn QEMU_MISSING = new StandIn("qemu", false);

    /** The regression: module-info lists firecracker first; auto must pass over it when it cannot run. */
    @Test
    void autoNeverPicksAnUnavailableProviderListedFirst() {
        assertSame(QEMU, Pyro.choose(List.of(FIRECRACKER_UNAVAILABLE, QEMU), "auto"));
        assertSame(QEMU, Pyro.choose(List.of(FIRECRACKER_UNAVAILABLE, QEMU), null));
    }

    @Test
    void autoTakesTheFirstAvailableProvider() {
        StandIn other = new StandIn("other", true);
        assertSame(other, Pyro.choose(List.of(other, QEMU), "auto"));
    }

    @Test
    void withNothingAvailableAutoFallsBackToQemuWhichExplainsWhatIsMissing() {
        assertSame(QEMU_MISSING, Pyro.choose(List.of(FIRECRACKER_UNAVAILABLE, QEMU_MISSING), "auto"));
    }

    @Test
    void aBackendAskedForByNameIsReturnedEvenWhenUnavailableSoItCanSayWhy() {
        assertSame(FIRECRACKER_UNAVAILABLE, Pyro.choose(List.of(FIRECRACKER_UNAVAILABLE, QEMU), "firecracker"));
    }

    @Test
    void anUnknownBackendNameIsInvalidAndListsTheKnownOnes() {
        PyroException e = assertThrows(PyroException.class,
                () -> Pyro.choose(List.of(FIRECRACKER_UNAVAILABLE, QEMU), "xen"));
        assertEquals(ErrorCode.INVALID_INPUT, e.code());
        assertEquals("unknown backend 'xen': use auto, firecracker, qemu.", e.getMessage());
    }

    @Test
    void noProviderAtAllIsAHostError() {
        PyroException e = assertThrows(PyroException.class, () -> Pyro.choose(List.of(), "auto"));
        assertEquals(ErrorCode.HOST_UNSUPPORTED, e.code());
    }

    @Test
    void theDefaultReasonNamesTheBackend() {
        assertEquals("the firecracker backend cannot run on this host", FIRECRACKER_UNAVAILABLE.unavailableReason());
        assertEquals(null, QEMU.unavailableReason());
    }
}
