package pyro.kvm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image build's mirror choice: the real debian-mirror.sh (the packaged resource build-env.sh
 * sources) run by bash over apt sources written into a scratch folder (PYRO_APT_DIR). There is no
 * built-in mirror: without a Debian source the build must stop with one sentence.
 */
class DebianMirrorScriptTest {
    static final String MIRROR = "http://mirror.example/debian";

    @TempDir
    Path tmp;

    Path script;
    Path apt;

    record Result(int exit, String stdout, String stderr) {}

    @BeforeEach
    void setUp() throws IOException {
        script = tmp.resolve("debian-mirror.sh");
        try (InputStream in = ImageStore.class.getResourceAsStream("debian-mirror.sh")) {
            assertNotNull(in, "debian-mirror.sh is packaged beside build-env.sh");
            Files.copy(in, script);
        }
        apt = Files.createDirectories(tmp.resolve("apt/sources.list.d"));
        apt = apt.getParent();
    }

    Result run(String mirrorOverride) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "bookworm");
        pb.environment().put("PYRO_APT_DIR", apt.toString());
        pb.environment().remove("PYRO_DEBIAN_MIRROR");
        if (mirrorOverride != null) {
            pb.environment().put("PYRO_DEBIAN_MIRROR", mirrorOverride);
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    String mirror() throws IOException, InterruptedException {
        Result r = run(null);
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.stderr(), r.toString());
        return r.stdout().strip();
    }

    void write(String relative, String text) throws IOException {
        Files.writeString(apt.resolve(relative), text);
    }

    void assertNoMirror() throws IOException, InterruptedException {
        Result r = run(null);
        assertEquals(1, r.exit(), r.toString());
        assertEquals("", r.stdout(), r.toString());
        assertEquals("build-env.sh: error: no Debian mirror found in " + apt + "/sources.list or " + apt
                + "/sources.list.d: set PYRO_DEBIAN_MIRROR to the URL of a Debian mirror.\n", r.stderr());
    }

    /** The shape of this project's build machines: deb822 debian.sources, security listed too, other vendors. */
    @Test
    void deb822DebianSourcesGiveTheMainArchiveNotSecurity() throws Exception {
        write("sources.list.d/debian.sources", """
                Types: deb
                # http://snapshot.example/archive/debian/20250520T000000Z
                URIs: http://security.example/debian-security
                Suites: bookworm-security
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

                Types: deb
                URIs: %s
                Suites: bookworm bookworm-updates
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
                """.formatted(MIRROR));
        write("sources.list.d/nodesource.sources", """
                Types: deb
                URIs: https://vendor.example/node_20.x
                Suites: nodistro
                Components: main
                """);
        write("sources.list.d/old.sources.disabled", "Types: deb\nURIs: http://disabled.example/debian\nSuites: bookworm\nComponents: main\n");
        assertEquals(MIRROR, mirror());
    }

    @Test
    void oneLineSourcesListWithOptionsAndATrailingSlash() throws Exception {
        write("sources.list", """
                # deb http://commented.example/debian bookworm main
                deb-src http://src.example/debian bookworm main
                deb http://security.example/debian-security bookworm-security main
                  deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s/ bookworm main contrib
                """.formatted(MIRROR));
        assertEquals(MIRROR, mirror());
    }

    @Test
    void aDotListFileInSourcesListDCounts() throws Exception {
        write("sources.list.d/debian.list", "deb " + MIRROR + " bookworm main\n");
        assertEquals(MIRROR, mirror());
    }

    /** A vendor repository read first (a .list sorts before .sources) loses to the Debian archive. */
    @Test
    void aVendorRepositoryForTheSameSuiteLosesToTheDebianArchive() throws Exception {
        write("sources.list.d/a-vendor.list", "deb [signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/apt bookworm main\n");
        write("sources.list.d/debian.sources", "Types: deb\nURIs: " + MIRROR + "\nSuites: bookworm\nComponents: main\n");
        assertEquals(MIRROR, mirror());
    }

    @Test
    void aVendorRepositoryWithoutTheMainComponentIsNoMirror() throws Exception {
        write("sources.list.d/vendor.list", "deb https://vendor.example/linux/debian bookworm stable\n");
        assertNoMirror();
    }

    @Test
    void theSuiteBeingBuiltIsPreferredOverAnotherDebianSuite() throws Exception {
        write("sources.list", "deb http://other.example/debian trixie main\ndeb " + MIRROR + " bookworm main\n");
        assertEquals(MIRROR, mirror());
    }

    /** debootstrap fetches any suite from a Debian mirror, so a trixie host's archive serves a bookworm build. */
    @Test
    void aHostOnAnotherDebianReleaseStillHasAMirror() throws Exception {
        write("sources.list.d/debian.sources", "Types: deb\nURIs: " + MIRROR + "\nSuites: trixie trixie-updates\nComponents: main\n");
        assertEquals(MIRROR, mirror());
    }

    @Test
    void disabledStanzasSourceOnlyStanzasAndContinuationLinesAreHandled() throws Exception {
        write("sources.list.d/debian.sources", """
                types: deb
                URIs: http://disabled.example/debian
                Suites: bookworm
                Components: main
                Enabled: no

                Types: deb-src
                URIs: http://src.example/debian
                Suites: bookworm
                Components: main

                Types: deb
                URIs: ftp-not-a-scheme://x.example/debian
                 %s
                Suites: bookworm
                Components: main
                Signed-By:
                 -----BEGIN PGP PUBLIC KEY BLOCK-----
                 .
                 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD3K87ZM18gzyQZJD+w
                 -----END PGP PUBLIC KEY BLOCK-----
                """.formatted(MIRROR));
        assertEquals(MIRROR, mirror());
    }

    @Test
    void onlySecurityDebSrcAndOtherDistributionsMeanNoMirror() throws Exception {
        write("sources.list", """
                deb http://security.example/debian-security bookworm-security main
                deb-src http://src.example/debian bookworm main
                deb http://ubuntu.example/ubuntu noble main restricted
                """);
        write("sources.list.d/debian.sources", "Types: deb\nURIs: " + MIRROR + "\nSuites: bookworm\nComponents: main\nEnabled: no\n");
        assertNoMirror();
    }

    @Test
    void noAptSourcesAtAllMeansOneSentenceAskingForPyroDebianMirror() throws Exception {
        assertNoMirror();
    }

    @Test
    void pyroDebianMirrorWinsOverTheHostsSources() throws Exception {
        write("sources.list", "deb http://other.example/debian bookworm main\n");
        Result r = run("http://override.example/debian");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("http://override.example/debian\n", r.stdout());
        Files.delete(apt.resolve("sources.list"));
        assertEquals("http://override.example/debian\n", run("http://override.example/debian").stdout());
    }

    /** No mirror (nor any other host) is built into the image scripts: the mirror comes from the host. */
    @Test
    void noImageScriptNamesAHost() throws IOException {
        for (String r : new String[] {"build-env.sh", "debian-mirror.sh", "init", "sysinit", "inittab", "agent-launcher"}) {
            try (InputStream in = ImageStore.class.getResourceAsStream(r)) {
                assertNotNull(in, r);
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertFalse(text.contains("://"), r + " contains a URL");
            }
        }
    }

    @Test
    void buildEnvSourcesTheHelperAndStopsWhenItFindsNoMirror() throws IOException {
        try (InputStream in = ImageStore.class.getResourceAsStream("build-env.sh")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(text.contains(". \"$SCRIPT_DIR/debian-mirror.sh\""), "build-env.sh sources debian-mirror.sh");
            assertTrue(text.contains("MIRROR=$(debian_mirror \"$SUITE\") || exit 1"), "a missing mirror stops the build");
        }
    }
}
