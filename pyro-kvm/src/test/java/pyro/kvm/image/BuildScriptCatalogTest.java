package pyro.kvm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment catalog is the one list of packages: the image build script takes them from
 * pyro (PYRO_ENV_PACKAGES) and keeps none of its own. Runs the real script up to its argument checks
 * (nothing is downloaded or built).
 */
class BuildScriptCatalogTest {
    @TempDir
    Path tmp;

    private record Run(int status, String stderr) {}

    private Run run(Map<String, String> env, String envName) throws Exception {
        for (String r : new String[] {"build-env.sh", "debian-mirror.sh"}) {
            try (InputStream in = ImageStore.class.getResourceAsStream(r)) {
                Files.copy(in, tmp.resolve(r), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        ProcessBuilder pb = new ProcessBuilder("bash", tmp.resolve("build-env.sh").toString(), envName,
                tmp.resolve("out").toString(), tmp.resolve("agent").toString());
        pb.environment().remove("PYRO_ENV_PACKAGES");
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), err.strip());
    }

    @Test
    void theScriptKeepsNoPackageListOfItsOwn() throws Exception {
        String script;
        try (InputStream in = ImageStore.class.getResourceAsStream("build-env.sh")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Catalog.Entry e : Catalog.ALL) {
            assertTrue(!script.contains("\"" + e.name() + "\")") && !script.contains(e.name() + ")"),
                    "build-env.sh still has a case for " + e.name());
        }
        assertTrue(!script.contains("python3 curl"), "build-env.sh still lists packages");
    }

    @Test
    void withoutThePackagesFromTheCatalogItRefusesToBuild() throws Exception {
        Run r = run(Map.of(), "debian:12");
        assertEquals(2, r.status(), r.stderr());
        assertTrue(r.stderr().contains("PYRO_ENV_PACKAGES is not set"), r.stderr());
    }

    @Test
    void aPackageNameThatCouldBeAnOptionIsRefused() throws Exception {
        Run r = run(Map.of("PYRO_ENV_PACKAGES", "git --allow-unauthenticated"), "debian:12");
        assertEquals(2, r.status(), r.stderr());
        assertTrue(r.stderr().contains("'--allow-unauthenticated'"), r.stderr());
    }

    @Test
    void anEnvironmentThatIsNotDebian12IsRefused() throws Exception {
        Run r = run(Map.of("PYRO_ENV_PACKAGES", ""), "alpine:3");
        assertEquals(2, r.status(), r.stderr());
        assertTrue(r.stderr().contains("'alpine:3'"), r.stderr());
    }
}
