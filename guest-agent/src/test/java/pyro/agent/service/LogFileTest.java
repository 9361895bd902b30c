package pyro.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Log cursors, the cap, and rotation, without a process. */
class LogFileTest {
    @TempDir
    Path tmp;

    static void write(LogFile log, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        log.write(b, 0, b.length);
    }

    @Test
    void cursorsReadOnlyNewBytes() throws Exception {
        LogFile log = LogFile.create(tmp.resolve("out.log"), LogFile.DEFAULT_CAP);
        write(log, "a\nb\n");
        LogFile.Slice s1 = log.read(null, null, LogFile.READ_LIMIT);
        assertEquals("a\nb\n", s1.text());
        assertEquals(4, s1.offset());
        assertFalse(s1.truncated());
        write(log, "c\n");
        LogFile.Slice s2 = log.read(s1.offset(), null, LogFile.READ_LIMIT);
        assertEquals("c\n", s2.text());
        assertEquals(6, s2.offset());
        assertEquals("", log.read(6L, null, LogFile.READ_LIMIT).text());
        assertEquals("b\nc\n", log.read(null, 2, LogFile.READ_LIMIT).text());
        assertEquals("c", log.lastLines(1));
        assertEquals("", log.read(null, 0, LogFile.READ_LIMIT).text());
    }

    @Test
    void theCapKeepsTheNewestBytesAndReportsTheDrop() throws Exception {
        long cap = LogFile.MIN_CAP;
        LogFile log = LogFile.create(tmp.resolve("out.log"), cap);
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            String line = "line " + i + "\n";
            all.append(line);
            write(log, line);
            assertTrue(Files.size(tmp.resolve("out.log")) <= cap);
        }
        assertEquals(all.length(), log.total());
        assertTrue(log.start() > 0);
        LogFile.Slice fromZero = log.read(0L, null, LogFile.READ_LIMIT);
        assertTrue(fromZero.truncated(), "bytes before the kept start were asked for");
        assertEquals(all.substring((int) log.start()), fromZero.text());
        LogFile.Slice kept = log.read(log.start(), null, LogFile.READ_LIMIT);
        assertFalse(kept.truncated());
        LogFile.Slice tail = log.read(null, 2, LogFile.READ_LIMIT);
        assertEquals("line 19998\nline 19999\n", tail.text());
        assertFalse(tail.truncated());
        // after a restart the same bytes are found from the persisted start
        LogFile again = LogFile.existing(tmp.resolve("out.log"), cap, log.start());
        assertEquals(log.total(), again.total());
        assertEquals(kept.text(), again.read(log.start(), null, LogFile.READ_LIMIT).text());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 7_000_000})
    void limitedReadsNeverSplitAUtf8CharacterAndChainWithoutLoss(long seed) throws Exception {
        Random r = new Random(seed);
        LogFile log = LogFile.create(tmp.resolve("u.log"), LogFile.DEFAULT_CAP);
        StringBuilder all = new StringBuilder();
        String[] pieces = {"a", "é", "€", "𝄞", "\n"};
        for (int i = 0; i < 3000; i++) {
            String p = pieces[r.nextInt(pieces.length)];
            all.append(p);
            write(log, p);
        }
        StringBuilder got = new StringBuilder();
        long cursor = 0;
        int limit = 7 + r.nextInt(20);
        while (cursor < log.total()) {
            LogFile.Slice s = log.read(cursor, null, limit);
            assertFalse(s.text().contains("\uFFFD"), "split character at " + cursor);
            assertTrue(s.offset() > cursor);
            got.append(s.text());
            cursor = s.offset();
        }
        assertEquals(all.toString(), got.toString());
    }
}
