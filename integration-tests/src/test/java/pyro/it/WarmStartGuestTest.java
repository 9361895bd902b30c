package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/**
 * Warm starts: env pull saves a booted guest, runs of that size restore it, every restored guest is
 * its own machine, and a saved guest that does not restore is discarded for a cold boot, never used.
 */
class WarmStartGuestTest {
    static Path state;

    @BeforeAll
    static void setUp() {
        Guests.requireGuests();
        state = Guests.newStateDir("warm");
        Guests.pull(state); // saves the default-size guest if this build has none yet
    }

    @AfterAll
    static void resave() {
        Guests.pull(state); // put back a good save for the tests after this one
    }

    private static Map<String, Object> run(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("run", Guests.ENV, "--json"));
        args.addAll(List.of(extra));
        args.addAll(List.of("--", "sh", "-c", "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'; echo; date +%s; "
                + "hostname; cat /etc/machine-id 2>/dev/null; true"));
        long before = System.currentTimeMillis();
        Cli.Result r = Cli.run(state, args.toArray(String[]::new));
        long after = System.currentTimeMillis();
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, Object> m = new java.util.LinkedHashMap<>(Json.readMap(r.stdout()));
        m.put("host_before_s", before / 1000);
        m.put("host_after_s", (after + 999) / 1000);
        return m;
    }

    private static Path saved() throws Exception {
        Path warm = Guests.cacheDir().resolve("environments/debian_12/warm");
        try (var s = Files.list(warm)) {
            return s.filter(p -> p.getFileName().toString().startsWith("v1-m1024-")
                    && Files.exists(p.resolve("saved.json"))).findFirst().orElseThrow();
        }
    }

    /** What doctor says of the default size (1 vCPU, 1024 MiB) of the environment. */
    @SuppressWarnings("unchecked")
    private static String doctorSays() {
        List<Map<String, Object>> warm = (List<Map<String, Object>>) Guests.sdk(state).doctor(Guests.ENV).facts().get("warm");
        return warm.stream().filter(w -> ((Number) w.get("vcpu_count")).intValue() == 1
                && ((Number) w.get("mem_mib")).intValue() == 1024).map(w -> String.valueOf(w.get("state")))
                .findFirst().orElse("absent: " + warm);
    }

    @Test
    void twoRestoredGuestsAreTwoMachinesWithTheHostsClock() {
        assertEquals("warm", doctorSays(), "doctor --environment after env pull");
        Map<String, Object> a = run();
        Map<String, Object> b = run();
        assertEquals("warm", a.get("boot"), a.toString());
        assertEquals("warm", b.get("boot"), b.toString());
        String[] la = a.get("stdout").toString().split("\n");
        String[] lb = b.get("stdout").toString().split("\n");
        assertNotEquals(la[0], lb[0], "two guests restored from one save produced the same random bytes");
        assertNotEquals(la[2], lb[2], "hostnames must be per VM");
        assertNotEquals(la[3], lb[3], "machine ids must be per VM");
        // the guest read its clock while the run was under way: within 2 s of the host's at that time
        long guestClock = Long.parseLong(lb[1].trim());
        long from = ((Number) b.get("host_before_s")).longValue() - 2;
        long to = ((Number) b.get("host_after_s")).longValue() + 2;
        assertTrue(guestClock >= from && guestClock <= to,
                "the restored guest's clock is " + guestClock + ", the host's was " + from + ".." + to + " (2 s slack)");
    }

    @Test
    void coldIsAskedForAndSaysSo() {
        assertEquals("cold", run("--cold").get("boot"));
    }

    @Test
    void aSaveThatDoesNotRestoreIsDiscardedAndTheRunBootsCold() throws Exception {
        Path dir = saved();
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("memory.bin").toFile(), "rw")) {
            f.write(new byte[4096]); // the migration stream's header, same size: QEMU refuses it
        }
        Map<String, Object> r = run();
        assertEquals("cold", r.get("boot"), r.toString());
        assertFalse(Files.exists(dir.resolve("saved.json")), "the save that failed to restore must not be offered again");
        assertEquals("cold", doctorSays(), "doctor --environment once the save is discarded");
        assertEquals("cold", run().get("boot"), "no save: cold");
    }
}
