package pyro.protocol.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real-filesystem checks of all-or-nothing extraction. */
class SafeExtractorTest {
    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        long base = Long.getLong("pyro.seed", 99_000L);
        return LongStream.range(0, 60).mapToObj(i -> base + i);
    }

    static byte[] tar(TarEntry... entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out)) {
            for (TarEntry e : entries) {
                byte[] data = new byte[(int) e.size()];
                w.write(e, new ByteArrayInputStream(data));
            }
        }
        return out.toByteArray();
    }

    Path seededDest() throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("ws/dest"));
        Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(dest.resolve("keep.txt"), "keep");
        Files.createDirectory(dest.resolve("d"));
        Files.createSymbolicLink(dest.resolve("ext"), tmp.resolve("outside"));
        return dest;
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void randomArchivesNeverEscapeAndFailuresChangeNothing(long seed) throws IOException {
        Random r = new Random(seed);
        Path dest = seededDest();
        TarEntry[] entries = new TarEntry[3 + r.nextInt(12)];
        for (int i = 0; i < entries.length; i++) {
            TarEntry.Type type = ArchivePathsPropertyTest.TYPES[r.nextInt(ArchivePathsPropertyTest.TYPES.length)];
            String name = ArchivePathsPropertyTest.randomName(r);
            String link = ArchivePathsPropertyTest.randomName(r);
            entries[i] = switch (type) {
                case FILE -> TarEntry.file(name.endsWith("/") ? name + "f" : name, 0644, r.nextInt(3000), 0);
                case DIRECTORY -> TarEntry.directory(name, 0755, 0);
                case SYMLINK -> TarEntry.symlink(name, link, 0);
                case HARDLINK -> TarEntry.hardlink(name, link, 0);
                default -> new TarEntry(name, type, 0644, 0, "", 0);
            };
        }
        TreeMap<String, String> before = TarRoundTripTest.listing(tmp.resolve("ws"));
        TreeMap<String, String> outsideBefore = TarRoundTripTest.listing(tmp.resolve("outside"));
        String ctx = "seed=" + seed + " entries=" + java.util.Arrays.toString(entries);
        try {
            SafeExtractor.extract(new ByteArrayInputStream(tar(entries)), dest, tmp.resolve("staging"));
            Path real = dest.toRealPath();
            try (Stream<Path> walk = Files.walk(dest)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (Files.isSymbolicLink(p) && !p.getFileName().toString().equals("ext") && Files.exists(p)) {
                        assertTrue(p.toRealPath().startsWith(real), "link " + p + " escapes: " + ctx);
                    }
                }
            }
        } catch (ArchiveException refused) {
            assertEquals(before, TarRoundTripTest.listing(tmp.resolve("ws")), "destination changed: " + ctx);
        }
        assertEquals(outsideBefore, TarRoundTripTest.listing(tmp.resolve("outside")), "outside changed: " + ctx);
        try (Stream<Path> s = Files.list(tmp.resolve("staging"))) {
            assertEquals(0, s.count(), "staging left behind: " + ctx);
        }
    }

    @Test
    void eachBadKindIsRefusedByNameAndLeavesDestinationUntouched() throws IOException {
        Path dest = seededDest();
        TreeMap<String, String> before = TarRoundTripTest.listing(tmp.resolve("ws"));
        TarEntry good = TarEntry.file("good.txt", 0644, 10, 0);
        TarEntry[] bad = {
            TarEntry.file("/abs.txt", 0644, 1, 0),
            TarEntry.file("a/../../up.txt", 0644, 1, 0),
            TarEntry.symlink("evil", "/etc/passwd", 0),
            TarEntry.symlink("sub/evil", "../../x", 0),
            TarEntry.hardlink("hl", "../outside/x", 0),
            new TarEntry("dev", TarEntry.Type.CHAR_DEVICE, 0644, 0, "", 0),
            new TarEntry("fifo", TarEntry.Type.FIFO, 0644, 0, "", 0),
            TarEntry.file("ext/pwned", 0644, 1, 0),
        };
        for (TarEntry b : bad) {
            ArchiveException e = assertThrows(ArchiveException.class,
                    () -> SafeExtractor.extract(new ByteArrayInputStream(tar(good, b)), dest, tmp.resolve("staging")), b.toString());
            assertTrue(e.getMessage().contains(b.name()), e.getMessage());
            assertEquals(before, TarRoundTripTest.listing(tmp.resolve("ws")), b.toString());
        }
        // a symlinked parent created by the archive itself
        ArchiveException e = assertThrows(ArchiveException.class, () -> SafeExtractor.extract(new ByteArrayInputStream(
                tar(TarEntry.symlink("s", "d", 0), TarEntry.file("s/x", 0644, 1, 0))), dest, tmp.resolve("staging")));
        assertTrue(e.getMessage().contains("s/x"), e.getMessage());
        assertEquals(before, TarRoundTripTest.listing(tmp.resolve("ws")));
        // a truncated archive fails without a trace
        byte[] t = tar(good, TarEntry.file("big", 0644, 5000, 0));
        assertThrows(IOException.class, () -> SafeExtractor.extract(
                new ByteArrayInputStream(java.util.Arrays.copyOf(t, 1500)), dest, tmp.resolve("staging")));
        assertEquals(before, TarRoundTripTest.listing(tmp.resolve("ws")));
        assertFalse(Files.exists(dest.resolve("good.txt"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void goodArchiveMergesIntoExistingTree() throws IOException {
        Path dest = seededDest();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out)) {
            w.writeDirectory("d/sub", 0700, 0);
            w.writeFile("d/sub/a.txt", 0600, 0, "A".getBytes(StandardCharsets.UTF_8));
            w.writeFile("keep.txt", 0644, 0, "new".getBytes(StandardCharsets.UTF_8));
            w.writeSymlink("d/ln", "sub/a.txt", 0);
            w.writeHardlink("hard", "keep.txt", 0);
            w.writeHardlink("hard2", "d/sub/a.txt", 0);
        }
        SafeExtractor.Result res = SafeExtractor.extract(new ByteArrayInputStream(out.toByteArray()), dest, tmp.resolve("staging"));
        assertEquals(4, res.files());
        assertEquals(4, res.bytes());
        assertEquals("A", Files.readString(dest.resolve("d/ln")));
        assertEquals("new", Files.readString(dest.resolve("keep.txt")));
        assertEquals("new", Files.readString(dest.resolve("hard")));
        assertEquals("A", Files.readString(dest.resolve("hard2")));
        assertEquals(0700, TarWriter.modeOf(Files.getPosixFilePermissions(dest.resolve("d/sub"))));
        assertEquals(0600, TarWriter.modeOf(Files.getPosixFilePermissions(dest.resolve("d/sub/a.txt"))));
        assertTrue(Files.isSymbolicLink(dest.resolve("ext")));
    }
}
