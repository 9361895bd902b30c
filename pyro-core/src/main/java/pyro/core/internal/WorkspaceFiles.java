package pyro.core.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import pyro.core.PyroException;
import pyro.protocol.archive.SafeExtractor;
import pyro.protocol.archive.TarEntry;
import pyro.protocol.archive.TarReader;
import pyro.protocol.archive.TarWriter;
import pyro.core.model.DiffEntry;
import pyro.core.model.DiffResult;
import pyro.core.model.ExportResult;
import pyro.core.model.SeedInfo;
import pyro.core.model.SyncResult;
import pyro.core.model.WorkspaceInfo;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.core.spi.ProgressSink;

/**
 * Moves files between the host and /workspace as tar streams, and diffs /workspace against the
 * baseline taken right after seeding ({@code baseline.json}: the agent's snapshot; {@code
 * baseline.tar}: the seed's bytes, for patches). The baseline never changes after create.
 */
final class WorkspaceFiles {
    static final String BASELINE = "baseline.json";
    static final String BASELINE_TAR = "baseline.tar";
    /** Text files larger than this are listed in the diff but left out of the patch. */
    static final int PATCH_FILE_LIMIT = 512 * 1024;
    static final int PATCH_MAX_FILES = 200;
    private final VmManager vms;

    WorkspaceFiles(VmManager vms) {
        this.vms = vms;
    }

    private record Streamed(long files, long bytes, long skippedSpecial, Reply.ImportResult result) {}

    SeedInfo seed(String id, SeedSource seed, ProgressSink progress) {
        Path dir = vms.store().dir(id);
        SeedInfo info = SeedInfo.EMPTY;
        if (seed != null) {
            progress.line("seeding /workspace from " + seed.path());
            Streamed s = upload(id, seed, WorkspaceInfo.WORKSPACE_PATH, dir.resolve(BASELINE_TAR));
            info = new SeedInfo(seed.directory() ? "directory" : "tar_archive", seed.path().toString(), s.files(),
                    s.bytes(), s.skippedSpecial());
            if (s.skippedSpecial() > 0) {
                progress.line("left out " + s.skippedSpecial() + " sockets, FIFOs or devices of " + seed.path()
                        + " (they cannot be copied into a guest)");
            }
        }
        Map<String, Object> snapshot = seed != null ? seededSnapshot(id, dir.resolve(BASELINE_TAR)) : snapshot(id);
        try {
            Files2.writeAtomically(dir.resolve(BASELINE), Json.writeCompact(snapshot).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PyroException.host("cannot write the baseline of " + id + ": " + e.getMessage() + ".");
        }
        return info;
    }

    /**
     * Puts the create-time files back into a freshly booted /workspace: the seed's own bytes, kept in
     * {@code baseline.tar}. The baseline itself is left as it is.
     */
    void restoreBaseline(String id, ProgressSink progress) {
        Path tar = vms.store().dir(id).resolve(BASELINE_TAR);
        if (Files.exists(tar)) {
            progress.line("restoring /workspace as it was at create");
            upload(id, SeedSource.of(tar), WorkspaceInfo.WORKSPACE_PATH, null);
        }
    }

    SyncResult push(String id, SeedSource src, String dest) {
        Streamed s = upload(id, src, dest, null);
        vms.store().update(id, i -> i.set("last_activity_at", VmManager.now()));
        return new SyncResult(id, src.path().toString(), src.directory() ? "directory" : "tar_archive", dest,
                s.files(), s.bytes());
    }

    /** Streams the source as a tar to the agent's import; optionally keeps a copy of the bytes. */
    private Streamed upload(String id, SeedSource src, String dest, Path keepCopy) {
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        long[] counts = new long[3];
        try (SupervisorClient c = vms.connect(inst)) {
            InputStream data;
            Thread writer = null;
            if (src.directory()) {
                PipedInputStream in = new PipedInputStream(1 << 20);
                PipedOutputStream pipe = new PipedOutputStream(in);
                // one write into the pipe (and the copy) per 256 KiB, not three per member (header, content, padding)
                OutputStream sink = new java.io.BufferedOutputStream(keepCopy == null ? pipe
                        : new TeeOutputStream(pipe, Files.newOutputStream(Files2.touchPrivate(keepCopy))), 1 << 18);
                writer = Thread.ofVirtual().start(() -> {
                    try (OutputStream o = sink; TarWriter tw = new TarWriter(o)) {
                        writeChildren(tw, src.path());
                        tw.finish();
                        counts[0] = tw.fileCount();
                        counts[1] = tw.contentBytes();
                        counts[2] = tw.skippedSpecial();
                    } catch (Throwable t) {
                        writerError.set(t);
                    }
                });
                data = in;
            } else {
                if (keepCopy != null) {
                    Files.copy(src.path(), keepCopy, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(keepCopy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                }
                data = Files.newInputStream(src.path());
            }
            Reply.ImportResult result;
            try (InputStream d = data) {
                result = c.upload(new Request.Import(dest), d);
            }
            if (writer != null) {
                writer.join();
            }
            if (writerError.get() != null) {
                throw PyroException.invalid("cannot read " + src.path() + ": " + writerError.get().getMessage() + ".");
            }
            long files = result.files() != null ? result.files() : counts[0];
            long bytes = result.bytes() != null ? result.bytes() : counts[1];
            return new Streamed(files, bytes, counts[2], result);
        } catch (SupervisorClient.DeadlineMissed e) {
            throw vms.unresponsive(inst, e);
        } catch (IOException e) {
            throw PyroException.guest("streaming " + src.path() + " into " + id + " failed: " + e.getMessage() + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PyroException.guest("interrupted while streaming into " + id + ".");
        }
    }

    private static void writeChildren(TarWriter tw, Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            tw.writeTree(child, child.getFileName().toString());
        }
    }

    /** A regular file of a seed as the extraction leaves it: its size and content digest. */
    record SeedFile(long size, String sha256) {}

    /**
     * The baseline right after seeding, without hashing the seed in the guest (SHA-256 there runs at
     * about 14 MB/s under TCG, the host's at hundreds): the guest lists /workspace without digests while
     * the host reads the seed's bytes ({@code baseline.tar}) once more and hashes each member; a file the
     * seed does not account for (same path, same size) makes it ask the guest for a hashed listing.
     */
    private Map<String, Object> seededSnapshot(String id, Path seedTar) {
        java.util.concurrent.CompletableFuture<Map<String, SeedFile>> digests = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                digests.complete(seedFiles(seedTar));
            } catch (Throwable t) {
                digests.completeExceptionally(t);
            }
        });
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        Reply.SnapshotResult listing = vms.call(inst, new Request.Snapshot(WorkspaceInfo.WORKSPACE_PATH, false));
        Map<String, SeedFile> files;
        try {
            files = digests.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PyroException.guest("interrupted while reading the seed of " + id + ".");
        } catch (java.util.concurrent.ExecutionException e) {
            return snapshot(id); // the seed's copy cannot be read back: the guest hashes instead
        }
        List<Reply.SnapshotEntry> entries = withDigests(listing.entries(), files);
        if (entries == null) {
            return snapshot(id);
        }
        return Messages.fields(new Reply.SnapshotResult(listing.path(), listing.count(), entries));
    }

    /**
     * {@code entries} with each file's digest from {@code files}, or null when a file lacks one or has
     * another size (then only the guest can say what it holds).
     */
    static List<Reply.SnapshotEntry> withDigests(List<Reply.SnapshotEntry> entries, Map<String, SeedFile> files) {
        List<Reply.SnapshotEntry> out = new ArrayList<>(entries.size());
        for (Reply.SnapshotEntry e : entries) {
            if ("file".equals(e.type()) && e.sha256() == null) {
                SeedFile f = files.get(e.path());
                if (f == null || e.size() == null || e.size() != f.size()) {
                    return null;
                }
                out.add(new Reply.SnapshotEntry(e.path(), e.mode(), e.type(), e.size(), e.target(), f.sha256()));
            } else {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * The regular files extracting {@code tar} into an empty folder leaves, by normalized path, as
     * {@link SafeExtractor} writes them: a later member replaces an earlier one, a hard link has its
     * target's content at the time of the link, a directory or symlink leaves no file.
     */
    static Map<String, SeedFile> seedFiles(Path tar) throws IOException {
        Map<String, SeedFile> files = new HashMap<>();
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (TarReader r = TarReader.open(Files.newInputStream(tar))) {
            TarEntry e;
            while ((e = r.next()) != null) {
                String path = pyro.protocol.archive.ArchivePaths.normalize(e.name());
                switch (e.type()) {
                    case FILE -> {
                        InputStream in = r.content();
                        long size = 0;
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            md.update(buf, 0, n);
                            size += n;
                        }
                        files.put(path, new SeedFile(size, java.util.HexFormat.of().formatHex(md.digest())));
                    }
                    case HARDLINK -> {
                        SeedFile target = files.get(pyro.protocol.archive.ArchivePaths.normalize(e.linkName()));
                        if (target != null) {
                            files.put(path, target);
                        } else {
                            files.remove(path);
                        }
                    }
                    default -> files.remove(path);
                }
            }
        }
        return files;
    }

    private Map<String, Object> snapshot(String id) {
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        return Messages.fields(vms.call(inst, new Request.Snapshot(WorkspaceInfo.WORKSPACE_PATH)));
    }

    DiffResult diff(String id) {
        Path dir = vms.store().dir(id);
        Map<String, TreeDiff.Node> baseline;
        try {
            baseline = TreeDiff.fromEntries((List<?>) Json.readMap(Files.readString(dir.resolve(BASELINE))).get("entries"));
        } catch (IOException e) {
            throw PyroException.guest("the baseline of " + id + " is missing: " + e.getMessage() + ".");
        }
        Map<String, TreeDiff.Node> current = TreeDiff.fromEntries((List<?>) snapshot(id).get("entries"));
        List<TreeDiff.Change> changes = TreeDiff.diff(baseline, current);
        Map<String, byte[]> before = baselineContents(dir.resolve(BASELINE_TAR), changes);
        List<DiffEntry> entries = new ArrayList<>();
        StringBuilder patch = new StringBuilder();
        int patched = 0;
        for (TreeDiff.Change ch : changes) {
            boolean fileBefore = ch.before() != null && "file".equals(ch.before().type());
            boolean fileAfter = ch.after() != null && "file".equals(ch.after().type());
            byte[] a = fileBefore ? before.get(ch.path()) : null;
            byte[] b = fileAfter && patched < PATCH_MAX_FILES ? currentContent(id, ch.path()) : null;
            boolean binary = (a != null && isBinary(a)) || (b != null && isBinary(b));
            entries.add(new DiffEntry(ch.path(), ch.status(), binary));
            if (!binary && (fileBefore || fileAfter) && patched < PATCH_MAX_FILES) {
                String ta = fileBefore && a != null ? new String(a, StandardCharsets.UTF_8) : null;
                String tb = fileAfter && b != null ? new String(b, StandardCharsets.UTF_8) : null;
                if ((ta != null || tb != null) && !java.util.Objects.equals(ta, tb)) {
                    patch.append(UnifiedDiff.git(ch.path(), ta, tb));
                    patched++;
                }
            }
        }
        // the contents came as tar data, which the agent does not redact: redact as a file read would
        Map<String, String> secrets = WorkspaceSecrets.values(vms, vms.requireLive(id, Instance.KIND_WORKSPACE));
        if (!secrets.isEmpty()) {
            entries.replaceAll(e -> new DiffEntry(WorkspaceSecrets.redact(e.path(), secrets), e.status(), e.binary()));
        }
        return new DiffResult(id, entries, WorkspaceSecrets.redact(patch.toString(), secrets));
    }

    private static Map<String, byte[]> baselineContents(Path tar, List<TreeDiff.Change> changes) {
        Map<String, byte[]> out = new HashMap<>();
        if (!Files.exists(tar)) {
            return out;
        }
        Map<String, Boolean> wanted = new HashMap<>();
        changes.stream().filter(c -> c.before() != null && "file".equals(c.before().type()))
                .forEach(c -> wanted.put(c.path(), true));
        try (TarReader r = TarReader.open(Files.newInputStream(tar))) {
            TarEntry e;
            while ((e = r.next()) != null) {
                String name = stripSlashes(e.name());
                if (e.isFile() && wanted.containsKey(name) && e.size() <= PATCH_FILE_LIMIT) {
                    out.put(name, r.content().readAllBytes());
                }
            }
        } catch (IOException e) {
            // the patch leaves those files out; entries still list them
        }
        return out;
    }

    private static String stripSlashes(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    private byte[] currentContent(String id, String relPath) {
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (SupervisorClient c = vms.connect(inst)) {
            c.download(new Request.Export(WorkspaceInfo.WORKSPACE_PATH + "/" + relPath, (long) PATCH_FILE_LIMIT), tar);
        } catch (IOException | PyroException e) {
            return null;
        }
        try (TarReader r = TarReader.open(new java.io.ByteArrayInputStream(tar.toByteArray()))) {
            TarEntry e = r.next();
            if (e != null && e.isFile() && e.size() <= PATCH_FILE_LIMIT) {
                return r.content().readAllBytes();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    static boolean isBinary(byte[] data) {
        for (int i = 0; i < Math.min(data.length, 8192); i++) {
            if (data[i] == 0) {
                return true;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(data));
            return false;
        } catch (CharacterCodingException e) {
            return true;
        }
    }

    /** Free space an export leaves on the output's file system, whatever its budget. */
    static final long EXPORT_RESERVE_BYTES = 64L * 1024 * 1024;
    private static final String STAGING_MARK = ".pyro-export-";
    private static final String STAGING_OWNER = "owner.pid";

    ExportResult export(String id, String guestPath, Path output, long maxBytes) {
        if (maxBytes < 1) {
            throw PyroException.invalid("export limit " + maxBytes + " bytes is out of range: use 1 or more.");
        }
        Path out = output.toAbsolutePath().normalize();
        Path parent = out.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw PyroException.invalid("the output folder '" + parent + "' does not exist.");
        }
        if (Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            throw PyroException.invalid("output path '" + output + "' is an existing folder: name a new path.");
        }
        removeStaleStaging(parent);
        long free;
        try {
            free = Files.getFileStore(parent).getUsableSpace() - EXPORT_RESERVE_BYTES;
        } catch (IOException e) {
            throw PyroException.invalid("cannot read the free space of '" + parent + "': " + e.getMessage() + ".");
        }
        if (free <= 0) {
            throw PyroException.host("the output folder '" + parent + "' has no free space to export into.");
        }
        long budget = Math.min(maxBytes, free);
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        Path staging;
        try {
            staging = Files.createTempDirectory(parent, "." + out.getFileName() + STAGING_MARK);
            Files2.writeAtomically(staging.resolve(STAGING_OWNER), (ProcessHandle.current().pid() + "\n").getBytes());
        } catch (IOException e) {
            throw PyroException.invalid("cannot write into '" + parent + "': " + e.getMessage() + ".");
        }
        Thread cleanup = new Thread(() -> deleteQuietly(staging));
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C or SIGTERM mid-export leaves nothing
        try {
            Path tree = staging.resolve("tree");
            Reply.ExportResult result;
            // the tar is extracted as it arrives: no copy of it on disk, and a stream bigger than the
            // budget (a forged agent) is cut off, counted in tar bytes with room for headers
            long tarCap = budget + budget / 8 + (4L << 20);
            java.io.PipedInputStream pipeIn = new java.io.PipedInputStream(1 << 20);
            java.io.PipedOutputStream pipeOut = new java.io.PipedOutputStream(pipeIn);
            var extracting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (InputStream in = pipeIn) {
                    SafeExtractor.extract(in, tree, staging);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, r -> Thread.ofVirtual().start(r));
            try (SupervisorClient c = vms.connect(inst);
                    OutputStream o = new CappedOutputStream(pipeOut, tarCap, guestPath, budget)) {
                result = c.download(new Request.Export(guestPath, budget), o);
            } catch (IOException e) {
                // the stream is closed now, so the extractor ends; an entry it refused is the real reason
                IOException refused = extracting.join();
                if (!(e instanceof CappedOutputStream.Exceeded) && refused instanceof pyro.protocol.archive.ArchiveException) {
                    throw refused;
                }
                throw e;
            } catch (RuntimeException e) {
                extracting.join();
                throw e;
            }
            IOException extractError = extracting.join();
            if (extractError != null) {
                throw extractError;
            }
            String type = String.valueOf(result.artifactType());
            String name = guestPath.equals(WorkspaceInfo.WORKSPACE_PATH) ? null
                    : guestPath.substring(guestPath.lastIndexOf('/') + 1);
            Path produced = name == null ? tree : tree.resolve(name);
            if (!Files.exists(produced, LinkOption.NOFOLLOW_LINKS)) {
                // exports of a directory may be rooted at the tree itself
                produced = tree;
            }
            long bytes = result.bytes() != null ? result.bytes() : 0;
            if (Files.isDirectory(produced, LinkOption.NOFOLLOW_LINKS) && Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
                throw PyroException.invalid("output path '" + output + "' exists and is not a folder: "
                        + guestPath + " is a folder; name a new path.");
            }
            Files.move(produced, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            vms.store().update(id, i -> i.set("last_activity_at", VmManager.now()));
            return new ExportResult(id, guestPath, out.toString(), type, bytes);
        } catch (pyro.protocol.archive.ArchiveException e) {
            // the host never writes what would point or lead outside --output
            throw PyroException.invalid("export of " + guestPath + " refused: " + e.getMessage());
        } catch (CappedOutputStream.Exceeded e) {
            throw PyroException.invalid(e.getMessage());
        } catch (SupervisorClient.DeadlineMissed e) {
            throw vms.unresponsive(inst, e);
        } catch (IOException e) {
            throw PyroException.guest("export of " + guestPath + " from " + id + " failed: " + e.getMessage() + ".");
        } finally {
            deleteQuietly(staging);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // shutting down: the hook runs
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files2.deleteTree(dir);
        } catch (IOException ignored) {
            // leftovers are dot-folders named after the output; the next export removes them
        }
    }

    /** Staging folders of exports whose process died (kill -9, power loss) are removed by the next export there. */
    static void removeStaleStaging(Path parent) {
        try (var s = Files.newDirectoryStream(parent, "." + "*" + STAGING_MARK + "*")) {
            for (Path p : s) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long pid = -1;
                try {
                    pid = Long.parseLong(Files.readString(p.resolve(STAGING_OWNER)).trim());
                } catch (IOException | NumberFormatException e) {
                    // no owner: written by a pyro without owner files, or cut off before it: stale
                }
                boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (!alive) {
                    deleteQuietly(p);
                }
            }
        } catch (IOException ignored) {
            // an unreadable parent fails the export itself with a clear message
        }
    }

    /** Passes bytes through until more than {@code cap} went by, then fails naming the export. */
    static final class CappedOutputStream extends java.io.FilterOutputStream {
        static final class Exceeded extends IOException {
            Exceeded(String m) {
                super(m);
            }
        }

        private final long cap;
        private final String what;
        private final long budget;
        private long written;

        CappedOutputStream(OutputStream out, long cap, String what, long budget) {
            super(out);
            this.cap = cap;
            this.what = what;
            this.budget = budget;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            written += len;
            if (written > cap) {
                throw new Exceeded("export of " + what + " sent more than its limit of " + budget
                        + " bytes: stopped, nothing was written");
            }
            out.write(b, off, len);
        }
    }

    /** Writes to two streams; used to keep the seed's bytes as the baseline while streaming them. */
    private static final class TeeOutputStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeOutputStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }

        @Override
        public void close() throws IOException {
            try {
                a.close();
            } finally {
                b.close();
            }
        }
    }
}
