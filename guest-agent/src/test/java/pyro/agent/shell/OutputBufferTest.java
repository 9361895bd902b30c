package pyro.agent.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The bounded output log: cursors, truncation, UTF-8 boundaries. */
class OutputBufferTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A burst written in pieces 30 ms apart is read whole when the read waits for 200 ms of quiet. */
    @Test
    void aReadThatWaitsForIdleGetsTheWholeBurst() throws Exception {
        OutputBuffer b = new OutputBuffer(1 << 20);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 5; i++) {
                b.append(utf8("part" + i + "\n"), 0, 6);
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long t0 = System.nanoTime();
        OutputBuffer.Chunk c = b.readWhenIdle(0, 1 << 16, 10_000, 200);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        writer.join();
        assertEquals("part0\npart1\npart2\npart3\npart4\n", new String(c.bytes(), StandardCharsets.UTF_8));
        assertTrue(ms >= 200 && ms < 5_000, "returned after " + ms + " ms");
        // nothing new and nothing coming: the wait bound ends it, empty
        t0 = System.nanoTime();
        assertEquals(0, b.readWhenIdle(c.nextCursor(), 100, 300, 50).bytes().length);
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 250);
    }

    @Test
    void readsByCursorNeverLoseOrRepeatBytes() throws Exception {
        OutputBuffer b = new OutputBuffer(1 << 20);
        b.append(utf8("hello "), 0, 6);
        b.append(utf8("world"), 0, 5);
        OutputBuffer.Chunk c = b.read(0, 4, 0);
        assertEquals("hell", new String(c.bytes(), StandardCharsets.UTF_8));
        assertEquals(0, c.cursor());
        c = b.read(c.nextCursor(), 100, 0);
        assertEquals("o world", new String(c.bytes(), StandardCharsets.UTF_8));
        assertEquals(11, c.nextCursor());
        assertEquals(0, b.read(11, 100, 0).bytes().length);
        assertThrows(IllegalArgumentException.class, () -> b.read(12, 1, 0));
    }

    @Test
    void aCursorOlderThanTheKeptBytesStartsAtTheFirstKeptByteAndSaysTruncated() throws Exception {
        OutputBuffer b = new OutputBuffer(16);
        b.append(utf8("0123456789"), 0, 10);
        b.append(utf8("abcdefghij"), 0, 10);
        OutputBuffer.Chunk c = b.read(0, 100, 0);
        assertTrue(c.truncated());
        assertEquals(4, c.cursor());
        assertEquals("456789abcdefghij", new String(c.bytes(), StandardCharsets.US_ASCII));
        assertFalse(b.read(c.cursor(), 100, 0).truncated());
        byte[] big = new byte[40];
        Arrays.fill(big, (byte) 'x');
        big[39] = 'y';
        b.append(big, 0, big.length);
        c = b.read(c.nextCursor(), 100, 0);
        assertTrue(c.truncated());
        assertEquals(60 - 16, c.cursor());
        assertEquals('y', c.bytes()[15]);
    }

    @Test
    void neverEndsInsideACharacter() throws Exception {
        OutputBuffer b = new OutputBuffer(1 << 20);
        byte[] s = utf8("aé€😀"); // 1 + 2 + 3 + 4 bytes
        b.append(s, 0, s.length);
        assertEquals("a", new String(b.read(0, 2, 0).bytes(), StandardCharsets.UTF_8));
        assertEquals("aé", new String(b.read(0, 5, 0).bytes(), StandardCharsets.UTF_8));
        assertEquals("aé€", new String(b.read(0, 9, 0).bytes(), StandardCharsets.UTF_8));
        // a character longer than max_chars comes whole, so reads always progress
        assertEquals("😀", new String(b.read(6, 1, 0).bytes(), StandardCharsets.UTF_8));
        // an incomplete character at the end waits for its remaining bytes
        OutputBuffer p = new OutputBuffer(1 << 20);
        p.append(s, 0, 8);
        assertEquals("aé€", new String(p.read(0, 100, 0).bytes(), StandardCharsets.UTF_8));
        assertEquals(0, p.read(6, 100, 0).bytes().length);
        assertEquals(0, p.read(6, 1, 0).bytes().length);
        p.append(s, 8, 2);
        assertEquals("€😀", new String(p.read(3, 100, 0).bytes(), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 20260101})
    void randomAppendsAndReadsReassembleTheStream(long seed) throws Exception {
        Random rnd = new Random(seed);
        OutputBuffer b = new OutputBuffer(1 << 22);
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        String alphabet = "ab€😀\u00e9\r\n";
        long cursor = 0;
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(300); k > 0; k--) {
                sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, rnd.nextInt(7))));
            }
            byte[] data = utf8(sb.toString());
            want.write(data);
            int split = data.length == 0 ? 0 : rnd.nextInt(data.length);
            b.append(data, 0, split); // split appends may cut characters: reads must not
            b.append(data, split, data.length - split);
            if (rnd.nextBoolean()) {
                OutputBuffer.Chunk c = b.read(cursor, 1 + rnd.nextInt(500), 0);
                assertEquals(cursor, c.cursor(), "seed " + seed);
                assertFalse(c.truncated(), "seed " + seed);
                String text = new String(c.bytes(), StandardCharsets.UTF_8);
                assertArrayEquals(c.bytes(), utf8(text), "chunk is whole characters, seed " + seed);
                got.write(c.bytes());
                cursor = c.nextCursor();
            }
        }
        OutputBuffer.Chunk c;
        while ((c = b.read(cursor, 4096, 0)).bytes().length > 0) {
            got.write(c.bytes());
            cursor = c.nextCursor();
        }
        assertArrayEquals(want.toByteArray(), got.toByteArray(), "seed " + seed);
    }
}
