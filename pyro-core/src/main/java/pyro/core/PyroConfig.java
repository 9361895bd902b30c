package pyro.core;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where pyro keeps things. Defaults: state in {@code $PYRO_STATE_DIR} or
 * {@code $XDG_STATE_HOME/pyro} ({@code ~/.local/state/pyro}); cache in {@code $PYRO_CACHE_DIR} or
 * {@code $XDG_CACHE_HOME/pyro} ({@code ~/.cache/pyro}); the installation (guest agent runtime) in
 * system property {@code pyro.home} or {@code $PYRO_HOME}.
 */
public record PyroConfig(Path stateDir, Path cacheDir, Path home, String backend, int maxActiveVms) {
    public static final int DEFAULT_MAX_ACTIVE_VMS = 4;

    public static PyroConfig defaults() {
        Path userHome = Path.of(System.getProperty("user.home"));
        Path state = dir("PYRO_STATE_DIR", "XDG_STATE_HOME", userHome.resolve(".local/state"));
        Path cache = dir("PYRO_CACHE_DIR", "XDG_CACHE_HOME", userHome.resolve(".cache"));
        String homeProp = System.getProperty("pyro.home", System.getenv("PYRO_HOME"));
        Path home = homeProp == null || homeProp.isBlank() ? null : Path.of(homeProp);
        String backend = System.getenv().getOrDefault("PYRO_BACKEND", "auto");
        int max = DEFAULT_MAX_ACTIVE_VMS;
        String maxEnv = System.getenv("PYRO_MAX_ACTIVE_VMS");
        if (maxEnv != null && !maxEnv.isBlank()) {
            try {
                max = Integer.parseInt(maxEnv.trim());
            } catch (NumberFormatException e) {
                throw PyroException.invalid("PYRO_MAX_ACTIVE_VMS must be a whole number, got '" + maxEnv + "'.");
            }
        }
        return new PyroConfig(state, cache, home, backend, max);
    }

    private static Path dir(String own, String xdg, Path fallbackParent) {
        String v = System.getenv(own);
        if (v != null && !v.isBlank()) {
            return Path.of(v).toAbsolutePath();
        }
        String x = System.getenv(xdg);
        Path parent = x != null && !x.isBlank() ? Path.of(x) : fallbackParent;
        return parent.resolve("pyro").toAbsolutePath();
    }

    public PyroConfig withStateDir(Path p) {
        return new PyroConfig(p, cacheDir, home, backend, maxActiveVms);
    }

    public PyroConfig withCacheDir(Path p) {
        return new PyroConfig(stateDir, p, home, backend, maxActiveVms);
    }

    public PyroConfig withHome(Path p) {
        return new PyroConfig(stateDir, cacheDir, p, backend, maxActiveVms);
    }

    public PyroConfig withBackend(String b) {
        return new PyroConfig(stateDir, cacheDir, home, b, maxActiveVms);
    }

    /** The folder with the guest agent's runtime ({@code jre/} and {@code lib/}) to put into images. */
    public Path guestAgentDir() {
        if (home == null) {
            throw PyroException.host(
                    "pyro's installation folder is unknown: set PYRO_HOME (or -Dpyro.home) to the pyro distribution.");
        }
        Path dir = home.resolve("guest");
        if (!Files.isDirectory(dir.resolve("jre")) || !Files.isDirectory(dir.resolve("lib"))) {
            throw PyroException.host("the guest agent runtime is missing from " + dir + ": reinstall pyro.");
        }
        return dir;
    }
}
