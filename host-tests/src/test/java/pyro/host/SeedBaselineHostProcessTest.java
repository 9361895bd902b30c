package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.Pyro;
import pyro.core.WorkspaceOptions;
import pyro.protocol.archive.TarWriter;

/**
 * A seeded workspace's baseline is made without hashing in the guest: the host hashes the seed it
 * streamed. It must say exactly what the guest holds: every file's digest is the one of its bytes
 * (replaced members, hard links to a file replaced later, content larger than the reader's buffer), and
 * a diff right after create, which hashes in the guest, finds nothing.
 */
class SeedBaselineHostProcessTest {
    @Test
    void theBaselineHasTheDigestsOfWhatTheGuestHoldsAndADiffAtOnceIsEmpty(@TempDir Path tmp) throws Exception {
        byte[] large = new byte[700_000];
        new Random(7).nextBytes(large);
        Path tar = tmp.resolve("seed.tar");
        try (OutputStream out = Files.newOutputStream(tar); TarWriter w = new TarWriter(out)) {
            w.writeFile("a.txt", 0644, 0, bytes("first"));
            w.writeFile("b.txt", 0600, 0, bytes("bee"));
            w.writeHardlink("hb", "b.txt", 0);
            w.writeFile("b.txt", 0644, 0, bytes("bee, replaced")); // hb keeps "bee"
            w.writeFile("a.txt", 0664, 0, bytes("second, longer"));
            w.writeDirectory("src/deep", 0755, 0);
            w.writeFile("src/deep/large.bin", 0644, 0, large);
            w.writeSymlink("ln", "a.txt", 0);
            w.writeFile("empty", 0644, 0, new byte[0]);
        }
        Map<String, String> expected = new TreeMap<>(Map.of(
                "a.txt", sha256(bytes("second, longer")),
                "b.txt", sha256(bytes("bee, replaced")),
                "hb", sha256(bytes("bee")),
                "src/deep/large.bin", sha256(large),
                "empty", sha256(new byte[0])));

        Path state = HostProcess.stateDir("seedbase");
        Pyro pyro = HostProcess.pyro(state);
        String ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).seed(tar).memMib(256))
                .workspaceId();
        try {
            Map<String, Object> baseline = JSON.std.mapFrom(
                    Files.readString(state.resolve("instances").resolve(ws).resolve("baseline.json")));
            Map<String, String> files = new TreeMap<>();
            for (Object o : (List<?>) baseline.get("entries")) {
                Map<?, ?> e = (Map<?, ?>) o;
                if ("file".equals(e.get("type"))) {
                    files.put((String) e.get("path"), (String) e.get("sha256"));
                }
            }
            assertEquals(expected, files, baseline.toString());
            var diff = pyro.diffWorkspace(ws);
            assertTrue(diff.entries().isEmpty(), diff.toString());
            // and the baseline still tells a change: same size, other bytes
            assertEquals(0, pyro.execWorkspace(ws, "printf 'bee, REPLACED' > b.txt", null, 10).exitCode());
            diff = pyro.diffWorkspace(ws);
            assertEquals(List.of("b.txt"), diff.entries().stream().map(e -> e.path()).toList(), diff.toString());
        } finally {
            pyro.deleteWorkspace(ws);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
