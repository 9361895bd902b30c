package pyro.protocol;

/** pyro's version, written once: Maven filters the project version into {@code version.txt}. */
public final class Version {
    /** The same for host and agent: they are built together, and the hello carries it. */
    public static final String PYRO = read();

    private Version() {}

    private static String read() {
        try (var in = Version.class.getResourceAsStream("version.txt")) {
            String v = in == null ? "" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            return v.isEmpty() || v.startsWith("$") ? "unknown" : v;
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
