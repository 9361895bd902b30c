package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import pyro.core.internal.Json;

/**
 * One workspace booted once per test JVM and shared by the workspace, service and shell test
 * classes (a TCG boot costs seconds). Created through the packaged CLI from a seed folder; deleted
 * when the JVM exits. Each test class works in its own sub-folder of /workspace.
 */
final class SharedWorkspace {
    private static String id;
    private static Path state;
    private static Path seed;
    static final String NAME = "it-shared-" + Long.toHexString(System.nanoTime());

    private SharedWorkspace() {}

    static synchronized String id() {
        if (id == null) {
            Guests.requireGuests();
            state = Guests.newStateDir("shared");
            Guests.pull(state);
            seed = makeSeed();
            Cli.Result r = Cli.run(state, "workspace", "create", Guests.ENV, "--name", NAME, "--seed-path", seed.toString(),
                    "--ttl-seconds", "3600", "--json");
            assertEquals(0, r.exitCode(), r.toString());
            id = Json.readMap(r.stdout()).get("workspace_id").toString();
            String created = id;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Cli.run(state, 120, "workspace", "delete", created)));
        }
        return id;
    }

    static Path state() {
        id();
        return state;
    }

    static Path seed() {
        id();
        return seed;
    }

    static Cli.Result cli(String... args) {
        return Cli.run(state(), args);
    }

    static Map<String, Object> json(String... args) {
        Cli.Result r = cli(args);
        assertEquals(0, r.exitCode(), r.toString());
        return Json.readMap(r.stdout());
    }

    private static Path makeSeed() {
        try {
            Path s = Files.createTempDirectory(state, "seed");
            Files.writeString(s.resolve("README.md"), "# seeded\nline two\nline three\n");
            Files.createDirectories(s.resolve("src/pkg"));
            Files.writeString(s.resolve("src/pkg/main.py"), "print('hello from the seed')\n");
            Files.write(s.resolve("src/blob.bin"), new byte[] {0, 1, 2, 3, (byte) 0xff});
            Files.createSymbolicLink(s.resolve("link-to-readme"), Path.of("README.md"));
            Files.writeString(s.resolve("to-delete.txt"), "bye\n");
            return s;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
