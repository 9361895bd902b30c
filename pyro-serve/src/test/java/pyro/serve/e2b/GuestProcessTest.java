package pyro.serve.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The process wrapper's header taken off stderr however it is cut, and the watch's differences. */
class GuestProcessTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234})
    void theHeaderIsReadHoweverTheStreamIsCut(long seed) {
        Random r = new Random(seed);
        byte[] all = (GuestProcess.HEADER + "4321 4300\nerr after\n").getBytes(StandardCharsets.UTF_8);
        GuestProcess.HeaderReader h = new GuestProcess.HeaderReader();
        int at = 0;
        int[] pids = null;
        while (pids == null) {
            int n = 1 + r.nextInt(all.length - at);
            pids = h.feed(Arrays.copyOfRange(all, at, at + n));
            at += n;
        }
        assertArrayEquals(new int[] {4321, 4300}, pids, "seed " + seed);
        String rest = new String(h.rest(), StandardCharsets.UTF_8) + new String(all, at, all.length - at, StandardCharsets.UTF_8);
        assertEquals("err after\n", rest, "seed " + seed);
    }

    @Test
    void aMissingDirectoryIsNamedNotMistakenForAPid() {
        GuestProcess.HeaderReader h = new GuestProcess.HeaderReader();
        assertNull(h.feed((GuestProcess.NO_CWD + "\n").getBytes(StandardCharsets.UTF_8)));
        assertTrue(h.noCwd());
        assertThrows(IllegalStateException.class, () -> new GuestProcess.HeaderReader().feed("bash: oops\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void inputOverTheLimitIsRefusedNamingTheSize() {
        E2bError e = assertThrows(E2bError.class, () -> GuestProcess.sendInput(7, new byte[GuestProcess.MAX_INPUT + 1]));
        assertEquals(400, e.status);
        assertTrue(e.getMessage().contains(Integer.toString(GuestProcess.MAX_INPUT + 1)), e.getMessage());
    }

    @Test
    void watchDifferencesAreRemovesThenCreatesAndWrites() {
        Map<String, String> before = EnvdWatch.parse("f 1 10.0 a.txt\0d 4096 10.0 sub\0f 3 10.0 gone.txt\0");
        Map<String, String> after = EnvdWatch.parse("f 2 11.0 a.txt\0d 4096 12.0 sub\0f 0 12.0 sub/new file\0");
        List<String> got = EnvdWatch.differences(before, after).stream().map(d -> d[1] + ":" + d[0]).toList();
        assertEquals(List.of("EVENT_TYPE_REMOVE:gone.txt", "EVENT_TYPE_WRITE:a.txt", "EVENT_TYPE_CREATE:sub/new file"), got,
                "a folder's own time changing is no event; names may hold spaces");
    }
}
