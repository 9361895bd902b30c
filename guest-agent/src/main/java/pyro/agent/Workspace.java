package pyro.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.protocol.archive.SafeExtractor;
import pyro.protocol.archive.TarWriter;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * File operations on the workspace root: import (safe, all-or-nothing tar extraction), export (tar of a
 * path, symlinks never followed) and snapshot (the listing the host diffs against its baseline).
 *
 * <p>Paths in requests may be absolute guest paths under {@code /workspace} (mapped onto the root, so a
 * host-process agent with {@code --workspace-root DIR} behaves like the guest), other absolute paths
 * inside the root, or paths relative to the root.
 */
final class Workspace {
    static final String GUEST_ROOT = pyro.protocol.Guest.WORKSPACE;
    static final String STAGING_NAME = ".pyro-staging";

    private final Path root;
    private volatile Path stagingParent;

    Workspace(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** Maps a request path onto the filesystem (no containment check). */
    Path guestPath(String text) {
        Path p = Path.of(text);
        if (p.isAbsolute()) {
            Path guestRoot = Path.of(GUEST_ROOT);
            Path n = p.normalize();
            if (n.startsWith(guestRoot) && !root.equals(guestRoot)) {
                return root.resolve(guestRoot.relativize(n).toString()).normalize();
            }
            return n;
        }
        return root.resolve(p).normalize();
    }

    /**
     * Resolves a request path that must stay inside the root, refusing any existing parent component that
     * is a symlink (the last component may be one when {@code allowFinalSymlink}).
     */
    Path inside(String what, String text, boolean allowFinalSymlink) throws AgentException {
        Path p = guestPath(text == null || text.isEmpty() ? "." : text);
        if (!p.startsWith(root)) {
            throw AgentException.invalid(what + " '" + text + "' is outside the workspace " + GUEST_ROOT);
        }
        Path rel = root.relativize(p);
        Path cur = root;
        int count = rel.toString().isEmpty() ? 0 : rel.getNameCount();
        for (int i = 0; i < count; i++) {
            cur = cur.resolve(rel.getName(i).toString());
            if (cur.equals(staging())) {
                throw AgentException.invalid(what + " '" + text + "' is reserved for the agent");
            }
            boolean last = i == count - 1;
            if (Files.isSymbolicLink(cur) && !(last && allowFinalSymlink)) {
                throw AgentException.invalid(what + " '" + text + "' goes through the symlink '"
                        + root.relativize(cur) + "'");
            }
            if (!last && Agent.exists(cur) && !Files.isDirectory(cur, LinkOption.NOFOLLOW_LINKS)) {
                throw AgentException.invalid(what + " '" + text + "' goes through '" + root.relativize(cur)
                        + "', which is not a directory");
            }
        }
        return p;
    }

    /**
     * Where imports stage their files: a sibling of the root on the same filesystem when possible (so it
     * never shows in the workspace), otherwise {@code ROOT/.pyro-staging}, which export and snapshot skip.
     */
    Path staging() {
        Path s = stagingParent;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (stagingParent == null) {
                Path choice = root.resolve(STAGING_NAME);
                Path parent = root.getParent();
                if (parent != null) {
                    Path sibling = parent.resolve(STAGING_NAME);
                    try {
                        Files.createDirectories(sibling);
                        if (Files.getFileStore(sibling).equals(Files.getFileStore(root))) {
                            choice = sibling;
                        }
                    } catch (IOException | RuntimeException e) {
                        // fall back to the hidden folder inside the root
                    }
                }
                stagingParent = choice;
            }
            return stagingParent;
        }
    }

    private boolean excluded(Path p) {
        return p.equals(staging());
    }

    Reply.ImportResult importArchive(Request.Import req, Upload upload) throws IOException, AgentException {
        String destText = req.dest();
        Path dest = inside("import dest", destText == null ? GUEST_ROOT : destText, false);
        if (Agent.exists(dest) && !Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentException.invalid("import dest '" + destText + "' exists and is not a directory");
        }
        Files.createDirectories(root);
        SafeExtractor.Result r;
        synchronized (this) {
            if (importsRunning++ == 0) {
                clearStaging(); // no import runs: whatever is staged is what a killed push left
            }
        }
        try {
            r = SafeExtractor.extract(upload, dest, staging());
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            // the bytes end early or are not what they claim: the archive's fault, not the guest's
            throw AgentException.invalid("the archive is truncated or corrupt (" + e.getMessage() + "); nothing was imported");
        } catch (java.nio.file.FileSystemException e) {
            String why = e.getReason() == null ? e.getMessage() : e.getReason();
            throw AgentException.invalid("the archive entry '" + e.getFile() + "' cannot be created in the guest ("
                    + why + "); nothing was imported");
        } finally {
            synchronized (this) {
                importsRunning--;
            }
        }
        return new Reply.ImportResult(r.files(), r.bytes(), dest.toString());
    }

    private int importsRunning;

    /** Removes every staged entry (each import stages in a folder of its own under {@link #staging()}). */
    private void clearStaging() {
        Path s = staging();
        if (!Files.isDirectory(s, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var entries = Files.list(s)) {
            for (Path p : entries.toList()) {
                SafeExtractor.deleteTree(p);
            }
        } catch (IOException e) {
            Log.info("could not clear the import staging folder " + s + ": " + e.getMessage());
        }
    }

    Reply.ExportResult export(Request.Export req, long id, ChunkedOutput out, Agent agent)
            throws IOException, AgentException {
        String text = req.path();
        Path p = inside("export path", text, true);
        if (!Agent.exists(p)) {
            throw AgentException.notFound("export path '" + text + "' does not exist in the workspace");
        }
        if (req.maxBytes() != null) {
            long total = apparentBytes(p, req.maxBytes());
            if (total > req.maxBytes()) {
                throw AgentException.invalid("export of '" + text + "' is at least " + total + " bytes (apparent size: a "
                        + "sparse file counts in full), over the limit of " + req.maxBytes() + " bytes");
            }
        }
        // The exported object is the top member, named by its base name; the root itself is "./".
        String name = p.equals(root) ? "" : p.getFileName().toString();
        TarWriter w = new TarWriter(out);
        String kind = w.writeTree(p, name, this::excluded);
        w.finish();
        out.flush();
        agent.send(Messages.dataEnd(id));
        long bytes = kind.equals("directory") || kind.equals("file") ? w.contentBytes() : 0L;
        return new Reply.ExportResult(kind, bytes, w.bytesWritten(), p.toString());
    }

    /** The sum of the regular files' sizes under {@code p}, stopping once it passes {@code stopAt}. */
    private long apparentBytes(Path p, long stopAt) throws IOException {
        long[] total = {0};
        Files.walkFileTree(p, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(Path dir,
                    java.nio.file.attribute.BasicFileAttributes attrs) {
                return excluded(dir) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
                        : java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    total[0] += a.size();
                }
                return total[0] > stopAt ? java.nio.file.FileVisitResult.TERMINATE : java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    /** Files up to this size are hashed for the diff; larger ones are compared by size and mtime. */
    static final long HASH_LIMIT_BYTES = 256L * 1024 * 1024;

    Reply.SnapshotResult snapshot(Request.Snapshot req) throws IOException, AgentException {
        String text = req.path();
        Path p = inside("snapshot path", text, false);
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentException.notFound("snapshot path '" + text + "' is not a directory in the workspace");
        }
        List<Reply.SnapshotEntry> entries = new ArrayList<>();
        walk(p, "", entries, !Boolean.FALSE.equals(req.digests()));
        entries.sort((a, b) -> a.path().compareTo(b.path()));
        return new Reply.SnapshotResult(p.toString(), (long) entries.size(), entries);
    }

    private void walk(Path dir, String prefix, List<Reply.SnapshotEntry> out, boolean digests) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path c : s) {
                if (!excluded(c)) {
                    children.add(c);
                }
            }
        }
        for (Path c : children) {
            PosixFileAttributes a;
            try {
                a = Files.readAttributes(c, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
                continue;
            }
            String rel = prefix + c.getFileName();
            long mode = TarWriter.modeOf(a.permissions());
            if (a.isSymbolicLink()) {
                out.add(new Reply.SnapshotEntry(rel, mode, "symlink", 0L, Files.readSymbolicLink(c).toString(), null));
            } else if (a.isDirectory()) {
                out.add(new Reply.SnapshotEntry(rel, mode, "dir", 0L, null, null));
                walk(c, rel + "/", out, digests);
            } else if (a.isRegularFile()) {
                // Hashing a huge (or sparse: truncate -s 1T) file would take the agent minutes; above the
                // limit its size and mtime stand in for the digest, so any write still shows as modified
                String sha = a.size() > HASH_LIMIT_BYTES ? "unhashed:size=" + a.size() + ",mtime="
                        + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)
                        : digests ? sha256(c) : null;
                out.add(new Reply.SnapshotEntry(rel, mode, "file", a.size(), null, sha));
            } else {
                out.add(new Reply.SnapshotEntry(rel, mode, "other", 0L, null, null));
            }
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
