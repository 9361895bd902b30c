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
 * and why not; the verdicts are cached, so the next doctor says so and boots nothing. What is
 * expected follows the facts doctor itself reads, on whichever machine this runs: no /dev/kvm (with
 * or without the kvm_pvm module loaded) means one TCG probe; PVM's /dev/kvm means a KVM probe that
 * fails, then TCG; hardware KVM means a KVM probe, then TCG. The test prints which case it checked.
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
        HostCase host = HostCase.here();
        System.out.println("DoctorProbeGuestTest checks the case: " + host.describe());
        assertEquals(host.kvmDevice ? List.of("kvm", "tcg") : List.of("tcg"), probes.stream().map(p -> p.get("accel")).toList(),
                host.describe() + ": " + probes);
        Map<String, Object> tcg = probes.getLast();
        assertEquals(true, tcg.get("booted"), tcg.toString());
        assertTrue(((Number) tcg.get("ms")).longValue() > 0, tcg.toString());
        Map<String, Object> facts = Json.readMap(first.stdout());
        Map<String, Object> kvmFacts = (Map<String, Object>) facts.get("kvm");
        assertEquals(host.kvmDevice, kvmFacts.get("device_present"), kvmFacts.toString());
        assertEquals(host.pvmDevice(), kvmFacts.get("pvm"), "pvm means /dev/kvm is PVM's: " + kvmFacts);
        assertEquals(host.pvmModule, kvmFacts.get("pvm_module_loaded"), kvmFacts.toString());
        if (host.pvmDevice()) {
            Map<String, Object> kvm = probes.getFirst();
            assertEquals(false, kvm.get("booted"), "a stock kernel does not boot under PVM's /dev/kvm: " + kvm);
            assertTrue(kvm.get("reason") != null && !kvm.get("reason").toString().isBlank(), kvm.toString());
            assertEquals("tcg", facts.get("accel"), facts.toString());
        } else if (!host.kvmDevice) {
            assertEquals("tcg", facts.get("accel"), facts.toString());
            assertTrue(facts.get("accel_reason").toString().contains("/dev/kvm is absent"), facts.toString());
        }
        Cli.Result again = Cli.run(state, 60, "doctor", "--json");
        List<Map<String, Object>> cached = (List<Map<String, Object>>) Json.readMap(again.stdout()).get("accel_probes");
        assertTrue(cached.stream().allMatch(p -> Boolean.TRUE.equals(p.get("cached"))), cached.toString());
        assertTrue(again.millis() < first.millis(), "the second doctor boots nothing: " + again.millis() + " ms vs "
                + first.millis() + " ms");
        Cli.Result human = Cli.run(state, 60, "doctor");
        assertTrue(human.stdout().contains("probe tcg  booted after"), human.stdout());
        String kvmLine = human.stdout().lines().filter(l -> l.startsWith("/dev/kvm:")).findFirst().orElseThrow();
        assertTrue(kvmLine.contains(host.kvmDevice ? "present" : "absent"), kvmLine);
        assertEquals(host.pvmDevice(), kvmLine.contains("only PVM guest kernels"), host.describe() + ": " + kvmLine);
    }

    /** The facts doctor reads, read here the same way, so the expectations follow the machine. */
    record HostCase(boolean kvmDevice, boolean pvmModule) {
        static HostCase here() {
            return new HostCase(Files.exists(Path.of("/dev/kvm")), Files.exists(Path.of("/sys/module/kvm_pvm")));
        }

        boolean pvmDevice() {
            return kvmDevice && pvmModule;
        }

        String describe() {
            if (pvmDevice()) {
                return "/dev/kvm is PVM's (kvm_pvm loaded): KVM probe fails, TCG boots";
            }
            if (kvmDevice) {
                return "/dev/kvm present without kvm_pvm: a KVM probe, then TCG";
            }
            return "no /dev/kvm" + (pvmModule ? " (kvm_pvm loaded all the same)" : "") + ": TCG only";
        }
    }
}
