package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import pyro.protocol.Reply;
import pyro.protocol.archive.ArchiveException;
import pyro.protocol.archive.SafeExtractor;
import pyro.protocol.archive.TarEntry;
import pyro.protocol.archive.TarWriter;

/**
 * The host's digests of a seed (read from its tar) are what the guest would hash after extracting it:
 * random archives are extracted for real and every regular file left is compared with
 * {@link WorkspaceFiles#seedFiles} (seeded; replay with -Dpyro.seed=N).
 */
class SeedDigestsPropertyTest {
    private static final String[] NAMES = {"a", "b", "d/a", "d/b", "d/e/f", "./d/x", "e"};

    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        long base = Long.getLong("pyro.seed", 41_000L);
        return LongStream.range(0, 80).mapToObj(i -> base + i);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void seedDigestsMatchTheExtractedFiles(long seed) throws Exception {
        Random r = new Random(seed);
        List<String> log = new ArrayList<>();
        Path tar = tmp.resolve("seed.tar");
        try (OutputStream out = Files.newOutputStream(tar); TarWriter w = new TarWriter(out)) {
            int n = 2 + r.nextInt(14);
            for (int i = 0; i < n; i++) {
                String name = NAMES[r.nextInt(NAMES.length)];
                switch (r.nextInt(5)) {
                    case 0, 1 -> {
                        // now and then larger than the reader's buffer, so content spans refills
                        byte[] data = new byte[r.nextInt(8) == 0 ? 300_000 + r.nextInt(5000) : r.nextInt(3000)];
                        r.nextBytes(data);
                        w.writeFile(name, 0644, 0, data);
                        log.add("file " + name + " " + data.length);
                    }
                    case 2 -> {
                        w.writeDirectory(name, 0755, 0);
                        log.add("dir " + name);
                    }
                    case 3 -> {
                        String target = NAMES[r.nextInt(NAMES.length)];
                        w.writeHardlink(name, target, 0);
                        log.add("hardlink " + name + " -> " + target);
                    }
                    default -> {
                        w.writeSymlink(name, "a", 0);
                        log.add("symlink " + name);
                    }
                }
            }
        }
        Path dest = tmp.resolve("dest");
        try {
            SafeExtractor.extract(Files.newInputStream(tar), dest, tmp.resolve("staging"));
        } catch (ArchiveException refused) {
            return; // refused archives never reach the baseline
        }
        assertEquals(onDisk(dest), digests(WorkspaceFiles.seedFiles(tar)), "seed=" + seed + " " + log);
    }

    @Test
    void aListingGetsTheSeedsDigestsAndAFileTheSeedDoesNotExplainMakesItAskTheGuest() {
        Map<String, WorkspaceFiles.SeedFile> files = Map.of("a", new WorkspaceFiles.SeedFile(3, "d1"));
        Reply.SnapshotEntry dir = entry("d", "dir", 0, null);
        Reply.SnapshotEntry a = entry("a", "file", 3, null);
        List<Reply.SnapshotEntry> filled = WorkspaceFiles.withDigests(List.of(dir, a), files);
        assertEquals("d1", filled.get(1).sha256());
        assertNull(filled.get(0).sha256());
        assertNull(WorkspaceFiles.withDigests(List.of(entry("a", "file", 4, null)), files), "another size");
        assertNull(WorkspaceFiles.withDigests(List.of(a, entry("other", "file", 3, null)), files), "not from the seed");
        Reply.SnapshotEntry huge = entry("a", "file", 3, "unhashed:size=3,mtime=1");
        assertEquals("unhashed:size=3,mtime=1",
                WorkspaceFiles.withDigests(List.of(huge), files).get(0).sha256(), "the guest's own marker stays");
    }

    private static Reply.SnapshotEntry entry(String path, String type, long size, String sha256) {
        return new Reply.SnapshotEntry(path, 420L, type, size, null, sha256);
    }

    private static TreeMap<String, String> digests(Map<String, WorkspaceFiles.SeedFile> files) {
        TreeMap<String, String> out = new TreeMap<>();
        files.forEach((p, f) -> out.put(p, f.size() + " " + f.sha256()));
        return out;
    }

    private static TreeMap<String, String> onDisk(Path dest) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dest)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    byte[] b = Files.readAllBytes(p);
                    out.put(dest.relativize(p).toString(), b.length + " " + sha256(b));
                }
            }
        }
        return out;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
