package pyro.agent.service;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One captured stream of a service, on disk, capped. Offsets are absolute: {@link #total()} counts every
 * byte ever written; the file holds bytes {@link #start()} to {@link #total()}. When the file would grow
 * past the cap, the newest half of the cap is kept (copied to a temp file and renamed over the log) and
 * {@code start} moves forward: bytes before it are dropped and a read that asks for them says
 * {@code truncated}.
 */
final class LogFile {
    static final long DEFAULT_CAP = 8L * 1024 * 1024;
    static final long MIN_CAP = 64L * 1024;
    /** At most this many bytes per stream in one logs reply. */
    static final int READ_LIMIT = 1024 * 1024;

    /** What a read returns: the text, the cursor to pass back, and whether bytes asked for are missing. */
    record Slice(String text, long offset, boolean truncated) {}

    private final Path path;
    private final long cap;
    private FileChannel channel; // null when not capturing (closed, or loaded after an agent restart)
    private volatile long start;
    private volatile long total;

    private LogFile(Path path, long cap, FileChannel channel, long start, long total) {
        this.path = path;
        this.cap = Math.max(MIN_CAP, cap);
        this.channel = channel;
        this.start = start;
        this.total = total;
    }

    /** A fresh, empty log that captures (an existing file is truncated). */
    static LogFile create(Path path, long cap) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
        return new LogFile(path, cap, ch, 0, 0);
    }

    /** A log left by an earlier agent process: readable, no longer captured. */
    static LogFile existing(Path path, long cap, long start) {
        long size = 0;
        try {
            size = Files.isRegularFile(path) ? Files.size(path) : 0;
        } catch (IOException e) {
            // treat as empty
        }
        return new LogFile(path, cap, null, Math.max(0, start), Math.max(0, start) + size);
    }

    long start() {
        return start;
    }

    long total() {
        return total;
    }

    Path path() {
        return path;
    }

    /** Appends; returns true when the log was rotated (so {@link #start()} changed). */
    synchronized boolean write(byte[] b, int off, int n) {
        if (channel == null || n <= 0) {
            return false;
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap(b, off, n);
            while (buf.hasRemaining()) {
                channel.write(buf, total - start + (buf.position() - off));
            }
            total += n;
            if (total - start > cap) {
                rotate();
                return true;
            }
            return false;
        } catch (IOException e) {
            // disk trouble: drop everything kept so far rather than lose track of the offsets
            total += n;
            try {
                channel.truncate(0);
            } catch (IOException ignored) {
                // nothing more to do
            }
            start = total;
            return true;
        }
    }

    private void rotate() throws IOException {
        long keep = cap / 2;
        long size = total - start;
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (FileChannel t = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = size - keep;
            long done = 0;
            while (done < keep) {
                long n = channel.transferTo(pos + done, keep - done, t);
                if (n <= 0) {
                    break;
                }
                done += n;
            }
        }
        channel.close();
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ);
        start = total - keep;
    }

    /**
     * Appends one line of the agent's own (a restart marker), on a line of its own: a newline first when
     * what the service wrote last did not end one.
     */
    synchronized void marker(String line) {
        if (channel == null) {
            return;
        }
        boolean fresh = total == start;
        if (!fresh) {
            try {
                ByteBuffer last = ByteBuffer.allocate(1);
                fresh = channel.read(last, total - start - 1) == 1 && last.get(0) == '\n';
            } catch (IOException e) {
                fresh = false;
            }
        }
        byte[] b = ((fresh ? "" : "\n") + line + "\n").getBytes(StandardCharsets.UTF_8);
        write(b, 0, b.length);
    }

    /** Stops capturing; later writes are dropped (a leftover child of a replaced service). */
    synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            channel = null;
        }
    }

    /**
     * Reads for a logs request. {@code after}: absolute cursor (null: from the oldest kept byte, but at
     * most the newest {@link #READ_LIMIT} bytes); {@code tailLines}: only the last N lines of what the
     * cursor selects. The returned offset is the cursor for the next call.
     */
    synchronized Slice read(Long after, Integer tailLines, int limit) throws IOException {
        long s = start;
        long t = total;
        long requested = after == null ? 0 : after;
        long from = Math.min(Math.max(requested, s), t);
        if (tailLines != null) {
            long wfrom = Math.max(from, t - limit);
            byte[] b = bytes(wfrom, t - wfrom);
            int skip = wfrom > from ? charStart(b, 0) : 0;
            int end = b.length;
            if (end > 0 && b[end - 1] == '\n') {
                end--;
            }
            int cut = skip;
            boolean found = tailLines == 0;
            if (found) {
                cut = b.length;
            }
            int lines = 0;
            for (int k = end - 1; k >= skip && !found; k--) {
                if (b[k] == '\n' && ++lines == tailLines) {
                    cut = k + 1;
                    found = true;
                }
            }
            boolean truncated = !found && wfrom + skip > requested;
            return new Slice(new String(b, cut, b.length - cut, StandardCharsets.UTF_8), t, truncated);
        }
        long end = t;
        boolean fromCursor = after != null;
        if (t - from > limit) {
            if (fromCursor) {
                end = from + limit;
            } else {
                from = t - limit;
            }
        }
        // read a few bytes more so a cut never splits a UTF-8 sequence
        long readTo = Math.min(t, end + 4);
        byte[] b = bytes(from, readTo - from);
        int first = from > requested ? charStart(b, 0) : 0;
        int last = (int) Math.min(end - from, b.length);
        if (end < t && last < b.length) {
            int back = 0;
            while (last > first && back < 3 && (b[last] & 0xC0) == 0x80) {
                last--;
                back++;
            }
        }
        boolean truncated = from + first > requested || from + last < t;
        return new Slice(new String(b, first, last - first, StandardCharsets.UTF_8), from + last, truncated);
    }

    /** The last {@code n} lines of the kept log (each at most 500 characters), joined with newlines. */
    synchronized String lastLines(int n) {
        try {
            long t = total;
            long from = Math.max(start, t - 64 * 1024);
            String text = new String(bytes(from, t - from), StandardCharsets.UTF_8);
            String[] all = text.split("\n", -1);
            int end = all.length;
            if (end > 0 && all[end - 1].isEmpty()) {
                end--;
            }
            List<String> out = new ArrayList<>();
            for (int i = Math.max(0, end - n); i < end; i++) {
                String line = all[i].endsWith("\r") ? all[i].substring(0, all[i].length() - 1) : all[i];
                out.add(line.length() > 500 ? line.substring(0, 500) + "..." : line);
            }
            return String.join("\n", out);
        } catch (IOException e) {
            return "";
        }
    }

    private static int charStart(byte[] b, int i) {
        int limit = Math.min(b.length, i + 3);
        while (i < limit && (b[i] & 0xC0) == 0x80) {
            i++;
        }
        return i;
    }

    /** Bytes [absFrom, absFrom+len) of the stream; must hold the lock. */
    private byte[] bytes(long absFrom, long len) throws IOException {
        if (len <= 0) {
            return new byte[0];
        }
        byte[] out = new byte[(int) len];
        ByteBuffer buf = ByteBuffer.wrap(out);
        long pos = absFrom - start;
        FileChannel ch = channel;
        boolean own = ch == null;
        if (own) {
            if (!Files.isRegularFile(path)) {
                return new byte[0];
            }
            ch = FileChannel.open(path, StandardOpenOption.READ);
        }
        try {
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos + buf.position());
                if (n < 0) {
                    break;
                }
            }
        } finally {
            if (own) {
                ch.close();
            }
        }
        return buf.position() == out.length ? out : java.util.Arrays.copyOf(out, buf.position());
    }
}
