package pyro.agent.secret;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Redacts secrets from one byte stream (a service's log, a shell's output) as it passes: every
 * occurrence of a value becomes {@code [redacted:NAME]}, also when it arrives split across writes. The
 * bytes at the end of a write that could begin a value are held back until the next write shows
 * whether they do, or until the stream has been quiet for a while ({@link #SHELL_IDLE_FLUSH_MS},
 * {@link #LOG_IDLE_FLUSH_MS}: a prompt that happens to end like a secret begins is not held forever).
 */
public final class SecretFilter {
    /** Where the filtered bytes go. */
    public interface Sink {
        void write(byte[] b, int off, int n);
    }

    /** A shell's wait: interactive, so short. */
    public static final long SHELL_IDLE_FLUSH_MS = 250;
    /** A log's wait: a service that writes a value in pieces further apart than this is not caught. */
    public static final long LOG_IDLE_FLUSH_MS = 1_000;
    private static final ScheduledExecutorService FLUSHER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "secret-filter-flush");
        t.setDaemon(true);
        return t;
    });

    private final List<Map.Entry<String, byte[]>> secrets;
    private final byte[][] markers;
    private final Sink sink;
    private final long idleFlushMs;
    private byte[] held = new byte[0];
    private long lastWrite;

    SecretFilter(List<Map.Entry<String, byte[]>> secrets, Sink sink, long idleFlushMs) {
        this.secrets = secrets;
        this.sink = sink;
        this.idleFlushMs = idleFlushMs;
        this.markers = new byte[secrets.size()][];
        for (int i = 0; i < secrets.size(); i++) {
            markers[i] = ("[redacted:" + secrets.get(i).getKey() + "]").getBytes(StandardCharsets.UTF_8);
        }
    }

    public synchronized void write(byte[] b, int off, int n) {
        byte[] data = new byte[held.length + n];
        System.arraycopy(held, 0, data, 0, held.length);
        System.arraycopy(b, off, data, held.length, n);
        pass(data, true);
        lastWrite = System.nanoTime();
        if (held.length > 0) {
            FLUSHER.schedule(this::flushIfIdle, idleFlushMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Redacts {@code data} into the sink, keeping back a possible beginning of a value when {@code holdBack}. */
    private void pass(byte[] data, boolean holdBack) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 64);
        int i = 0;
        int emitFrom = 0;
        int safeEnd = data.length - (holdBack ? heldBackLength(data) : 0);
        while (i < safeEnd) {
            int which = matchAt(data, i);
            if (which >= 0) {
                out.write(data, emitFrom, i - emitFrom);
                out.write(markers[which], 0, markers[which].length);
                i += secrets.get(which).getValue().length;
                emitFrom = i;
            } else {
                i++;
            }
        }
        int end = Math.max(i, emitFrom);
        out.write(data, emitFrom, end - emitFrom);
        held = Arrays.copyOfRange(data, end, data.length);
        byte[] ready = out.toByteArray();
        if (ready.length > 0) {
            sink.write(ready, 0, ready.length);
        }
    }

    /** Writes what is held back (the stream ended). */
    public synchronized void flush() {
        if (held.length > 0) {
            byte[] h = held;
            held = new byte[0];
            pass(h, false);
        }
    }

    private synchronized void flushIfIdle() {
        if (held.length > 0 && System.nanoTime() - lastWrite >= idleFlushMs * 1_000_000 - 1_000_000) {
            flush();
        }
    }

    /** Which secret's value starts at {@code i} (the longest first), or -1. */
    private int matchAt(byte[] data, int i) {
        for (int s = 0; s < secrets.size(); s++) {
            byte[] v = secrets.get(s).getValue();
            if (i + v.length <= data.length && Arrays.equals(data, i, i + v.length, v, 0, v.length)) {
                return s;
            }
        }
        return -1;
    }

    /** How many bytes at the end are a proper beginning of some value (they may continue it). */
    private int heldBackLength(byte[] data) {
        int best = 0;
        for (var e : secrets) {
            byte[] v = e.getValue();
            for (int k = Math.min(v.length - 1, data.length); k > best; k--) {
                if (Arrays.equals(data, data.length - k, data.length, v, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }
}
