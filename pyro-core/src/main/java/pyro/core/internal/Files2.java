package pyro.core.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/** Atomic writes and private folders. */
public final class Files2 {
    private Files2() {}

    private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /**
     * Writes {@code bytes} to a temp file beside {@code target} (mode 0600: pyro's state is private
     * to its user, whatever the umask), forces it to disk, then renames it over.
     */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().threadId());
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PRIVATE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp); // a full disk must not leave an empty temporary file per attempt
            throw e;
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Opens (creating 0600 if missing) a file for writing or appending. */
    public static FileChannel openPrivate(Path file, StandardOpenOption... options) throws IOException {
        java.util.Set<StandardOpenOption> opts = new java.util.HashSet<>(java.util.List.of(options));
        opts.add(StandardOpenOption.CREATE);
        return FileChannel.open(file, opts, PRIVATE);
    }

    /** Creates {@code file} empty with mode 0600 if it does not exist, so a process writing it later keeps it private. */
    public static Path touchPrivate(Path file) throws IOException {
        try (FileChannel ignored = openPrivate(file, StandardOpenOption.WRITE)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        return file;
    }

    /** Creates {@code dir} (and parents) and sets it to 0700. */
    public static Path privateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    public static void deleteTree(Path root) throws IOException {
        // Another thread or process may still write into the folder while it goes (a record's
        // temp-file-and-rename as a VM is marked failed): an entry that vanishes under the walk or
        // one that appears behind it is retried a few times instead of leaving the whole folder
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.NoSuchFileException e) {
                last = e;
            } catch (java.io.UncheckedIOException e) {
                last = e.getCause();
            }
            try {
                Thread.sleep(20L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw last;
    }
}
