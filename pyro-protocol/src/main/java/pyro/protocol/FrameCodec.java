package pyro.protocol;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;

/** Reads and writes {@link Frame}s. Writers must hold their own lock when several threads share a stream. */
public final class FrameCodec {
    /** Null fields travel as nulls, so records keep every field across the channel. */
    private static final JSON WRITER = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);

    private FrameCodec() {}

    public static void write(OutputStream out, Frame frame) throws IOException {
        byte[] header = WRITER.asBytes(frame.header());
        byte[] payload = frame.payload();
        if (header.length > Frame.MAX_HEADER_BYTES) {
            throw new ProtocolException("frame header too large: " + header.length + " bytes");
        }
        if (payload.length > Frame.MAX_PAYLOAD_BYTES) {
            throw new ProtocolException("frame payload too large: " + payload.length + " bytes");
        }
        ByteBuffer prefix = ByteBuffer.allocate(8).putInt(header.length).putInt(payload.length);
        out.write(prefix.array());
        out.write(header);
        out.write(payload);
        out.flush();
    }

    /** Returns the next frame, or {@code null} at a clean end of stream (between frames). */
    public static Frame read(InputStream in) throws IOException {
        DataInputStream data = in instanceof DataInputStream d ? d : new DataInputStream(in);
        int headerLength;
        try {
            headerLength = data.readInt();
        } catch (EOFException eof) {
            return null;
        }
        int payloadLength = data.readInt();
        if (headerLength <= 0 || headerLength > Frame.MAX_HEADER_BYTES) {
            throw new ProtocolException("bad frame header length " + headerLength);
        }
        if (payloadLength < 0 || payloadLength > Frame.MAX_PAYLOAD_BYTES) {
            throw new ProtocolException("bad frame payload length " + payloadLength);
        }
        // readFully, not readNBytes: FileInputStream.readNBytes seeks to size its buffer, and a
        // virtio-serial port (a character device) answers lseek with "Illegal seek".
        byte[] header = new byte[headerLength];
        byte[] payload = new byte[payloadLength];
        try {
            data.readFully(header);
            data.readFully(payload);
        } catch (EOFException e) {
            throw new EOFException("channel closed inside a frame");
        }
        Map<String, Object> map = JSON.std.mapFrom(header);
        return new Frame(map, payload);
    }
}
