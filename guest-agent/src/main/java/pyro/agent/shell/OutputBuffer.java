package pyro.agent.shell;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A shell's output stream as an append-only, bounded byte log addressed by absolute offsets: offset 0 is
 * the first byte ever read from the PTY master. Only the newest {@code capacity} bytes are kept; a read
 * from before the first kept byte starts at that byte and says so ({@code truncated}). The backing ring
 * grows on demand up to the capacity, so an idle shell costs little memory.
 */
final class OutputBuffer {
    static final int DEFAULT_CAPACITY = 8 * 1024 * 1024;
    private static final int INITIAL = 64 * 1024;

    /** One read: the absolute offset of the first returned byte, the bytes, and whether bytes were lost. */
    record Chunk(long cursor, byte[] bytes, boolean truncated) {
        long nextCursor() {
            return cursor + bytes.length;
        }
    }

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private byte[] ring;
    private long start; // absolute offset of the first kept byte
    private long end; // absolute offset one past the last byte
    private boolean finished;
    private long lastAppendNanos = System.nanoTime();

    OutputBuffer(int capacity) {
        if (capacity < 16) {
            throw new IllegalArgumentException("capacity " + capacity + " is too small");
        }
        this.capacity = capacity;
        this.ring = new byte[Math.min(INITIAL, capacity)];
    }

    OutputBuffer() {
        this(DEFAULT_CAPACITY);
    }

    void append(byte[] b, int off, int len) {
        if (len <= 0) {
            return;
        }
        lock.lock();
        try {
            lastAppendNanos = System.nanoTime();
            long kept = end - start;
            if (kept + len > ring.length && ring.length < capacity) {
                grow((int) Math.min(capacity, Math.max((long) ring.length * 2, kept + len)));
            }
            if (len > ring.length) { // only the newest ring.length bytes can be kept
                off += len - ring.length;
                end += len - ring.length;
                start = end;
                len = ring.length;
            }
            copyIn(end, b, off, len);
            end += len;
            if (end - start > ring.length) {
                start = end - ring.length;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** No more output will come (the PTY reader ended): wakes waiting readers for good. */
    void finish() {
        lock.lock();
        try {
            finished = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Drops the kept bytes (the shell was closed); offsets stay valid. */
    void release() {
        lock.lock();
        try {
            start = end;
            ring = new byte[16];
            finished = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long end() {
        lock.lock();
        try {
            return end;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Up to {@code max} bytes from absolute offset {@code cursor}, never ending inside a UTF-8 sequence
     * (a single character longer than {@code max} is returned whole, so every read can make progress).
     * When nothing is available yet, waits up to {@code waitMs} for output.
     *
     * @throws IllegalArgumentException when {@code cursor} is beyond the end of the output
     */
    Chunk read(long cursor, int max, long waitMs) throws InterruptedException {
        lock.lock();
        try {
            if (cursor > end) {
                throw new IllegalArgumentException("cursor " + cursor + " is beyond the end of the output (" + end + ")");
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMs));
            while (true) {
                Chunk c = readNow(cursor, max);
                if (c.bytes().length > 0 || finished) {
                    return c;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return c;
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Like {@link #read} but returns only once the output has been quiet for {@code idleMs} (there is
     * something new at {@code cursor} and nothing was appended for that long), the output ended, or
     * {@code waitMs} passed: a program that prints in bursts is read after its burst, not in pieces.
     */
    Chunk readWhenIdle(long cursor, int max, long waitMs, long idleMs) throws InterruptedException {
        lock.lock();
        try {
            if (cursor > end) {
                throw new IllegalArgumentException("cursor " + cursor + " is beyond the end of the output (" + end + ")");
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMs));
            long idle = TimeUnit.MILLISECONDS.toNanos(idleMs);
            while (true) {
                long now = System.nanoTime();
                long quietFor = now - lastAppendNanos;
                if (finished || now >= deadline || (end > cursor && quietFor >= idle)) {
                    return readNow(cursor, max);
                }
                long until = end > cursor ? Math.min(deadline - now, idle - quietFor) : deadline - now;
                changed.awaitNanos(Math.max(1, until));
            }
        } finally {
            lock.unlock();
        }
    }

    private Chunk readNow(long cursor, int max) {
        boolean truncated = cursor < start;
        long from = Math.max(cursor, start);
        if (truncated) { // the first kept byte may be inside a character: start at the next one
            for (int i = 0; i < 3 && from < end && isContinuation(at(from)); i++) {
                from++;
            }
        }
        long available = end - from;
        int n = (int) Math.min(max, available);
        if (n > 0) {
            n = utf8Boundary(from, n, available);
        }
        byte[] out = new byte[n];
        copyOut(from, out, 0, n);
        return new Chunk(from, out, truncated);
    }

    /** Shortens {@code [from, from+n)} so it does not end inside a UTF-8 sequence. */
    private int utf8Boundary(long from, int n, long available) {
        long last = from + n - 1;
        for (int back = 0; back < 4 && last - back >= from; back++) {
            byte b = at(last - back);
            if (!isContinuation(b)) {
                int len = sequenceLength(b);
                if (back + 1 >= len) {
                    return n; // complete (or not a multi-byte lead)
                }
                long lead = last - back;
                if (lead > from) {
                    return (int) (lead - from);
                }
                // the whole chunk is one character that does not fit in n: return it whole if present
                if (available >= len) {
                    return len;
                }
                return finished ? n : 0;
            }
        }
        return n; // stray continuation bytes: not UTF-8, cut anywhere
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static int sequenceLength(byte b) {
        int u = b & 0xff;
        if (u < 0x80) {
            return 1;
        }
        if ((u & 0xE0) == 0xC0) {
            return 2;
        }
        if ((u & 0xF0) == 0xE0) {
            return 3;
        }
        if ((u & 0xF8) == 0xF0) {
            return 4;
        }
        return 1;
    }

    private byte at(long offset) {
        return ring[(int) (offset % ring.length)];
    }

    private void copyIn(long offset, byte[] src, int off, int len) {
        int pos = (int) (offset % ring.length);
        int first = Math.min(len, ring.length - pos);
        System.arraycopy(src, off, ring, pos, first);
        System.arraycopy(src, off + first, ring, 0, len - first);
    }

    private void copyOut(long offset, byte[] dst, int off, int len) {
        int pos = (int) (offset % ring.length);
        int first = Math.min(len, ring.length - pos);
        System.arraycopy(ring, pos, dst, off, first);
        System.arraycopy(ring, 0, dst, off + first, len - first);
    }

    private void grow(int size) {
        int kept = (int) (end - start);
        byte[] tmp = new byte[kept];
        copyOut(start, tmp, 0, kept);
        ring = new byte[size];
        copyIn(start, tmp, 0, kept);
    }
}
