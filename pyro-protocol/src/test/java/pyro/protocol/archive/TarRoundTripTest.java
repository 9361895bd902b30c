package pyro.protocol.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Random tree -> TarWriter -> TarReader gives the same entries (seeded; replay with the printed seed). */
class TarRoundTripTest {
    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        long base = Long.getLong("pyro.seed", 7_000L);
        return LongStream.range(0, 25).mapToObj(i -> base + i);
    }

    static String randomComponent(Random r) {
        int kind = r.nextInt(10);
        if (kind == 0) {
            return "long-" + "n".repeat(90 + r.nextInt(150)); // forces pax path
        }
        if (kind == 1) {
            return "\u00fcml\u00e4ut-\u65e5\u672c" + r.nextInt(100);
        }
        return "f" + r.nextInt(1000) + (r.nextBoolean() ? ".txt" : "");
    }

    /** Builds a random tree and returns its expected listing (path -> description). */
    static TreeMap<String, String> randomTree(Random r, Path root) throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(root));
        int n = 5 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            Path parent = dirs.get(r.nextInt(dirs.size()));
            Path p = parent.resolve(randomComponent(r));
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            switch (r.nextInt(4)) {
                case 0 -> {
                    Files.createDirectory(p);
                    dirs.add(p);
                }
                case 1 -> Files.createSymbolicLink(p, Path.of(r.nextBoolean() ? "./x" : "target-" + "t".repeat(r.nextInt(150))));
                default -> {
                    byte[] data = new byte[r.nextInt(4) == 0 ? r.nextInt(200_000) : r.nextInt(1500)];
                    r.nextBytes(data);
                    Files.write(p, data);
                    Files.setPosixFilePermissions(p, SafeExtractor.permissions(r.nextBoolean() ? 0755 : 0640));
                }
            }
        }
        return listing(root);
    }

    static TreeMap<String, String> listing(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "symlink " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir");
                } else {
                    out.put(rel, "file " + Integer.toOctalString(TarWriter.modeOf(Files.getPosixFilePermissions(p)))
                            + " " + sha(Files.readAllBytes(p)));
                }
            }
        }
        return out;
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void treeRoundTrips(long seed) throws IOException {
        Random r = new Random(seed);
        Path root = Files.createDirectory(tmp.resolve("root"));
        TreeMap<String, String> expected = randomTree(r, root);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean gzip = r.nextBoolean();
        try (TarWriter w = new TarWriter(gzip ? new GZIPOutputStream(bytes) : bytes)) {
            assertEquals("directory", w.writeTree(root, ""));
        }
        TreeMap<String, String> actual = new TreeMap<>();
        try (TarReader reader = TarReader.open(new ByteArrayInputStream(bytes.toByteArray()))) {
            TarEntry e;
            while ((e = reader.next()) != null) {
                String name = ArchivePaths.normalize(e.name());
                switch (e.type()) {
                    case DIRECTORY -> actual.put(name, "dir");
                    case SYMLINK -> actual.put(name, "symlink " + e.linkName());
                    case FILE -> actual.put(name, "file " + Integer.toOctalString(e.mode()) + " "
                            + sha(reader.content().readAllBytes()));
                    default -> throw new AssertionError("unexpected " + e + " seed=" + seed);
                }
            }
        }
        assertEquals(expected, actual, "seed=" + seed + " gzip=" + gzip);
        // and the same tree extracts back identically
        Path back = tmp.resolve("back");
        SafeExtractor.Result res = SafeExtractor.extract(new ByteArrayInputStream(bytes.toByteArray()), back, tmp.resolve("staging"));
        assertEquals(expected, listing(back), "extract seed=" + seed);
        assertEquals(expected.values().stream().filter(v -> v.startsWith("file")).count(), res.files(), "seed=" + seed);
    }

    @Test
    void systemTarReadsOurArchivesAndWeReadGnuAndPax() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("src"));
        String longName = "d".repeat(120) + "/" + "e".repeat(150) + ".txt";
        Files.createDirectories(root.resolve(longName).getParent());
        Files.writeString(root.resolve(longName), "hello");
        Files.createSymbolicLink(root.resolve("link"), Path.of("l".repeat(130)));
        for (String format : new String[] {"gnu", "pax", "ustar-ours"}) {
            Path archive = tmp.resolve("a-" + format + ".tar");
            if (format.equals("ustar-ours")) {
                try (TarWriter w = new TarWriter(Files.newOutputStream(archive))) {
                    w.writeTree(root, "");
                }
                Process p = new ProcessBuilder("tar", "-tf", archive.toString()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), out);
                assertTrue(out.contains(longName), out);
            } else {
                Process p = new ProcessBuilder("tar", "--format=" + format, "-cf", archive.toString(), "-C", root.toString(), ".")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), out);
            }
            List<String> names = new ArrayList<>();
            String linkTarget = null;
            try (TarReader reader = TarReader.open(Files.newInputStream(archive))) {
                TarEntry e;
                while ((e = reader.next()) != null) {
                    String n = ArchivePaths.normalize(e.name());
                    names.add(n);
                    if (n.equals(longName)) {
                        assertEquals("hello", new String(reader.content().readAllBytes(), StandardCharsets.UTF_8), format);
                    }
                    if (n.equals("link")) {
                        linkTarget = e.linkName();
                    }
                }
            }
            assertTrue(names.contains(longName), format + " " + names);
            assertEquals("l".repeat(130), linkTarget, format);
        }
    }
}
