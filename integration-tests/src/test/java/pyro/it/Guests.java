package pyro.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import pyro.core.Pyro;
import pyro.core.PyroConfig;

/**
 * Shared set-up for guest-backed tests: the image cache (built once, shared by every test and
 * process), a private state folder per test class, and the rule that in CI a missing QEMU is a
 * failure, not a skip (a skipped guest suite would hide a broken install step).
 */
final class Guests {
    static final String ENV = "debian:12";

    private Guests() {}

    static Path cacheDir() {
        String c = System.getenv("PYRO_CACHE_DIR");
        if (c != null && !c.isBlank()) {
            return Path.of(c);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "pyro");
    }

    /** Skips (locally) or fails (CI) when this host cannot boot guests. */
    static void requireGuests() {
        boolean qemu = Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"));
        if (!qemu) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but qemu-system-x86_64 is missing: .ci/run must install qemu-system-x86");
            }
            Assumptions.abort("SKIPPED guest-backed test: qemu-system-x86_64 is not installed");
        }
    }

    static Path newStateDir(String name) {
        try {
            Path base = Path.of("/tmp/pyro-it");
            Files.createDirectories(base);
            return Files.createTempDirectory(base, name + "-");
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** An SDK client on the packaged distribution's guest agent, with its own state folder. */
    static Pyro sdk(Path stateDir) {
        PyroConfig cfg = PyroConfig.defaults().withStateDir(stateDir).withCacheDir(cacheDir()).withHome(Cli.dist());
        return Pyro.create(new PyroConfig(cfg.stateDir(), cfg.cacheDir(), cfg.home(), cfg.backend(), 8))
                .withProgress(line -> System.err.println("[pyro] " + line));
    }

    /** Makes sure the environment is built before timed tests start (prints progress). */
    static void pull(Path stateDir) {
        sdk(stateDir).pullEnvironment(ENV);
    }

    /** QEMU processes whose command line mentions {@code needle} (a state folder or instance id). */
    static List<ProcessHandle> qemuProcesses(String needle) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(needle))
                        .orElse(false))
                .toList();
    }
}
