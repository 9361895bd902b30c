package pyro.protocol.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeded property tests for the pure path rules. Replay a failure with its printed seed. */
class ArchivePathsPropertyTest {
    static final String[] PARTS = {"a", "b", "c", "..", ".", "", "x y", "\u00e9t\u00e9", "ext", "up", "l", "...", "..a"};
    static final TarEntry.Type[] TYPES = {
        TarEntry.Type.FILE, TarEntry.Type.FILE, TarEntry.Type.DIRECTORY, TarEntry.Type.DIRECTORY,
        TarEntry.Type.SYMLINK, TarEntry.Type.SYMLINK, TarEntry.Type.HARDLINK, TarEntry.Type.FIFO,
        TarEntry.Type.CHAR_DEVICE
    };

    static Stream<Long> seeds() {
        long base = Long.getLong("pyro.seed", 20261125L);
        return LongStream.range(0, 300).mapToObj(i -> base + i);
    }

    static String randomName(Random r) {
        int n = 1 + r.nextInt(4);
        StringBuilder sb = new StringBuilder(r.nextInt(12) == 0 ? "/" : "");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(PARTS[r.nextInt(PARTS.length)]);
        }
        if (r.nextInt(8) == 0) {
            sb.append('/');
        }
        return sb.toString();
    }

    static boolean hasDotDot(String name) {
        for (String p : name.split("/")) {
            if (p.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** A destination that already holds an outward symlink and a directory. */
    static ArchivePaths.Model preexisting() {
        return path -> switch (path) {
            case "" , "d" -> ArchivePaths.Node.DIRECTORY;
            case "ext" -> new ArchivePaths.Node(ArchivePaths.Kind.SYMLINK, "/etc", false);
            case "up" -> new ArchivePaths.Node(ArchivePaths.Kind.SYMLINK, "../..", false);
            case "f" -> ArchivePaths.Node.FILE;
            default -> null;
        };
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void acceptedNamesStayInsideAndDotDotIsRefused(long seed) {
        Random r = new Random(seed);
        ArchivePaths.Overlay model = new ArchivePaths.Overlay(preexisting());
        Path dest = Path.of("/dest");
        List<ArchivePaths.Checked> links = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            TarEntry.Type type = TYPES[r.nextInt(TYPES.length)];
            String name = randomName(r);
            String link = type == TarEntry.Type.SYMLINK || type == TarEntry.Type.HARDLINK ? randomName(r) : "";
            TarEntry e = new TarEntry(name, type, 0644, 0, link, 0);
            String ctx = "seed=" + seed + " entry#" + i + " " + e;
            try {
                ArchivePaths.Checked c = ArchivePaths.check(e, model);
                assertFalse(hasDotDot(name), "accepted a '..' name: " + ctx);
                assertFalse(name.startsWith("/"), "accepted an absolute name: " + ctx);
                Path resolved = dest.resolve(c.path()).normalize();
                assertTrue(resolved.startsWith(dest), "resolves outside: " + ctx);
                assertTrue(type == TarEntry.Type.FILE || type == TarEntry.Type.DIRECTORY
                        || type == TarEntry.Type.SYMLINK || type == TarEntry.Type.HARDLINK, "accepted a special file: " + ctx);
                // no parent of an accepted path is a symlink or a file
                String[] parts = c.path().split("/");
                String prefix = "";
                for (int k = 0; k < parts.length - 1; k++) {
                    prefix = prefix.isEmpty() ? parts[k] : prefix + "/" + parts[k];
                    ArchivePaths.Node n = model.lookup(prefix);
                    assertTrue(n == null || n.kind() == ArchivePaths.Kind.DIRECTORY, "goes through " + prefix + ": " + ctx);
                }
                if (type == TarEntry.Type.SYMLINK) {
                    assertFalse(link.startsWith("/"), "accepted absolute symlink: " + ctx);
                    Path lt = dest.resolve(c.path()).getParent().resolve(link).normalize();
                    assertTrue(lt.startsWith(dest), "symlink text escapes: " + ctx);
                    links.add(c);
                }
                if (type == TarEntry.Type.HARDLINK) {
                    assertEquals(ArchivePaths.Kind.FILE, model.lookup(c.linkTarget()).kind(), ctx);
                }
                model.record(c);
            } catch (UnsafeEntryException refused) {
                assertEquals(name, refused.entryName(), "error names the entry: " + ctx);
                assertTrue(refused.getMessage().contains("'"), ctx);
            }
            if (hasDotDot(name) || name.startsWith("/")) {
                assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(e, model), ctx);
            }
        }
        // Final pass: every link that survives resolves (by an independent simulation) inside the destination.
        for (ArchivePaths.Checked c : links) {
            try {
                ArchivePaths.checkSymlinkResolution(c.entryName(), c.path(), model);
            } catch (UnsafeEntryException refused) {
                continue;
            }
            String ctx = "seed=" + seed + " link " + c;
            ArchivePaths.Node now = model.lookup(c.path());
            if (now == null || now.kind() != ArchivePaths.Kind.SYMLINK) {
                continue; // replaced by a later member
            }
            if (!Simulator.staysInside(c.path(), model)) {
                fail("accepted symlink resolves outside the destination: " + ctx);
            }
        }
    }

    @Test
    void fixedCases() throws Exception {
        ArchivePaths.Overlay m = new ArchivePaths.Overlay(preexisting());
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.file("/etc/passwd", 0644, 0, 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.file("a/../../x", 0644, 0, 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.file("ext/passwd", 0644, 0, 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.symlink("l", "/etc", 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.symlink("d/l", "../../x", 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.hardlink("h", "../x", 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.hardlink("h", "missing", 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(TarEntry.file("d", 0644, 0, 0), m));
        assertThrows(UnsafeEntryException.class, () -> ArchivePaths.check(
                new TarEntry("p", TarEntry.Type.FIFO, 0644, 0, "", 0), m));
        assertEquals("a/b", ArchivePaths.check(TarEntry.file("./a//b", 0644, 0, 0), m).path());
        ArchivePaths.check(TarEntry.symlink("d/l", "../f", 0), m);
        ArchivePaths.check(TarEntry.hardlink("h", "f", 0), m);
        // order trick: u -> t/ext is fine while t is missing, then t -> . makes u lead to /etc
        m.record(ArchivePaths.check(TarEntry.symlink("u", "t/ext", 0), m));
        m.record(ArchivePaths.check(TarEntry.symlink("t", ".", 0), m));
        UnsafeEntryException e = assertThrows(UnsafeEntryException.class,
                () -> ArchivePaths.checkSymlinkResolution("u", "u", m));
        assertTrue(e.getMessage().contains("'u'"), e.getMessage());
        ArchivePaths.checkSymlinkResolution("t", "t", m);
    }

    /** Independent resolver: walks the model following links, counting depth below the destination. */
    static final class Simulator {
        static boolean staysInside(String linkPath, ArchivePaths.Model model) {
            List<String> dir = new ArrayList<>(List.of(linkPath.split("/")));
            dir.remove(dir.size() - 1);
            return walk(dir, model.lookup(linkPath).target(), model, 0);
        }

        private static boolean walk(List<String> cwd, String target, ArchivePaths.Model model, int hops) {
            if (hops > 40) {
                return true; // ELOOP: resolution fails, nothing reached
            }
            if (target.startsWith("/")) {
                return false;
            }
            List<String> cur = new ArrayList<>(cwd);
            String[] parts = target.split("/");
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                if (p.isEmpty() || p.equals(".")) {
                    continue;
                }
                if (p.equals("..")) {
                    if (cur.isEmpty()) {
                        return false;
                    }
                    cur.remove(cur.size() - 1);
                    continue;
                }
                cur.add(p);
                ArchivePaths.Node n = model.lookup(String.join("/", cur));
                if (n == null || n.kind() == ArchivePaths.Kind.FILE) {
                    // missing: the kernel stops here (ENOENT/ENOTDIR); still require the text not to climb out
                    int depth = cur.size();
                    for (int k = i + 1; k < parts.length; k++) {
                        if (parts[k].equals("..")) {
                            depth--;
                        } else if (!parts[k].isEmpty() && !parts[k].equals(".")) {
                            depth++;
                        }
                        if (depth < 0) {
                            return false;
                        }
                    }
                    return true;
                }
                if (n.kind() == ArchivePaths.Kind.SYMLINK) {
                    cur.remove(cur.size() - 1);
                    StringBuilder rest = new StringBuilder(n.target());
                    for (int k = i + 1; k < parts.length; k++) {
                        rest.append('/').append(parts[k]);
                    }
                    return walk(cur, rest.toString(), model, hops + 1);
                }
            }
            return true;
        }
    }
}
