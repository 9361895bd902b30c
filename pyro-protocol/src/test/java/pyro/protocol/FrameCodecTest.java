package pyro.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1234567})
    void framesRoundTrip(long seed) throws IOException {
        Random r = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frame[] frames = new Frame[20];
        for (int i = 0; i < frames.length; i++) {
            byte[] payload = new byte[r.nextInt(3) == 0 ? 0 : r.nextInt(100_000)];
            r.nextBytes(payload);
            frames[i] = new Frame(Map.of("id", i, "type", "t" + r.nextInt(5), "text", "ü-" + r.nextLong()), payload);
            FrameCodec.write(out, frames[i]);
        }
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        for (Frame want : frames) {
            Frame got = FrameCodec.read(in);
            assertEquals(want.header(), got.header(), "seed " + seed);
            assertArrayEquals(want.payload(), got.payload(), "seed " + seed);
        }
        assertNull(FrameCodec.read(in), "clean end of stream between frames");
    }

    /**
     * Regression: the agent died with "Illegal seek" on its first frame with a payload, because
     * FileInputStream.readNBytes seeks and a virtio-serial port cannot. A fake stream that refuses
     * readNBytes stands in for the character device, which does not exist on a build host.
     */
    @Test
    void fakeCharDeviceStreamThatCannotSeekStillReadsFrames() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, new Frame(Map.of("id", 7, "type", "data"), new byte[] {1, 2, 3}));
        InputStream device = new java.io.FilterInputStream(new ByteArrayInputStream(out.toByteArray())) {
            @Override
            public byte[] readNBytes(int len) throws IOException {
                throw new IOException("Illegal seek");
            }

            @Override
            public int readNBytes(byte[] b, int off, int len) throws IOException {
                throw new IOException("Illegal seek");
            }
        };
        Frame f = FrameCodec.read(device);
        assertEquals("data", f.type());
        assertArrayEquals(new byte[] {1, 2, 3}, f.payload());
    }

    @Test
    void truncatedAndOversizedFramesAreErrors() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, new Frame(Map.of("id", 1, "type", "x"), new byte[10]));
        byte[] whole = out.toByteArray();
        assertThrows(EOFException.class,
                () -> FrameCodec.read(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 3))));
        byte[] huge = ByteBuffer.allocate(8).putInt(Frame.MAX_HEADER_BYTES + 1).putInt(0).array();
        assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(huge)));
        byte[] negative = ByteBuffer.allocate(8).putInt(5).putInt(-1).array();
        assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(negative)));
    }
}
