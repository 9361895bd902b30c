package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/**
 * {@code pyro doctor} proves the acceleration by booting a probe guest under each one it considers
 * (KVM first where /dev/kvm exists, then TCG), and says for each whether it booted, how long it took
 * and why not; the verdicts are cached, so the next doctor says so and boots nothing. Here /dev/kvm
 * is PVM: KVM is tried and fails, TCG boots.
 */
class DoctorProbeGuestTest {
    @Test
    @SuppressWarnings("unchecked")
    void doctorBootsAProbePerAccelerationAndCachesTheVerdicts() {
        Guests.requireGuests();
        Path state = Guests.newStateDir("doctor");
        Guests.pull(state);
        // start from no verdicts (they are only a cache), so the first doctor really boots its probes
        try {
            pyro.core.internal.Files2.deleteTree(Guests.cacheDir().resolve("probes"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Cli.Result first = Cli.run(state, 120, "doctor", "--json");
        assertEquals(0, first.exitCode(), first.toString());
        List<Map<String, Object>> probes = (List<Map<String, Object>>) Json.readMap(first.stdout()).get("accel_probes");
        boolean kvmDevice = Files.exists(Path.of("/dev/kvm"));
        assertEquals(kvmDevice ? List.of("kvm", "tcg") : List.of("tcg"), probes.stream().map(p -> p.get("accel")).toList(),
                probes.toString());
        Map<String, Object> tcg = probes.getLast();
        assertEquals(true, tcg.get("booted"), tcg.toString());
        assertTrue(((Number) tcg.get("ms")).longValue() > 0, tcg.toString());
        if (Files.exists(Path.of("/sys/module/kvm_pvm"))) {
            Map<String, Object> kvm = probes.getFirst();
            assertEquals(false, kvm.get("booted"), "a stock kernel does not boot under PVM: " + kvm);
            assertTrue(kvm.get("reason") != null && !kvm.get("reason").toString().isBlank(), kvm.toString());
            Map<String, Object> facts = Json.readMap(first.stdout());
            assertEquals("tcg", facts.get("accel"), facts.toString());
        }
        Cli.Result again = Cli.run(state, 60, "doctor", "--json");
        List<Map<String, Object>> cached = (List<Map<String, Object>>) Json.readMap(again.stdout()).get("accel_probes");
        assertTrue(cached.stream().allMatch(p -> Boolean.TRUE.equals(p.get("cached"))), cached.toString());
        assertTrue(again.millis() < first.millis(), "the second doctor boots nothing: " + again.millis() + " ms vs "
                + first.millis() + " ms");
        Cli.Result human = Cli.run(state, 60, "doctor");
        assertTrue(human.stdout().contains("probe tcg  booted after"), human.stdout());
    }
}
