package pyro.protocol.archive;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Streaming tar reader: ustar, old v7, GNU long names ({@code L}/{@code K}) and pax extended headers
 * ({@code path}, {@code linkpath}, {@code size}, {@code mtime}). Call {@link #next()} for each member and
 * read its content from {@link #content()} before the next call (unread content is skipped).
 *
 * <p>Not thread-safe. Header checksums are verified; the reader stops at the first all-zero block.
 *
 * <p>The reader keeps its own buffer and reads the source in large pieces, so headers, padding and the
 * content of small members cost no call on the source of their own; {@link #writeContent} hands the
 * content to a channel straight from that buffer (one write for a member that fits in it).
 */
public final class TarReader implements AutoCloseable {
    static final int BLOCK = 512;
    /** Upper bound for a GNU long name or a pax header block, so a hostile archive cannot exhaust memory. */
    static final int MAX_META_BYTES = 1024 * 1024;

    /** Bytes read from the source at a time: many small members, or a good part of a large one. */
    static final int BUFFER = 256 * 1024;

    private final InputStream in;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;
    private final byte[] block = new byte[BLOCK];
    private long remaining;
    private long padding;
    private boolean done;
    private final InputStream content = new ContentStream();

    public TarReader(InputStream in) {
        this.in = in;
    }

    /**
     * Wraps {@code in} in a reader, transparently un-gzipping it when it starts with the gzip magic
     * ({@code 1f 8b}).
     */
    public static TarReader open(InputStream in) throws IOException {
        PushbackInputStream peek = new PushbackInputStream(in, 2);
        int b0 = peek.read();
        int b1 = b0 < 0 ? -1 : peek.read();
        if (b1 >= 0) {
            peek.unread(b1);
        }
        if (b0 >= 0) {
            peek.unread(b0);
        }
        if (b0 == 0x1f && b1 == 0x8b) {
            return new TarReader(new GZIPInputStream(peek, 64 * 1024));
        }
        return new TarReader(peek);
    }

    /** The next member, or {@code null} at the end of the archive. */
    public TarEntry next() throws IOException {
        if (done) {
            return null;
        }
        skipRest();
        String longName = null;
        String longLink = null;
        Map<String, String> pax = Map.of(); // most members have no pax header
        while (true) {
            if (!readBlock()) {
                done = true;
                return null;
            }
            if (isZero(block)) {
                done = true;
                return null;
            }
            verifyChecksum();
            byte flag = block[156];
            long size = parseNumber(block, 124, 12, "size");
            if (flag == 'L' || flag == 'K' || flag == 'x' || flag == 'g') {
                if (size > MAX_META_BYTES) {
                    throw new ArchiveException("tar metadata block of " + size + " bytes is larger than the "
                            + MAX_META_BYTES + "-byte limit");
                }
                byte[] data = readData((int) size);
                switch (flag) {
                    case 'L' -> longName = cString(data, 0, data.length);
                    case 'K' -> longLink = cString(data, 0, data.length);
                    case 'x' -> {
                        pax = new HashMap<>(pax);
                        pax.putAll(parsePax(data));
                    }
                    default -> { } // global pax headers: ignored
                }
                continue;
            }
            String name = longName != null ? longName : ustarName();
            String link = longLink != null ? longLink : cString(block, 157, 100);
            if (pax.containsKey("path")) {
                name = pax.get("path");
            }
            if (pax.containsKey("linkpath")) {
                link = pax.get("linkpath");
            }
            if (pax.containsKey("size")) {
                try {
                    size = Long.parseLong(pax.get("size").trim());
                } catch (NumberFormatException e) {
                    throw new ArchiveException(name, "tar member " + name + " has a bad pax size " + pax.get("size"));
                }
            }
            long mtime = parseNumberLenient(block, 136, 12);
            if (pax.containsKey("mtime")) {
                try {
                    mtime = (long) Double.parseDouble(pax.get("mtime").trim());
                } catch (NumberFormatException ignored) {
                    // keep the header's value
                }
            }
            int mode = (int) (parseNumberLenient(block, 100, 8) & 07777);
            TarEntry.Type type = TarEntry.Type.ofFlag(flag);
            if (type == TarEntry.Type.FILE && name.endsWith("/")) {
                type = TarEntry.Type.DIRECTORY;
            }
            if (size < 0) {
                throw new ArchiveException(name, "tar member " + name + " has a negative size");
            }
            // Non-file members normally state size 0; if one does not, its data blocks still follow
            // and are skipped so the reader stays in sync.
            remaining = size;
            padding = (BLOCK - (size % BLOCK)) % BLOCK;
            return new TarEntry(name, type, mode, type == TarEntry.Type.FILE ? size : 0, link, mtime);
        }
    }

    /** The current member's content; reads end at the member's size. */
    public InputStream content() {
        return content;
    }

    /**
     * Writes the rest of the current member's content to {@code out} straight from the reader's buffer
     * and returns the number of bytes written.
     */
    long writeContent(WritableByteChannel out) throws IOException {
        long written = 0;
        while (remaining > 0) {
            if (pos == limit && !fill()) {
                throw new EOFException("tar stream ended inside member content");
            }
            int n = (int) Math.min(limit - pos, remaining);
            ByteBuffer bb = ByteBuffer.wrap(buf, pos, n);
            while (bb.hasRemaining()) {
                out.write(bb);
            }
            pos += n;
            remaining -= n;
            written += n;
        }
        return written;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private String ustarName() {
        String name = cString(block, 0, 100);
        boolean ustar = block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a'
                && block[261] == 'r' && block[262] == 0;
        if (ustar) {
            String prefix = cString(block, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        return name;
    }

    private void skipRest() throws IOException {
        long toSkip = remaining + padding;
        remaining = 0;
        padding = 0;
        skipFully(toSkip);
    }

    private void skipFully(long n) throws IOException {
        while (n > 0) {
            if (pos == limit && !fill()) {
                throw new EOFException("tar stream ended inside a member");
            }
            int k = (int) Math.min(limit - pos, n);
            pos += k;
            n -= k;
        }
    }

    /** Refills the empty buffer from the source; false at its end. */
    private boolean fill() throws IOException {
        pos = 0;
        limit = 0;
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            return false;
        }
        limit = n;
        return true;
    }

    /** Copies up to {@code len} bytes into {@code b}; fewer only at the end of the source. */
    private int readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            if (pos == limit && !fill()) {
                break;
            }
            int k = Math.min(limit - pos, len - done);
            System.arraycopy(buf, pos, b, off + done, k);
            pos += k;
            done += k;
        }
        return done;
    }

    private byte[] readData(int size) throws IOException {
        byte[] data = new byte[size];
        if (readFully(data, 0, size) != size) {
            throw new EOFException("tar stream ended inside a metadata block");
        }
        skipFully((BLOCK - (size % BLOCK)) % BLOCK);
        return data;
    }

    private boolean readBlock() throws IOException {
        int n = readFully(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n != BLOCK) {
            throw new EOFException("tar stream ended inside a header block (" + n + " of 512 bytes)");
        }
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private void verifyChecksum() throws ArchiveException {
        long stored = parseNumberLenient(block, 148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            boolean chk = i >= 148 && i < 156;
            unsigned += chk ? ' ' : block[i] & 0xff;
            signed += chk ? ' ' : block[i];
        }
        if (stored != unsigned && stored != signed) {
            throw new ArchiveException("not a tar stream: header checksum mismatch (stored " + stored
                    + ", computed " + unsigned + ")");
        }
    }

    static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long parseNumber(byte[] b, int off, int len, String what) throws ArchiveException {
        if ((b[off] & 0x80) != 0) {
            // GNU base-256: big-endian two's complement in the remaining bytes
            if ((b[off] & 0x40) != 0) {
                throw new ArchiveException("tar header has a negative " + what);
            }
            long v = b[off] & 0x3f;
            for (int i = 1; i < len; i++) {
                if ((v >>> 55) != 0) {
                    throw new ArchiveException("tar header " + what + " overflows");
                }
                v = (v << 8) | (b[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && b[i] == ' ') {
            i++;
        }
        for (; i < end; i++) {
            byte c = b[i];
            if (c == 0 || c == ' ') {
                break;
            }
            if (c < '0' || c > '7') {
                throw new ArchiveException("not a tar stream: bad octal digit in the " + what + " field");
            }
            v = (v << 3) | (c - '0');
        }
        return v;
    }

    private static long parseNumberLenient(byte[] b, int off, int len) {
        try {
            return parseNumber(b, off, len, "field");
        } catch (ArchiveException e) {
            return 0;
        }
    }

    static Map<String, String> parsePax(byte[] data) throws ArchiveException {
        Map<String, String> out = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            if (space >= data.length) {
                break;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new ArchiveException("malformed pax header record");
            }
            if (length <= space - pos || pos + length > data.length) {
                throw new ArchiveException("malformed pax header record length " + length);
            }
            int recordEnd = pos + length;
            int eq = space + 1;
            while (eq < recordEnd && data[eq] != '=') {
                eq++;
            }
            if (eq >= recordEnd) {
                throw new ArchiveException("malformed pax header record without '='");
            }
            String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            int valueEnd = data[recordEnd - 1] == '\n' ? recordEnd - 1 : recordEnd;
            out.put(key, new String(data, eq + 1, valueEnd - eq - 1, StandardCharsets.UTF_8));
            pos = recordEnd;
        }
        return out;
    }

    private final class ContentStream extends InputStream {
        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            if (pos == limit && !fill()) {
                throw new EOFException("tar stream ended inside member content");
            }
            remaining--;
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (remaining <= 0) {
                return -1;
            }
            int want = (int) Math.min(len, remaining);
            int n;
            if (pos < limit) {
                n = Math.min(want, limit - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
            } else if (want >= buf.length) {
                n = in.read(b, off, want); // a large read needs no detour through the buffer
                if (n < 0) {
                    throw new EOFException("tar stream ended inside member content");
                }
            } else {
                if (!fill()) {
                    throw new EOFException("tar stream ended inside member content");
                }
                n = Math.min(want, limit - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
            }
            remaining -= n;
            return n;
        }

        @Override
        public void close() {
            // the archive stream stays open
        }
    }
}
