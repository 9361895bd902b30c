package pyro.serve.e2b;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * One Connect protocol envelope, as streaming calls frame their messages: a flags byte, a 4-byte
 * big-endian length and that many bytes of (here JSON) payload. Flag {@link #END_STREAM} marks the
 * last envelope of a response, whose payload is {@code {}} or {@code {"error":{code,message}}};
 * flag {@link #COMPRESSED} (a compressed payload) is refused, since no encoding is negotiated.
 */
record Envelope(int flags, byte[] payload) {
    static final int COMPRESSED = 0x01;
    static final int END_STREAM = 0x02;
    /** Larger request messages are refused: a Start request is a command line, not a file. */
    static final int MAX_PAYLOAD = 16 << 20;

    Envelope {
        if (flags < 0 || flags > 0xff) {
            throw new IllegalArgumentException("envelope flags " + flags + " do not fit a byte");
        }
    }

    boolean endStream() {
        return (flags & END_STREAM) != 0;
    }

    /** The wire form: 5 header bytes, then the payload. */
    byte[] encode() {
        return ByteBuffer.allocate(5 + payload.length).put((byte) flags).putInt(payload.length).put(payload).array();
    }

    static Envelope message(byte[] json) {
        return new Envelope(0, json);
    }

    static Envelope end(byte[] json) {
        return new Envelope(END_STREAM, json);
    }

    /** The next envelope of {@code in}, or null at a clean end (no byte of a next envelope). */
    static Envelope read(InputStream in) throws IOException {
        int flags = in.read();
        if (flags < 0) {
            return null;
        }
        byte[] len = in.readNBytes(4);
        if (len.length < 4) {
            throw new EOFException("the envelope's length is cut short after " + len.length + " of 4 bytes");
        }
        long n = Integer.toUnsignedLong(ByteBuffer.wrap(len).getInt());
        if (n > MAX_PAYLOAD) {
            throw new IllegalArgumentException("an envelope of " + n + " bytes is over the " + MAX_PAYLOAD + "-byte limit");
        }
        byte[] payload = in.readNBytes((int) n);
        if (payload.length < n) {
            throw new EOFException("the envelope's payload is cut short at " + payload.length + " of " + n + " bytes");
        }
        return new Envelope(flags, payload);
    }
}
