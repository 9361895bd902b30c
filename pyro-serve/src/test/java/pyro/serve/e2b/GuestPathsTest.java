package pyro.serve.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** E2B's /home/user and relative paths on pyro's /workspace, the guest's other paths as they are, and NUL refused. */
class GuestPathsTest {
    @ParameterizedTest
    @CsvSource({
        "/home/user, /workspace",
        "/home/user/, /workspace",
        "/home/user/a.txt, /workspace/a.txt",
        "/home/user/x/../y/./z, /workspace/y/z",
        "a/b.txt, /workspace/a/b.txt",
        "/workspace/src, /workspace/src",
        "'', /workspace",
    })
    void mapsOntoWorkspace(String given, String guest) {
        assertEquals(guest, GuestPaths.toGuest(given));
    }

    @ParameterizedTest
    @CsvSource({
        "/etc/passwd, /etc/passwd",
        "/home/user2/x, /home/user2/x",
        "/home/user/../../etc, /etc",
        "../x, /home/x",
        "/workspacex, /workspacex",
        "/, /",
        "/../../tmp/./a, /tmp/a",
        "/tmp/../home/user/b, /workspace/b",
    })
    void otherPathsAreTheGuestsOwn(String given, String guest) {
        assertEquals(guest, GuestPaths.toGuest(given));
        assertEquals(guest.equals("/workspace") || guest.startsWith("/workspace/"), GuestPaths.inWorkspace(guest));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp/a\0b", "a\0", "\0"})
    void refusesNulBytes(String given) {
        E2bError e = assertThrows(E2bError.class, () -> GuestPaths.toGuest(given.replace("\\0", "\0")));
        assertEquals(400, e.status);
        assertEquals("invalid_argument", e.connectCode);
    }

    @ParameterizedTest
    @CsvSource({
        "/workspace/a.txt, /home/user/a.txt, /home/user/a.txt",
        "/workspace/a.txt, a.txt, /home/user/a.txt",
        "/workspace/a.txt, /workspace, /workspace/a.txt",
        "/workspace, /home/user, /home/user",
    })
    void answersNamePathsAsTheRequestDid(String guest, String requested, String answered) {
        assertEquals(answered, GuestPaths.toClient(guest, GuestPaths.homeStyle(requested)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/home/user", "/home/user/x", "x"})
    void homeStyle(String requested) {
        assertTrue(GuestPaths.homeStyle(requested));
        assertFalse(GuestPaths.homeStyle("/workspace/" + requested.replace("/home/user", "")));
    }
}
