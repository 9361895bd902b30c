package pyro.core.supervisor;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;

/**
 * One connected client: frames in; replies out through its own queue and writer thread, so a client
 * that reads slowly or not at all never holds up the agent channel's reader (and with it every other
 * client of the VM). A download's data frames keep their back-pressure: the reader waits while this
 * client is more than {@link #DATA_BEHIND} behind, at most {@link #STALL_MS}; a client that stalls that
 * long, or lets {@link #MAX_BEHIND} of replies pile up, is disconnected. It also knows which agent id
 * each of its uploads was relayed under, so that its data frames follow the request.
 */
final class ClientConn implements Routes.Sink {
    static final long DATA_BEHIND = 8L << 20;
    static final long MAX_BEHIND = 64L << 20;
    static final long STALL_MS = 60_000;
    private static final Frame END = new Frame(Map.of("id", -1L, "type", "end"));
    final SocketChannel channel;
    final InputStream in;
    final OutputStream out;
    /** The agent id of each request of this client's that may still take data frames, by the client's id. */
    final Map<Long, Long> uploads = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
    private final AtomicLong behind = new AtomicLong();
    private final Object progress = new Object();
    private final Thread writer;
    private volatile boolean closed;

    ClientConn(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        this.writer = Thread.ofVirtual().name("client-writer").start(this::writeLoop);
    }

    private static long size(Frame f) {
        return f.payload().length + 256L;
    }

    @Override
    public void send(Frame f) {
        if (closed) {
            return;
        }
        if (Messages.isData(f)) {
            long until = System.currentTimeMillis() + STALL_MS;
            synchronized (progress) {
                while (behind.get() > DATA_BEHIND && !closed) {
                    long left = until - System.currentTimeMillis();
                    if (left <= 0) {
                        drop();
                        return;
                    }
                    try {
                        progress.wait(Math.min(left, 100));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
        if (behind.addAndGet(size(f)) > MAX_BEHIND) {
            drop();
            return;
        }
        queue.add(f);
    }

    /** The request's final answer came: no more data frames go to the agent under its id. */
    @Override
    public void answered(long clientId) {
        uploads.remove(clientId);
    }

    private void writeLoop() {
        try {
            while (true) {
                Frame f = queue.take();
                if (f == END) {
                    return;
                }
                FrameCodec.write(out, f);
                behind.addAndGet(-size(f));
                synchronized (progress) {
                    progress.notifyAll();
                }
            }
        } catch (IOException e) {
            drop(); // the client went away; its replies are dropped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Disconnects the client (its requests' routes go when its serve loop ends). */
    private void drop() {
        closed = true;
        queue.clear();
        queue.add(END);
        synchronized (progress) {
            progress.notifyAll();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed already
        }
    }

    /** Ends the writer once it has sent what is queued (the client is gone or done). */
    void end() {
        queue.add(END);
    }

    /** Lets the writer send what is queued (within {@code ms}), then ends it. */
    void finish(long ms) {
        queue.add(END);
        try {
            writer.join(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
