package pyro.cli.host;

import java.nio.file.Path;
import java.util.Map;

/**
 * The user's environment as the hosts see it: {@code $HOME} first (what Node's os.homedir() and
 * Rust's home_dir() read, unlike Java's user.home), the variables that move a host's configuration
 * folder, and where this pyro's launcher is.
 */
record HostEnv(Map<String, String> vars, String pyroHome) {
    static HostEnv current() {
        return new HostEnv(System.getenv(), System.getProperty("pyro.home"));
    }

    Path home() {
        String h = vars.get("HOME");
        return Path.of(h != null && !h.isBlank() ? h : System.getProperty("user.home")).toAbsolutePath();
    }

    /** {@code $name} when set (as an absolute path), else {@code fallback}. */
    Path dir(String name, Path fallback) {
        String v = vars.get(name);
        return v != null && !v.isBlank() ? Path.of(v).toAbsolutePath() : fallback;
    }

    /** This pyro's launcher ({@code PYRO_HOME/bin/pyro}), or null when pyro runs from elsewhere (tests, an IDE). */
    Path launcher() {
        String h = pyroHome;
        return h == null || h.isBlank() ? null : Path.of(h, "bin", "pyro").toAbsolutePath();
    }
}
