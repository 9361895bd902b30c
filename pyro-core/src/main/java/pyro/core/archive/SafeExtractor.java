package pyro.core.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
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
            long files = 0;
            long bytes = 0;
            long dirs = 0;
            TarReader reader = TarReader.open(tar);
            TarEntry entry;
            while ((entry = reader.next()) != null) {
                ArchivePaths.Checked c = ArchivePaths.check(entry, model);
                Path target = c.path().isEmpty() ? tree : tree.resolve(c.path());
                if (!c.path().isEmpty()) {
                    Files.createDirectories(target.getParent());
                }
                switch (c.type()) {
                    case DIRECTORY -> {
                        if (!c.path().isEmpty()) {
                            Files.createDirectories(target);
                            dirModes.put(c.path(), entry.mode() & 0777);
                            dirs++;
                        }
                    }
                    case FILE -> {
                        Files.deleteIfExists(target);
                        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                            bytes += reader.content().transferTo(out);
                        }
                        Files.setPosixFilePermissions(target, permissions(entry.mode() & 0777));
                        files++;
                    }
                    case SYMLINK -> {
                        Files.deleteIfExists(target);
                        Files.createSymbolicLink(target, Path.of(c.linkTarget()));
                        symlinks.add(c);
                    }
                    case HARDLINK -> {
                        Files.deleteIfExists(target);
                        Path staged = tree.resolve(c.linkTarget());
                        Path existing = Files.isRegularFile(staged, LinkOption.NOFOLLOW_LINKS)
                                ? staged
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

    /** The destination as it is on disk, looked up lazily without following symlinks. */
    public static ArchivePaths.Model filesystemModel(Path dest) {
        return path -> {
            Path p = path.isEmpty() ? dest : dest.resolve(path);
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
        };
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
