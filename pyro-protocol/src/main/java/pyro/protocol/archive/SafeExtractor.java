package pyro.protocol.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * All-or-nothing tar extraction. Every member is checked with {@link ArchivePaths} and written into a
 * private staging directory (same filesystem as the destination); after the whole archive has been read
 * and every new symlink has been resolved against the final tree, the staged tree is moved into place
 * with renames. Any refusal or read error deletes the staging directory and leaves the destination as it
 * was (a destination that did not exist still does not).
 *
 * <p>Modes are kept to their permission bits ({@code 0777}); owners and set-id bits are not restored.
 */
public final class SafeExtractor {
    /** What an extraction wrote: regular files (hard links included) and their content bytes. */
    public record Result(long files, long bytes, long directories, long symlinks) {}

    private SafeExtractor() {}

    /**
     * Extracts {@code tar} (plain or gzip) into {@code dest}. {@code stagingParent} must be on the same
     * filesystem as {@code dest} and outside it. {@code dest} must not be reached through a symlink; the
     * caller checks that.
     */
    public static Result extract(InputStream tar, Path dest, Path stagingParent) throws IOException {
        Files.createDirectories(stagingParent);
        Path staging = Files.createTempDirectory(stagingParent, "import-");
        try {
            Path tree = staging.resolve("tree");
            Files.createDirectory(tree);
            boolean destExists = Files.exists(dest, LinkOption.NOFOLLOW_LINKS);
            if (destExists && !Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                throw new ArchiveException("destination " + dest + " exists and is not a directory");
            }
            ArchivePaths.Overlay model = new ArchivePaths.Overlay(destExists ? filesystemModel(dest) : emptyModel());
            Map<String, Integer> dirModes = new LinkedHashMap<>();
            List<ArchivePaths.Checked> symlinks = new ArrayList<>();
            Staged staged = new Staged(tree);
            long files = 0;
            long bytes = 0;
            long dirs = 0;
            TarReader reader = TarReader.open(tar);
            TarEntry entry;
            while ((entry = reader.next()) != null) {
                ArchivePaths.Checked c = ArchivePaths.check(entry, model);
                Path target = c.path().isEmpty() ? tree : tree.resolve(c.path());
                if (!c.path().isEmpty()) {
                    staged.parentsOf(c.path());
                }
                switch (c.type()) {
                    case DIRECTORY -> {
                        if (!c.path().isEmpty()) {
                            staged.directory(c.path());
                            dirModes.put(c.path(), entry.mode() & 0777);
                            dirs++;
                        }
                    }
                    case FILE -> {
                        staged.replace(c.path(), target);
                        int mode = entry.mode() & 0777;
                        try (FileChannel out = FileChannel.open(target, NEW_FILE, modeAttribute(mode))) {
                            bytes += reader.writeContent(out);
                        }
                        if (staged.needsChmod(mode, target)) {
                            Files.setPosixFilePermissions(target, permissions(mode));
                        }
                        files++;
                    }
                    case SYMLINK -> {
                        staged.replace(c.path(), target);
                        Files.createSymbolicLink(target, Path.of(c.linkTarget()));
                        symlinks.add(c);
                    }
                    case HARDLINK -> {
                        staged.replace(c.path(), target);
                        Path stagedTarget = tree.resolve(c.linkTarget());
                        Path existing = Files.isRegularFile(stagedTarget, LinkOption.NOFOLLOW_LINKS)
                                ? stagedTarget
                                : dest.resolve(c.linkTarget());
                        try {
                            Files.createLink(target, existing);
                        } catch (IOException | UnsupportedOperationException e) {
                            Files.copy(existing, target, LinkOption.NOFOLLOW_LINKS);
                        }
                        files++;
                    }
                    default -> throw new IllegalStateException("unchecked type " + c.type());
                }
                model.record(c);
            }
            for (ArchivePaths.Checked link : symlinks) {
                ArchivePaths.checkSymlinkResolution(link.entryName(), link.path(), model);
            }
            // Everything is validated and staged: move it into place.
            if (!destExists) {
                Files.createDirectories(dest.getParent());
                Files.move(tree, dest, StandardCopyOption.ATOMIC_MOVE);
            } else {
                merge(tree, dest);
            }
            List<String> dirPaths = new ArrayList<>(dirModes.keySet());
            for (int i = dirPaths.size() - 1; i >= 0; i--) {
                Path dir = dest.resolve(dirPaths.get(i));
                if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(dir, permissions(dirModes.get(dirPaths.get(i)) | 0700));
                }
            }
            return new Result(files, bytes, dirs, symlinks.size());
        } finally {
            deleteTree(staging);
        }
    }

    private static final Set<OpenOption> NEW_FILE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    /** The process's umask (Linux reports it in /proc/self/status); all bits when unknown, so every file is chmodded. */
    private static final int UMASK = readUmask();
    private static final FileAttribute<?>[] MODE_ATTRIBUTES = new FileAttribute<?>[01000];

    private static int readUmask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8) & 0777;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: chmod every file
        }
        return 0777;
    }

    private static FileAttribute<?> modeAttribute(int mode) {
        FileAttribute<?> a = MODE_ATTRIBUTES[mode];
        if (a == null) {
            a = PosixFilePermissions.asFileAttribute(permissions(mode));
            MODE_ATTRIBUTES[mode] = a;
        }
        return a;
    }

    /**
     * What this extraction has put into the private staging tree so far. Nothing else writes there, so
     * directories already made need no mkdir (nor the exception of one that exists) and a path that
     * holds nothing yet needs no delete before it is created.
     */
    private static final class Staged {
        private final Path tree;
        private final Set<String> directories = new HashSet<>();
        private final Set<String> others = new HashSet<>();

        Staged(Path tree) {
            this.tree = tree;
        }

        /** Makes the parent directories of {@code path} that are not there yet. */
        void parentsOf(String path) throws IOException {
            int slash = path.lastIndexOf('/');
            if (slash > 0) {
                directory(path.substring(0, slash));
            }
        }

        /** Makes the directory {@code path} (and its missing parents). */
        void directory(String path) throws IOException {
            if (directories.contains(path)) {
                return;
            }
            parentsOf(path);
            if (others.remove(path)) {
                Files.deleteIfExists(tree.resolve(path));
            }
            Files.createDirectory(tree.resolve(path));
            directories.add(path);
        }

        private boolean modeChecked;
        private boolean modesAsAsked;

        /**
         * Whether a file just created with {@code mode} needs a chmod to have exactly that mode: open(2)
         * takes the umask off it, and a default ACL of the staging folder would decide instead of the
         * umask, so the first file that needed none is read back once to make sure.
         */
        boolean needsChmod(int mode, Path file) throws IOException {
            if ((mode & UMASK) != 0) {
                return true;
            }
            if (!modeChecked) {
                modeChecked = true;
                modesAsAsked = TarWriter.modeOf(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)) == mode;
                return !modesAsAsked;
            }
            return !modesAsAsked;
        }

        /** Clears {@code path} for a new file, symlink or hard link, deleting what an earlier member put there. */
        void replace(String path, Path target) throws IOException {
            if (!others.add(path)) {
                Files.deleteIfExists(target);
            }
        }
    }

    /** Moves the staged tree into {@code dest}: new names by rename, existing directories merged. */
    private static void merge(Path stagedDir, Path destDir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(stagedDir)) {
            stream.forEach(children::add);
        }
        for (Path child : children) {
            Path target = destDir.resolve(child.getFileName().toString());
            boolean childIsDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
            if (childIsDir && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                merge(child, target);
            } else if (childIsDir) {
                Files.move(child, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.move(child, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * The destination as it is on disk, looked up lazily without following symlinks. Each path is read
     * once per extraction, and nothing is read below a path that is missing (a member in a folder the
     * destination lacks costs no lookup).
     */
    public static ArchivePaths.Model filesystemModel(Path dest) {
        Map<String, ArchivePaths.Node> known = new HashMap<>();
        return path -> {
            ArchivePaths.Node cached = known.get(path);
            if (cached != null || known.containsKey(path)) {
                return cached;
            }
            int slash = path.lastIndexOf('/');
            if (slash > 0) {
                String parent = path.substring(0, slash);
                if (known.containsKey(parent) && known.get(parent) == null) {
                    known.put(path, null); // as lstat would say: ENOENT below a missing folder
                    return null;
                }
            }
            ArchivePaths.Node n = lookupOnDisk(path.isEmpty() ? dest : dest.resolve(path));
            known.put(path, n);
            return n;
        };
    }

    private static ArchivePaths.Node lookupOnDisk(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                return new ArchivePaths.Node(ArchivePaths.Kind.SYMLINK, Files.readSymbolicLink(p).toString(), false);
            }
            return a.isDirectory() ? ArchivePaths.Node.DIRECTORY : ArchivePaths.Node.FILE;
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return null;
        } catch (IOException e) {
            // unreadable: treat as a file so nothing is written through or over it as a directory
            return ArchivePaths.Node.FILE;
        }
    }

    private static ArchivePaths.Model emptyModel() {
        return path -> path.isEmpty() ? ArchivePaths.Node.DIRECTORY : null;
    }

    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    /** Deletes a tree without following symlinks. Missing paths are fine. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            root.toFile().setWritable(true, true);
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
                stream.forEach(children::add);
            }
            for (Path c : children) {
                deleteTree(c);
            }
        }
        try {
            Files.deleteIfExists(root);
        } catch (FileAlreadyExistsException ignored) {
            // not reachable
        }
    }
}
