package pyro.cli.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import pyro.core.PyroException;

/**
 * A host's configuration file: read whole, and replaced only when its text changes, after a
 * timestamped copy of the old one ({@code FILE.pyro-backup-YYYYMMDD-HHMMSS}) beside it, through a
 * temporary file and a rename so a host never reads half a file. The old file's permissions stay
 * ({@code ~/.claude.json} is often 0600). A symlink is followed: its target is what is changed.
 */
record ConfigFile(Path path) {
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    /** Larger than any host's configuration file; a bigger one is refused rather than read. */
    static final long MAX_BYTES = 64L << 20;

    boolean exists() {
        return Files.exists(path);
    }

    /** The file's text; empty when there is no file. */
    String read() {
        try {
            if (!Files.exists(path)) {
                return "";
            }
            if (!Files.isRegularFile(path)) {
                throw PyroException.invalid(path + " is not a regular file: move it aside, then run the command again.");
            }
            if (Files.size(path) > MAX_BYTES) {
                throw PyroException.invalid(path + " is larger than 64 MiB: that is no MCP host's configuration.");
            }
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw PyroException.invalid(path + " is not UTF-8 text: fix it or move it aside, then run the command again.");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code text} when it differs from {@code old} (what {@link #read} returned); returns the
     * backup made of the old file, or null when there was none to make or nothing changed.
     */
    Path write(String old, String text) {
        if (old.equals(text) && exists()) {
            return null;
        }
        try {
            Path target = Files.exists(path) ? path.toRealPath() : path.toAbsolutePath();
            Path dir = target.getParent();
            Files.createDirectories(dir);
            Path backup = null;
            Set<PosixFilePermission> perms = null;
            if (Files.exists(target)) {
                backup = backupPath(target);
                Files.copy(target, backup, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                perms = Files.getPosixFilePermissions(target);
            }
            Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".pyro-tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(tmp, perms != null ? perms
                        : java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return backup;
        } catch (IOException e) {
            throw PyroException.host("cannot write " + path + ": " + e.getMessage() + ".");
        }
    }

    private static Path backupPath(Path target) {
        String base = target.getFileName() + ".pyro-backup-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
        Path p = target.resolveSibling(base);
        for (int i = 2; Files.exists(p, LinkOption.NOFOLLOW_LINKS); i++) {
            p = target.resolveSibling(base + "-" + i);
        }
        return p;
    }
}
