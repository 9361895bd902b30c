package pyro.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import pyro.protocol.Frame;
import pyro.protocol.Messages;

/**
 * The {@code data} frames of one in-progress upload, routed here by request id and read as a stream that
 * ends at {@code data_end}. The queue is bounded, so a slow consumer applies back-pressure to the channel.
 */
final class Upload extends InputStream {
    private final BlockingQueue<Frame> frames;
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    Upload() {
        this.frames = new ArrayBlockingQueue<>(16);
    }

    /**
     * An upload whose sender keeps to a window of its own (a port forward's): never blocks the
     * channel reader, since the window bounds what can be queued.
     */
    static Upload windowed() {
        return new Upload(new java.util.concurrent.LinkedBlockingQueue<>());
    }

    private Upload(BlockingQueue<Frame> frames) {
        this.frames = frames;
    }

    /** Ends the stream where it is (an aborted forward): a reader sees end-of-stream. */
    void end() {
        frames.offer(Messages.dataEnd(0));
    }

    /** Called by the channel reader. */
    void offer(Frame frame) throws InterruptedException {
        frames.put(frame);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos >= current.length) {
            if (ended) {
                return -1;
            }
            Frame f;
            try {
                f = frames.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("upload interrupted");
            }
            if (Messages.isDataEnd(f)) {
                ended = true;
                return -1;
            }
            current = f.payload();
            pos = 0;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Discards whatever is left up to {@code data_end}, so the reply follows the whole upload. */
    void drain() throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (read(buf, 0, buf.length) >= 0) {
            // discard
        }
    }
}
