package pyro.protocol.archive;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Streaming ustar writer. Names longer than 100 bytes, non-ASCII names and link targets, and sizes beyond
 * the 8 GiB octal limit get a pax extended header ({@code path}, {@code linkpath}, {@code size}).
 *
 * <p>{@link #writeTree} adds a file, a directory (recursively, children sorted by name) or a symlink
 * itself; it never follows symlinks and skips sockets, FIFOs and devices. Call {@link #finish()} to write
 * the end-of-archive marker. Not thread-safe.
 */
public final class TarWriter implements AutoCloseable {
    private static final int BLOCK = TarReader.BLOCK;
    private static final long MAX_OCTAL = 077777777777L;
    private static final byte[] ZERO = new byte[BLOCK];

    private final OutputStream out;
    private long bytesWritten;
    private long fileCount;
    private long skippedSpecial;
    private long contentBytes;
    private boolean finished;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Total bytes of tar stream written so far. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Regular-file members written so far. */
    /** Sockets, FIFOs and devices that were left out (a seed says how many). */
    public long skippedSpecial() {
        return skippedSpecial;
    }

    public long fileCount() {
        return fileCount;
    }

    /** Sum of regular-file content sizes written so far. */
    public long contentBytes() {
        return contentBytes;
    }

    /** Writes a header for {@code entry} and, for a regular file, exactly {@code entry.size()} bytes of {@code data}. */
    public void write(TarEntry entry, InputStream data) throws IOException {
        String name = entry.name();
        if (entry.isDirectory() && !name.endsWith("/")) {
            name = name.isEmpty() ? "./" : name + "/";
        }
        long size = entry.isFile() ? entry.size() : 0;
        writeHeader(name, entry.type(), entry.mode(), size, entry.linkName(), entry.mtime());
        if (entry.isFile()) {
            long copied = copy(data, size);
            long missing = size - copied;
            while (missing > 0) { // the source shrank while we read it: pad so the archive stays well-formed
                int n = (int) Math.min(ZERO.length, missing);
                emit(ZERO, 0, n);
                missing -= n;
            }
            pad(size);
            fileCount++;
            contentBytes += size;
        }
    }

    public void writeDirectory(String name, int mode, long mtime) throws IOException {
        write(TarEntry.directory(name, mode, mtime), null);
    }

    public void writeFile(String name, int mode, long mtime, byte[] content) throws IOException {
        write(TarEntry.file(name, mode, content.length, mtime), new ByteArrayInputStream(content));
    }

    public void writeSymlink(String name, String target, long mtime) throws IOException {
        write(TarEntry.symlink(name, target, mtime), null);
    }

    public void writeHardlink(String name, String target, long mtime) throws IOException {
        write(TarEntry.hardlink(name, target, mtime), null);
    }

    /**
     * Adds {@code source} under the member name {@code name}: a regular file, a symlink (the link itself) or
     * a directory with everything below it. Returns the artifact type: {@code file}, {@code directory} or
     * {@code symlink}.
     */
    public String writeTree(Path source, String name) throws IOException {
        return writeTree(source, name, p -> false);
    }

    /**
     * Adds what is inside the folder {@code dir} (not the folder itself), each entry under its own name,
     * in name order: the tar a folder's contents make, as a seed upload or a folder export sends it.
     */
    public void writeContents(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        children.sort(null);
        for (Path c : children) {
            writeTree(c, c.getFileName().toString());
        }
    }

    /** Like {@link #writeTree(Path, String)}, leaving out paths for which {@code exclude} is true. */
    public String writeTree(Path source, String name, Predicate<Path> exclude) throws IOException {
        PosixFileAttributes attrs = Files.readAttributes(source, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String kind = attrs.isSymbolicLink() ? "symlink" : attrs.isDirectory() ? "directory" : "file";
        add(source, name, attrs, exclude);
        return kind;
    }

    private void add(Path path, String name, PosixFileAttributes attrs, Predicate<Path> exclude) throws IOException {
        long mtime = attrs.lastModifiedTime().toMillis() / 1000;
        int mode = modeOf(attrs.permissions());
        if (attrs.isSymbolicLink()) {
            writeSymlink(name, Files.readSymbolicLink(path).toString(), mtime);
        } else if (attrs.isDirectory()) {
            writeDirectory(name, mode, mtime);
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(path)) {
                for (Path child : stream) {
                    if (!exclude.test(child)) {
                        children.add(child);
                    }
                }
            }
            children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            String prefix = name.isEmpty() || name.endsWith("/") ? name : name + "/";
            for (Path child : children) {
                PosixFileAttributes childAttrs;
                try {
                    childAttrs = Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException gone) {
                    continue; // removed while we walked
                }
                add(child, prefix + child.getFileName(), childAttrs, exclude);
            }
        } else if (attrs.isRegularFile()) {
            try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
                write(TarEntry.file(name, mode, attrs.size(), mtime), in);
            }
        } else {
            // sockets, FIFOs and devices are skipped (opening a FIFO would block), and counted
            skippedSpecial++;
        }
    }

    /** Writes the two zero blocks that end an archive and flushes. Does not close the stream. */
    public void finish() throws IOException {
        if (!finished) {
            emit(ZERO, 0, BLOCK);
            emit(ZERO, 0, BLOCK);
            out.flush();
            finished = true;
        }
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }

    /** Permission bits as an octal mode ({@code rw-r--r--} is {@code 0644}). */
    public static int modeOf(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }

    private void writeHeader(String name, TarEntry.Type type, int mode, long size, String link, long mtime)
            throws IOException {
        StringBuilder pax = new StringBuilder();
        if (name.getBytes(StandardCharsets.UTF_8).length > 100 || !isAscii(name)) {
            paxRecord(pax, "path", name);
        }
        if (link.getBytes(StandardCharsets.UTF_8).length > 100 || !isAscii(link)) {
            paxRecord(pax, "linkpath", link);
        }
        if (size > MAX_OCTAL) {
            paxRecord(pax, "size", Long.toString(size));
        }
        if (!pax.isEmpty()) {
            byte[] data = pax.toString().getBytes(StandardCharsets.UTF_8);
            emit(header("PaxHeaders/" + asciiTail(name, 80), 'x', 0644, data.length, "", mtime), 0, BLOCK);
            emit(data, 0, data.length);
            pad(data.length);
        }
        emit(header(asciiTail(name, 100), type.flag(), mode, size > MAX_OCTAL ? 0 : size, asciiTail(link, 100), mtime),
                0, BLOCK);
    }

    private static byte[] header(String name, char flag, int mode, long size, String link, long mtime) {
        byte[] h = new byte[BLOCK];
        putString(h, 0, 100, name);
        putOctal(h, 100, 8, mode & 07777);
        putOctal(h, 108, 8, 0);
        putOctal(h, 116, 8, 0);
        putOctal(h, 124, 12, size);
        putOctal(h, 136, 12, Math.max(0, Math.min(mtime, MAX_OCTAL)));
        h[156] = (byte) flag;
        putString(h, 157, 100, link);
        putString(h, 257, 6, "ustar");
        h[263] = '0';
        h[264] = '0';
        putString(h, 265, 32, "root");
        putString(h, 297, 32, "root");
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        putOctal(h, 148, 7, sum);
        h[155] = ' ';
        return h;
    }

    static void paxRecord(StringBuilder sb, String key, String value) {
        int body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() != Integer.toString(body).length()) {
            len = body + Integer.toString(len).length();
        }
        sb.append(len).append(' ').append(key).append('=').append(value).append('\n');
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
        }
        return true;
    }

    /** A printable-ASCII rendering of {@code s}, at most {@code max} chars (the tail, so the base name survives). */
    private static String asciiTail(String s, int max) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c > 31 && c < 127 ? c : '_');
        }
        return sb.length() > max ? sb.substring(sb.length() - max) : sb.toString();
    }

    private static void putString(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }

    private static void putOctal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        int digits = len - 1;
        String padded = "0".repeat(Math.max(0, digits - s.length())) + s;
        putString(h, off, digits, padded);
        h[off + digits] = 0;
    }

    private long copy(InputStream in, long size) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long copied = 0;
        while (copied < size) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, size - copied));
            if (n < 0) {
                break;
            }
            emit(buf, 0, n);
            copied += n;
        }
        return copied;
    }

    private void pad(long size) throws IOException {
        int padding = (int) ((BLOCK - (size % BLOCK)) % BLOCK);
        if (padding > 0) {
            emit(ZERO, 0, padding);
        }
    }

    private void emit(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        bytesWritten += len;
    }
}
