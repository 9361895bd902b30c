package pyro.protocol.archive;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The safe-extraction rules, as pure functions over a {@link Model} of the destination tree.
 *
 * <p>A member is refused when its name is absolute, has a {@code ..} component or a NUL byte, when it is a
 * device node, FIFO or other special kind, when any parent on its path is a symlink or a non-directory,
 * when it would replace a directory with a non-directory (or the reverse), when it is a hard link whose
 * target is not a regular file already in the archive or destination, or when it is a symlink whose
 * target is absolute or escapes the destination. After all members are known, {@link #checkSymlinkResolution}
 * resolves every new symlink against the final tree (following links the way the kernel does) and refuses
 * any that would leave the destination.
 */
public final class ArchivePaths {
    private static final int MAX_LINK_HOPS = 40;

    private ArchivePaths() {}

    /** What sits at a path of the destination model. */
    public enum Kind {
        DIRECTORY,
        FILE,
        SYMLINK
    }

    /**
     * One path of the model. For symlinks, {@code target} is the link text; {@code fromArchive} marks
     * links written by the archive being extracted (pre-existing ones are resolved just the same).
     */
    public record Node(Kind kind, String target, boolean fromArchive) {
        public static final Node DIRECTORY = new Node(Kind.DIRECTORY, null, false);
        public static final Node FILE = new Node(Kind.FILE, null, false);
    }

    /** A view of the destination: {@code lookup("")} is the destination itself; paths are normalized. */
    public interface Model {
        /** The node at {@code path} without following a symlink at its last component, or {@code null}. */
        Node lookup(String path);
    }

    /** The archive's members layered over a base model (the destination as it was). */
    public static final class Overlay implements Model {
        private final Map<String, Node> nodes = new HashMap<>();
        private final Model base;

        public Overlay(Model base) {
            this.base = base;
        }

        /** An overlay over an empty destination. */
        public static Overlay empty() {
            return new Overlay(path -> path.isEmpty() ? Node.DIRECTORY : null);
        }

        @Override
        public Node lookup(String path) {
            Node n = nodes.get(path);
            return n != null ? n : base.lookup(path);
        }

        /** Records an accepted member, and the parent directories its extraction creates. */
        public void record(Checked checked) {
            String path = checked.path();
            int slash = path.indexOf('/');
            while (slash >= 0) {
                String parent = path.substring(0, slash);
                if (lookup(parent) == null) {
                    nodes.put(parent, Node.DIRECTORY);
                }
                slash = path.indexOf('/', slash + 1);
            }
            if (path.isEmpty()) {
                return;
            }
            nodes.put(path, switch (checked.type()) {
                case DIRECTORY -> Node.DIRECTORY;
                case SYMLINK -> new Node(Kind.SYMLINK, checked.linkTarget(), true);
                default -> Node.FILE;
            });
        }
    }

    /**
     * An accepted member: {@code path} is normalized and relative to the destination ({@code ""} is the
     * destination itself); {@code linkTarget} is the symlink text, or the normalized hard-link target.
     */
    public record Checked(String entryName, String path, TarEntry.Type type, String linkTarget) {}

    /**
     * Normalizes a member name to a relative path: drops empty and {@code .} components and a trailing
     * slash. Refuses absolute names, NUL bytes and any {@code ..} component.
     */
    public static String normalize(String entryName) throws UnsafeEntryException {
        if (entryName.indexOf('\0') >= 0) {
            throw new UnsafeEntryException(entryName, "archive entry " + quote(entryName) + " contains a NUL byte");
        }
        if (entryName.startsWith("/")) {
            throw new UnsafeEntryException(entryName, "archive entry " + quote(entryName) + " has an absolute path");
        }
        StringBuilder sb = new StringBuilder();
        for (String part : entryName.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new UnsafeEntryException(entryName, "archive entry " + quote(entryName) + " has a '..' component");
            }
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    /** Checks one member against the model of the destination as extracted so far. Does not modify it. */
    public static Checked check(TarEntry entry, Model model) throws UnsafeEntryException {
        String name = entry.name();
        String path = normalize(name);
        TarEntry.Type type = entry.type();
        switch (type) {
            case FILE, DIRECTORY, SYMLINK, HARDLINK -> { }
            default -> throw new UnsafeEntryException(name, "archive entry " + quote(name) + " is a "
                    + type.word() + ", which pyro does not extract");
        }
        if (path.isEmpty()) {
            if (type != TarEntry.Type.DIRECTORY) {
                throw new UnsafeEntryException(name, "archive entry " + quote(name) + " names the destination itself");
            }
            return new Checked(name, "", type, "");
        }
        checkParents(name, path, model);
        Node existing = model.lookup(path);
        if (existing != null) {
            if (existing.kind() == Kind.DIRECTORY && type != TarEntry.Type.DIRECTORY) {
                throw new UnsafeEntryException(name, "archive entry " + quote(name) + " would replace the directory "
                        + quote(path) + " with a " + type.word());
            }
            if (existing.kind() != Kind.DIRECTORY && type == TarEntry.Type.DIRECTORY) {
                throw new UnsafeEntryException(name, "archive entry " + quote(name) + " would replace the "
                        + (existing.kind() == Kind.SYMLINK ? "symlink " : "file ") + quote(path) + " with a directory");
            }
        }
        String link = entry.linkName();
        if (type == TarEntry.Type.SYMLINK) {
            checkSymlinkText(name, path, link);
            return new Checked(name, path, type, link);
        }
        if (type == TarEntry.Type.HARDLINK) {
            String target;
            try {
                target = normalize(link);
            } catch (UnsafeEntryException e) {
                throw new UnsafeEntryException(name, "hard link " + quote(name) + " points to " + quote(link)
                        + ", outside the destination");
            }
            if (target.isEmpty() || target.equals(path)) {
                throw new UnsafeEntryException(name, "hard link " + quote(name) + " has a bad target " + quote(link));
            }
            checkParents(name, target, model);
            Node t = model.lookup(target);
            if (t == null || t.kind() != Kind.FILE) {
                throw new UnsafeEntryException(name, "hard link " + quote(name) + " points to " + quote(link)
                        + ", which is not a regular file in the archive or destination");
            }
            return new Checked(name, path, type, target);
        }
        return new Checked(name, path, type, "");
    }

    /** Lexical checks on a symlink's text: not empty, not absolute, not climbing above the destination. */
    static void checkSymlinkText(String name, String path, String link) throws UnsafeEntryException {
        if (link.isEmpty() || link.indexOf('\0') >= 0) {
            throw new UnsafeEntryException(name, "symlink " + quote(name) + " has an empty or invalid target");
        }
        if (link.startsWith("/")) {
            throw new UnsafeEntryException(name, "symlink " + quote(name) + " points to the absolute path "
                    + quote(link) + ", outside the destination");
        }
        int depth = parentComponents(path).size();
        for (String part : link.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            depth += part.equals("..") ? -1 : 1;
            if (depth < 0) {
                throw new UnsafeEntryException(name, "symlink " + quote(name) + " points to " + quote(link)
                        + ", outside the destination");
            }
        }
    }

    /**
     * Resolves the symlink at {@code path} in the final model the way the kernel would (following symlinks
     * at every step, {@code ..} going to the real parent) and refuses it when resolution leaves the
     * destination or meets an absolute symlink. Missing components are resolved lexically.
     */
    public static void checkSymlinkResolution(String entryName, String path, Model model) throws UnsafeEntryException {
        Node self = model.lookup(path);
        if (self == null || self.kind() != Kind.SYMLINK) {
            return;
        }
        Deque<String> todo = new ArrayDeque<>();
        pushFront(todo, self.target());
        List<String> stack = new ArrayList<>(parentComponents(path));
        int hops = 0;
        boolean missing = false;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (stack.isEmpty()) {
                    throw new UnsafeEntryException(entryName, "symlink " + quote(entryName) + " resolves outside the destination");
                }
                stack.remove(stack.size() - 1);
                continue;
            }
            stack.add(part);
            if (missing) {
                continue;
            }
            Node n = model.lookup(String.join("/", stack));
            if (n == null) {
                missing = true;
            } else if (n.kind() == Kind.SYMLINK) {
                if (++hops > MAX_LINK_HOPS) {
                    throw new UnsafeEntryException(entryName, "symlink " + quote(entryName) + " is part of a symlink loop");
                }
                String target = n.target() == null ? "" : n.target();
                if (target.startsWith("/")) {
                    throw new UnsafeEntryException(entryName, "symlink " + quote(entryName) + " resolves through "
                            + quote(String.join("/", stack)) + ", which points to the absolute path " + quote(target));
                }
                stack.remove(stack.size() - 1);
                pushFront(todo, target);
            } else if (n.kind() == Kind.FILE) {
                missing = true; // anything below a file does not exist
            }
        }
    }

    private static void pushFront(Deque<String> todo, String target) {
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.addFirst(parts[i]);
        }
    }

    private static void checkParents(String name, String path, Model model) throws UnsafeEntryException {
        int slash = path.indexOf('/');
        while (slash >= 0) {
            String parent = path.substring(0, slash);
            Node n = model.lookup(parent);
            if (n == null) {
                return; // missing parents are created as directories; nothing can lie below them yet
            }
            if (n.kind() == Kind.SYMLINK) {
                throw new UnsafeEntryException(name, "archive entry " + quote(name) + " goes through the symlink "
                        + quote(parent));
            }
            if (n.kind() == Kind.FILE) {
                throw new UnsafeEntryException(name, "archive entry " + quote(name) + " goes through "
                        + quote(parent) + ", which is not a directory");
            }
            slash = path.indexOf('/', slash + 1);
        }
    }

    private static List<String> parentComponents(String path) {
        List<String> parts = new ArrayList<>(List.of(path.split("/")));
        parts.remove(parts.size() - 1);
        parts.removeIf(String::isEmpty);
        return parts;
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length() && i < 300; i++) {
            char c = s.charAt(i);
            sb.append(c < 32 ? '?' : c);
        }
        return sb.append(s.length() > 300 ? "...'" : "'").toString();
    }
}
