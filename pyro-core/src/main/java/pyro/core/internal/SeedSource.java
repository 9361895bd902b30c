package pyro.core.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import pyro.core.PyroException;

/** A host folder or a .tar / .tar.gz / .tgz archive to unpack into /workspace. */
public record SeedSource(Path path, boolean directory) {
    public static SeedSource of(Path path) {
        if (path == null) {
            throw PyroException.invalid("a source path is required.");
        }
        Path abs = path.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            return new SeedSource(abs, true);
        }
        if (!Files.exists(abs)) {
            throw PyroException.invalid("seed or sync source '" + path + "' does not exist.");
        }
        String n = abs.getFileName().toString();
        if (Files.isRegularFile(abs) && (n.endsWith(".tar") || n.endsWith(".tar.gz") || n.endsWith(".tgz"))) {
            if (!Files.isReadable(abs)) {
                throw PyroException.invalid("seed or sync source '" + path + "' is not readable.");
            }
            return new SeedSource(abs, false);
        }
        throw PyroException.invalid("seed or sync source '" + path
                + "' is neither a folder nor a .tar, .tar.gz or .tgz archive.");
    }
}
