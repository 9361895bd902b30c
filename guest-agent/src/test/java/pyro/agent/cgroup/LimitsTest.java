package pyro.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The guest's cgroup limits as a pure function of its size. */
class LimitsTest {
    static final long MIB = 1024 * 1024;

    @Test
    void theMeasuredOneGibGuest() {
        // MemTotal 983876 kB and threads-max 7609, read in a 1024 MiB TCG guest of debian:12
        Limits l = Limits.of(983_876L * 1024, 7609);
        assertEquals(768, l.userMemoryMax() / MIB);
        assertEquals(4096, l.userPidsMax());
        assertEquals(192, l.agentMemoryLow() / MIB);
    }

    @Test
    void smallAndLargeGuestsKeepTheReserveInItsBounds() {
        Limits small = Limits.of(240 * MIB, 1900);
        assertEquals(120 * MIB, small.userMemoryMax(), "a small guest keeps half for the user part");
        assertEquals(1425, small.userPidsMax(), "a quarter of threads-max stays with the agent");
        Limits large = Limits.of(16_000 * MIB, 120_000);
        assertEquals(512 * MIB, large.agentMemoryLow(), "the reserve is capped");
        assertEquals(4096, large.userPidsMax());
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Limits.of(0, 100));
        assertThrows(IllegalArgumentException.class, () -> Limits.of(MIB, -1));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 7609, 20261201})
    void invariantsHoldForAnyGuestSize(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            long mem = 64 * MIB + (long) (r.nextDouble() * 64 * 1024 * MIB);
            long threads = 100 + r.nextInt(500_000);
            Limits l = Limits.of(mem, threads);
            String c = "seed " + seed + " case " + i + ": mem " + mem + " threads " + threads + " -> " + l;
            assertEquals(mem, l.userMemoryMax() + l.agentMemoryLow(), c);
            assertTrue(l.userMemoryMax() >= mem / 2, c);
            assertTrue(l.agentMemoryLow() <= Limits.MAX_RESERVE, c);
            assertTrue(l.agentMemoryLow() >= Math.min(Limits.MIN_RESERVE, mem - mem / 2), c);
            assertTrue(l.userPidsMax() >= 1 && l.userPidsMax() <= Limits.PIDS_CAP, c);
            assertTrue(threads - l.userPidsMax() >= Math.min(threads - 1, Math.max(256, threads / 4)), c);
        }
    }
}
