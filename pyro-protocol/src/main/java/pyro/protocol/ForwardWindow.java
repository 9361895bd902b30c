package pyro.protocol;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The send side of one direction of a port forward ({@link Request.PortConnect}): a sender takes
 * credit for each {@code data} frame before it sends it and the receiver's {@code data_ack} frames
 * give it back, so at most {@link Messages#FORWARD_WINDOW} bytes are in flight and a peer that stops
 * reading holds up its own connection, never the shared channel. An abort (an ack of -1, or the
 * connection's end) wakes a waiting sender with an IOException.
 */
public final class ForwardWindow {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition more = lock.newCondition();
    private long credit = Messages.FORWARD_WINDOW;
    private boolean aborted;
    private volatile Runnable onAbort = () -> {};

    /** What an abort also does (close the connection), once; runs at once if already aborted. */
    public void onAbort(Runnable action) {
        onAbort = action;
        if (aborted()) {
            action.run();
        }
    }

    /** Blocks until a frame of {@code n} bytes may be sent. */
    public void acquire(int n) throws IOException {
        long cost = Messages.forwardCost(n);
        lock.lock();
        try {
            while (credit < cost && !aborted) {
                try {
                    more.await(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while the peer was not reading");
                }
            }
            if (aborted) {
                throw new IOException("the other side closed the connection");
            }
            credit -= cost;
        } finally {
            lock.unlock();
        }
    }

    /** An ack: {@code bytes} of data consumed, or -1 to abort. */
    public void ack(long bytes) {
        boolean first = false;
        lock.lock();
        try {
            if (bytes < 0) {
                first = !aborted;
                aborted = true;
            } else {
                credit = Math.min(Messages.FORWARD_WINDOW, credit + Messages.forwardCost(bytes));
            }
            more.signalAll();
        } finally {
            lock.unlock();
        }
        if (first) {
            onAbort.run();
        }
    }

    public void abort() {
        ack(-1);
    }

    public boolean aborted() {
        lock.lock();
        try {
            return aborted;
        } finally {
            lock.unlock();
        }
    }
}
