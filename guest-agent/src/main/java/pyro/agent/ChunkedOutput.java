package pyro.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import pyro.protocol.Messages;

/** An output stream that sends what is written as {@code data} frames of at most {@link #CHUNK} bytes. */
final class ChunkedOutput extends OutputStream {
    static final int CHUNK = 1024 * 1024;
    private final Agent agent;
    private final long id;
    private final byte[] buf = new byte[CHUNK];
    private int len;

    ChunkedOutput(Agent agent, long id) {
        this.agent = agent;
        this.id = id;
    }

    @Override
    public void write(int b) throws IOException {
        if (len == CHUNK) {
            sendChunk();
        }
        buf[len++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
        while (n > 0) {
            if (len == CHUNK) {
                sendChunk();
            }
            int k = Math.min(n, CHUNK - len);
            System.arraycopy(b, off, buf, len, k);
            len += k;
            off += k;
            n -= k;
        }
    }

    @Override
    public void flush() throws IOException {
        if (len > 0) {
            sendChunk();
        }
    }

    private void sendChunk() throws IOException {
        agent.send(Messages.data(id, Arrays.copyOf(buf, len)));
        len = 0;
    }
}
