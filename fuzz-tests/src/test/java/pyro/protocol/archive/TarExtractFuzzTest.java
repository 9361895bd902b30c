package pyro.protocol.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.fuzz.Fuzzer;

/**
 * Tar streams: seeds, sync pushes and exports are tars a user or a guest wrote. Extraction must finish
 * or refuse (an IOException, ArchiveException among them) and, whatever the bytes, write nothing
 * outside its destination: a sibling folder is checked to stay empty after every input.
 */
class TarExtractFuzzTest {
    static Path root;

    @BeforeAll
    static void makeRoot() throws IOException {
        root = Files.createTempDirectory("pyro-fuzz-tar");
    }

    @AfterAll
    static void removeRoot() throws IOException {
        SafeExtractor.deleteTree(root);
    }

    static List<byte[]> seeds() throws IOException {
        List<byte[]> out = new ArrayList<>();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(b)) {
            w.writeFile("README.md", 0644, 0, "hello\n".getBytes(StandardCharsets.UTF_8));
            w.writeDirectory("src", 0755, 0);
            w.writeFile("src/app.py", 0755, 0, "print('app')\n".getBytes(StandardCharsets.UTF_8));
            w.writeFile("src/" + "long-name-".repeat(12) + ".txt", 0644, 0, new byte[700]);
            w.writeSymlink("src/link", "app.py", 0);
            w.writeHardlink("src/hard", "src/app.py", 0);
            w.finish();
        }
        out.add(b.toByteArray());
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(one)) {
            w.writeFile("a", 0600, 0, new byte[] {'x'});
            w.finish();
        }
        out.add(one.toByteArray());
        ByteArrayOutputStream escape = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(escape)) {
            w.writeSymlink("up", "../outside", 0);
            w.writeFile("up/x", 0644, 0, new byte[] {'x'});
            w.finish();
        }
        out.add(escape.toByteArray());
        return out;
    }

    @Test
    void hostileTarStreamsExtractOrAreRefusedAndNeverWriteOutside() throws IOException {
        long[] n = {0};
        Fuzzer.run("tar-extract", seeds(), input -> {
            Path case_ = root.resolve("c" + n[0]++);
            Path dest = case_.resolve("dest");
            Path outside = case_.resolve("outside");
            Files.createDirectories(outside);
            try {
                SafeExtractor.extract(new ByteArrayInputStream(input), dest, case_);
            } finally {
                try (Stream<Path> s = Files.list(outside)) {
                    List<Path> escaped = s.toList();
                    if (!escaped.isEmpty()) {
                        throw new AssertionError("extraction wrote outside its destination: " + escaped);
                    }
                }
                try (Stream<Path> s = Files.list(case_)) {
                    List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
                    if (names.stream().anyMatch(x -> !x.equals("dest") && !x.equals("outside"))) {
                        throw new AssertionError("extraction left files beside its destination: " + names);
                    }
                }
                SafeExtractor.deleteTree(case_);
            }
        }, IOException.class);
    }
}
