package pyro.serve.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The Connect envelope codec: the wire bytes, round trips of random streams, and every way a stream is cut short. */
class EnvelopeTest {
    @Test
    void aMessageIsAFlagByteABigEndianLengthAndThePayload() {
        byte[] wire = Envelope.message("{}".getBytes(StandardCharsets.UTF_8)).encode();
        assertArrayEquals(new byte[] {0, 0, 0, 0, 2, '{', '}'}, wire);
        byte[] end = Envelope.end("{\"error\":{}}".getBytes(StandardCharsets.UTF_8)).encode();
        assertEquals(0x02, end[0]);
        assertEquals(12, end[4]);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 20261207})
    void aStreamOfRandomEnvelopesReadsBackAsWritten(long seed) throws Exception {
        Random r = new Random(seed);
        List<Envelope> sent = new ArrayList<>();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        int n = 1 + r.nextInt(20);
        for (int i = 0; i < n; i++) {
            byte[] payload = new byte[r.nextInt(i == 0 ? 1 : 70_000)];
            r.nextBytes(payload);
            Envelope e = new Envelope(i == n - 1 ? Envelope.END_STREAM : 0, payload);
            sent.add(e);
            wire.write(e.encode());
        }
        ByteArrayInputStream in = new ByteArrayInputStream(wire.toByteArray());
        for (Envelope e : sent) {
            Envelope got = Envelope.read(in);
            assertEquals(e.flags(), got.flags(), "seed " + seed);
            assertArrayEquals(e.payload(), got.payload(), "seed " + seed);
        }
        assertTrue(sent.getLast().endStream());
        assertNull(Envelope.read(in), "a clean end after the last envelope");
    }

    @Test
    void aCutShortEnvelopeIsAnErrorNotAMessage() {
        byte[] wire = Envelope.message("{\"a\":1}".getBytes(StandardCharsets.UTF_8)).encode();
        for (int cut = 1; cut < wire.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(wire, cut);
            assertThrows(EOFException.class, () -> Envelope.read(new ByteArrayInputStream(part)), "cut at " + cut);
        }
    }

    @Test
    void anOversizedLengthIsRefusedBeforeAnythingIsRead() {
        byte[] wire = {0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThrows(IllegalArgumentException.class, () -> Envelope.read(new ByteArrayInputStream(wire)));
    }
}
