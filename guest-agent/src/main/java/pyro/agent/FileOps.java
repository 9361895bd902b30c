package pyro.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import pyro.protocol.archive.TarWriter;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The file tools' guest side: list, read and write files of /workspace by path, confined the way
 * export is (no path outside the root, no symlinked or non-folder parent) and never through a
 * final symlink either. Writes are all or nothing across their files.
 */
final class FileOps {
    /** The most one read returns, and the default. */
    static final long READ_MAX = 4L << 20;
    static final long READ_DEFAULT = 256L << 10;
    /** Line reads scan the file; past this size they are refused (read by bytes instead). */
    static final long LINE_SCAN_MAX = 64L << 20;
    static final long LIST_DEFAULT = 1000;
    static final long LIST_MAX = 20_000;
    /** Bytes scanned to tell text from binary: a NUL byte or invalid UTF-8 there means binary. */
    static final int SNIFF = 8192;
    static final String NEW = "new";

    private final Workspace ws;

    FileOps(Workspace ws) {
        this.ws = ws;
    }

    private String rel(Path p) {
        String r = ws.root().relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    Reply.FileListResult list(Request.FileList req) throws IOException, AgentException {
        Path dir = ws.inside("list path", req.path(), false);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw Agent.exists(dir) ? AgentException.invalid("list path '" + req.path() + "' is not a folder")
                    : AgentException.notFound("list path '" + req.path() + "' does not exist in the workspace");
        }
        long max = req.maxEntries() == null ? LIST_DEFAULT : req.maxEntries();
        if (max < 1 || max > LIST_MAX) {
            throw AgentException.invalid("max_entries " + max + " is out of range: use 1 to " + LIST_MAX);
        }
        boolean recursive = Boolean.TRUE.equals(req.recursive());
        List<Reply.FileEntry> out = new ArrayList<>();
        boolean truncated = false;
        Deque<Path> todo = new ArrayDeque<>(List.of(dir));
        walk:
        while (!todo.isEmpty()) {
            Path d = todo.removeFirst();
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
                for (Path c : s) {
                    if (!c.equals(ws.staging())) {
                        children.add(c);
                    }
                }
            }
            children.sort(null);
            List<Path> subdirs = new ArrayList<>();
            for (Path c : children) {
                if (out.size() >= max) {
                    truncated = true;
                    break walk;
                }
                PosixFileAttributes a;
                try {
                    a = Files.readAttributes(c, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue;
                }
                out.add(new Reply.FileEntry(rel(c),
                        a.isSymbolicLink() ? "symlink" : a.isDirectory() ? "dir" : a.isRegularFile() ? "file" : "other",
                        a.isRegularFile() ? a.size() : 0L, (long) TarWriter.modeOf(a.permissions()),
                        a.isSymbolicLink() ? Files.readSymbolicLink(c).toString() : null));
                if (a.isDirectory() && recursive) {
                    subdirs.add(c);
                }
            }
            for (int i = subdirs.size() - 1; i >= 0; i--) {
                todo.addFirst(subdirs.get(i)); // depth first, in name order
            }
        }
        return new Reply.FileListResult(rel(dir), (long) out.size(), truncated, out);
    }

    /** A regular file of the workspace, reached without following any symlink. */
    private Path regularFile(String what, String text) throws AgentException {
        Path p = ws.inside(what, text, false);
        if (Files.isSymbolicLink(p)) {
            throw AgentException.invalid(what + " '" + text + "' is a symlink: name its target instead");
        }
        if (!Agent.exists(p)) {
            throw AgentException.notFound(what + " '" + text + "' does not exist in the workspace");
        }
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentException.invalid(what + " '" + text + "' is not a regular file");
        }
        return p;
    }

    Reply.FileReadResult read(Request.FileRead req) throws IOException, AgentException {
        Path p = regularFile("read path", req.path());
        Request.Encoding encoding = req.encoding() == null ? Request.Encoding.TEXT : req.encoding();
        boolean text = encoding == Request.Encoding.TEXT;
        long size = Files.size(p);
        String sha = size <= Workspace.HASH_LIMIT_BYTES ? Workspace.sha256(p) : null;
        boolean binary = binary(p);
        if (binary && text) {
            throw AgentException.invalid("read path '" + req.path() + "' is a binary file (" + size
                    + " bytes): read it with encoding base64, or export it");
        }
        if (req.lineStart() != null || req.lineCount() != null) {
            return readLines(req, p, size, sha, binary, encoding);
        }
        long offset = req.offset() == null ? 0 : req.offset();
        long limit = req.limit() == null ? READ_DEFAULT : req.limit();
        if (offset < 0 || offset > size) {
            throw AgentException.invalid("offset " + offset + " is outside the file (" + size + " bytes)");
        }
        if (limit < 0 || limit > READ_MAX) {
            throw AgentException.invalid("limit " + limit + " is out of range: use 0 to " + READ_MAX + " bytes");
        }
        byte[] buf = new byte[(int) Math.min(limit, size - offset)];
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer bb = ByteBuffer.wrap(buf);
            while (bb.hasRemaining() && ch.read(bb, offset + bb.position()) > 0) {
                // fill
            }
            if (bb.hasRemaining()) {
                buf = java.util.Arrays.copyOf(buf, bb.position()); // shrank meanwhile
            }
        }
        int n = buf.length;
        if (text && offset + n < size) {
            n = utf8Boundary(buf, n); // never cut a character in two: the next read starts where this ended
        }
        String content = text ? new String(buf, 0, n, StandardCharsets.UTF_8)
                : base64(java.util.Arrays.copyOf(buf, n));
        return new Reply.FileReadResult(rel(p), size, sha, offset, (long) n, offset + n >= size, binary, encoding,
                content, null, null, null);
    }

    private Reply.FileReadResult readLines(Request.FileRead req, Path p, long size, String sha, boolean binary,
            Request.Encoding encoding) throws IOException, AgentException {
        long start = req.lineStart() == null ? 1 : req.lineStart();
        long count = req.lineCount() == null ? Long.MAX_VALUE : req.lineCount();
        if (start < 1 || count < 0) {
            throw AgentException.invalid("line_start must be 1 or more and line_count 0 or more (got " + start + ", "
                    + (req.lineCount() == null ? "all" : count) + ")");
        }
        if (size > LINE_SCAN_MAX) {
            throw AgentException.invalid("read path '" + req.path() + "' is " + size + " bytes: read lines of files up to "
                    + LINE_SCAN_MAX + " bytes, or read by offset and limit");
        }
        byte[] all = Files.readAllBytes(p);
        long line = 1;
        int from = -1;
        int to = all.length;
        if (start == 1) {
            from = 0;
        }
        long total = 0;
        long end = count == Long.MAX_VALUE ? -1 : start + count; // the first line not sent
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                total++;
                line++;
                if (line == start) {
                    from = i + 1;
                }
                if (from >= 0 && line == end && to == all.length) {
                    to = i + 1;
                }
            }
        }
        if (all.length > 0 && all[all.length - 1] != '\n') {
            total++;
        }
        if (from < 0 || from > all.length) {
            from = all.length; // past the end: nothing
        }
        if (count == 0) {
            to = from;
        }
        if (to - from > READ_MAX) {
            throw AgentException.invalid("lines " + start + " to " + (start + count - 1) + " are more than " + READ_MAX
                    + " bytes: ask for fewer lines");
        }
        byte[] part = java.util.Arrays.copyOfRange(all, from, Math.max(from, to));
        String content = encoding == Request.Encoding.TEXT ? new String(part, StandardCharsets.UTF_8)
                : base64(part);
        long sent = part.length == 0 ? 0 : countLines(part);
        return new Reply.FileReadResult(rel(p), size, sha, (long) from, (long) part.length, from + part.length >= all.length,
                binary, encoding, content, start, sent, total);
    }

    /** Content sent as base64, redacted first: the redaction of the reply's text never sees a value encoded. */
    private static String base64(byte[] content) {
        return Base64.getEncoder().encodeToString(pyro.agent.secret.Secrets.get().redact(content));
    }

    private static long countLines(byte[] b) {
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return b[b.length - 1] == '\n' ? n : n + 1;
    }

    /** How many of the first {@code n} bytes end on a UTF-8 character boundary. */
    static int utf8Boundary(byte[] b, int n) {
        int i = n;
        int back = 0;
        while (i > 0 && back < 4 && (b[i - 1] & 0xC0) == 0x80) {
            i--;
            back++;
        }
        if (i > 0) {
            int lead = b[i - 1] & 0xFF;
            int len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (len > 1 && len != back + 1) {
                return i - 1; // the last character is incomplete
            }
        }
        return n;
    }

    static boolean binary(Path p) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            head = in.readNBytes(SNIFF);
        }
        for (byte b : head) {
            if (b == 0) {
                return true;
            }
        }
        int n = head.length == SNIFF ? utf8Boundary(head, head.length) : head.length;
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(head, 0, n));
            return false;
        } catch (CharacterCodingException e) {
            return true;
        }
    }

    private record Change(String text, Path path, byte[] content, boolean delete, boolean exists, Path staged) {}

    Reply.FileWriteResult write(Request.FileWrite req) throws IOException, AgentException {
        if (req.changes() == null || req.changes().isEmpty()) {
            throw AgentException.invalid("a write needs at least one file");
        }
        List<Change> changes = new ArrayList<>();
        java.util.Set<Path> seen = new java.util.HashSet<>();
        // 1. every precondition, before anything is touched
        for (Request.FileChange c : req.changes()) {
            String text = c.path();
            if (text == null || text.isBlank()) {
                throw AgentException.invalid("a file to write has no path");
            }
            Path p = ws.inside("write path", text, false);
            if (p.equals(ws.root())) {
                throw AgentException.invalid("write path '" + text + "' is the workspace itself");
            }
            if (!seen.add(p)) {
                throw AgentException.invalid("write path '" + text + "' is named twice");
            }
            boolean delete = Boolean.TRUE.equals(c.delete());
            boolean exists = Agent.exists(p);
            if (exists && (Files.isSymbolicLink(p) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))) {
                throw AgentException.invalid("write path '" + text + "' is " + (Files.isSymbolicLink(p) ? "a symlink"
                        : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "a folder" : "not a regular file")
                        + ": only regular files are written");
            }
            String want = c.expectedSha256();
            if (want != null) {
                if (want.equals(NEW)) {
                    if (exists) {
                        throw AgentException.conflict("write path '" + text + "' already exists (expected_sha256 'new'"
                                + " says it must not): read it first");
                    }
                } else if (!exists) {
                    throw AgentException.conflict("write path '" + text + "' no longer exists (expected sha256 " + want + ")");
                } else {
                    String have = Workspace.sha256(p);
                    if (!have.equals(want)) {
                        throw AgentException.conflict("write path '" + text + "' changed since it was read: its sha256 is "
                                + have + ", not " + want + "; read it again");
                    }
                }
            }
            if (delete && !exists) {
                throw AgentException.notFound("delete path '" + text + "' does not exist in the workspace");
            }
            byte[] content = null;
            if (!delete) {
                String b64 = c.contentBase64();
                if (b64 == null) {
                    throw AgentException.invalid("write path '" + text + "' has neither content nor delete");
                }
                try {
                    content = Base64.getDecoder().decode(b64);
                } catch (IllegalArgumentException e) {
                    throw AgentException.invalid("write path '" + text + "': content_base64 is not base64");
                }
            }
            changes.add(new Change(text, p, content, delete, exists, null));
        }
        // 2. stage every new content next to its target (same folder, same filesystem)
        List<Change> staged = new ArrayList<>();
        try {
            for (Change c : changes) {
                if (c.delete()) {
                    staged.add(c);
                    continue;
                }
                Path parent = c.path().getParent();
                Files.createDirectories(parent);
                Set<PosixFilePermission> mode = c.exists()
                        ? Files.getPosixFilePermissions(c.path(), LinkOption.NOFOLLOW_LINKS)
                        : PosixFilePermissions.fromString("rw-r--r--");
                Path tmp = Files.createTempFile(parent, "." + c.path().getFileName() + ".pyro-write-", "");
                staged.add(new Change(c.text(), c.path(), c.content(), false, c.exists(), tmp));
                Files.write(tmp, c.content());
                Files.setPosixFilePermissions(tmp, mode);
            }
        } catch (IOException e) {
            for (Change c : staged) {
                if (c.staged() != null) {
                    Files.deleteIfExists(c.staged());
                }
            }
            throw new IOException("writing " + (staged.isEmpty() ? "" : staged.getLast().text() + ": ") + e.getMessage()
                    + " (nothing was changed)", e);
        }
        // 3. replace, create and delete
        List<Reply.FileWritten> out = new ArrayList<>();
        for (Change c : staged) {
            if (c.delete()) {
                Files.deleteIfExists(c.path());
                out.add(new Reply.FileWritten(rel(c.path()), "deleted", 0L, null));
            } else {
                Files.move(c.staged(), c.path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                // what was just written: no need to read it back
                out.add(new Reply.FileWritten(rel(c.path()), c.exists() ? "replaced" : "created",
                        (long) c.content().length, sha256(c.content())));
            }
        }
        return new Reply.FileWriteResult(out);
    }

    private static String sha256(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
