package pyro.protocol.archive;

import java.util.Locale;
import java.util.Objects;

/**
 * One member of a tar archive as {@link TarReader} returns it and {@link TarWriter} writes it.
 *
 * @param name the member name as stored (after GNU long-name and pax {@code path} overrides); directory
 *     names may end with {@code /}
 * @param type what kind of member it is
 * @param mode permission bits ({@code 07777} at most)
 * @param size content size in bytes (0 for everything except regular files)
 * @param linkName target of a symlink or hardlink, otherwise {@code ""}
 * @param mtime modification time, seconds since the epoch
 */
public record TarEntry(String name, Type type, int mode, long size, String linkName, long mtime) {

    /** Member kinds. Only FILE, DIRECTORY, SYMLINK and HARDLINK are ever extracted. */
    public enum Type {
        FILE('0'),
        HARDLINK('1'),
        SYMLINK('2'),
        CHAR_DEVICE('3'),
        BLOCK_DEVICE('4'),
        DIRECTORY('5'),
        FIFO('6'),
        OTHER('?');

        private final char flag;

        Type(char flag) {
            this.flag = flag;
        }

        /** The ustar typeflag byte. */
        public char flag() {
            return flag;
        }

        /** Lower-case word used in messages: {@code file}, {@code directory}, {@code symlink}, ... */
        public String word() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }

        static Type ofFlag(byte flag) {
            return switch (flag) {
                case '0', 0, '7' -> FILE;
                case '1' -> HARDLINK;
                case '2' -> SYMLINK;
                case '3' -> CHAR_DEVICE;
                case '4' -> BLOCK_DEVICE;
                case '5' -> DIRECTORY;
                case '6' -> FIFO;
                default -> OTHER;
            };
        }
    }

    public TarEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        linkName = linkName == null ? "" : linkName;
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + name);
        }
    }

    public static TarEntry file(String name, int mode, long size, long mtime) {
        return new TarEntry(name, Type.FILE, mode, size, "", mtime);
    }

    public static TarEntry directory(String name, int mode, long mtime) {
        return new TarEntry(name, Type.DIRECTORY, mode, 0, "", mtime);
    }

    public static TarEntry symlink(String name, String target, long mtime) {
        return new TarEntry(name, Type.SYMLINK, 0777, 0, target, mtime);
    }

    public static TarEntry hardlink(String name, String target, long mtime) {
        return new TarEntry(name, Type.HARDLINK, 0644, 0, target, mtime);
    }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    public boolean isFile() {
        return type == Type.FILE;
    }
}
