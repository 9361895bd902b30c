package pyro.serve.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Workspace ids to E2B sandbox ids ([a-z0-9]+) and back. */
class SandboxIdsTest {
    @Test
    void aSandboxIdIsTheWorkspaceIdWithOnlyLowerCaseLettersAndDigits() {
        assertEquals("ws3fa2c1d0e9b8", SandboxIds.of("ws-3fa2c1d0e9b8"));
        assertEquals("wsabc", SandboxIds.of("WS_a.b-C"));
        assertTrue(SandboxIds.wellFormed(SandboxIds.of("ws-3fa2c1d0e9b8")));
        assertThrows(IllegalArgumentException.class, () -> SandboxIds.of("--"));
    }

    @Test
    void onlyLowerCaseLettersAndDigitsAreWellFormed() {
        assertFalse(SandboxIds.wellFormed("ws-1"));
        assertFalse(SandboxIds.wellFormed("WS1"));
        assertFalse(SandboxIds.wellFormed(""));
        assertFalse(SandboxIds.wellFormed(null));
        assertFalse(SandboxIds.wellFormed("a".repeat(129)));
    }

    @Test
    void theWayBackUsesTheMapAndAsksForTheListOnlyOnAMiss() {
        SandboxIds ids = new SandboxIds();
        AtomicInteger asked = new AtomicInteger();
        List<String> all = List.of("ws-000000000001", "ws-0000000000ab");
        assertEquals("ws000000000001", ids.remember("ws-000000000001"));
        assertEquals("ws-000000000001", ids.workspace("ws000000000001", () -> {
            asked.incrementAndGet();
            return all;
        }));
        assertEquals(0, asked.get(), "a remembered id needs no list");
        assertEquals("ws-0000000000ab", ids.workspace("ws0000000000ab", () -> {
            asked.incrementAndGet();
            return all;
        }), "an id handed out by an earlier server is found in the list");
        assertEquals(1, asked.get());
        assertNull(ids.workspace("ws999", () -> all));
        assertNull(ids.workspace("../etc", () -> {
            throw new AssertionError("a malformed id is not looked up");
        }));
        ids.forget("ws000000000001");
        assertNull(ids.workspace("ws000000000001", List::of));
    }
}
