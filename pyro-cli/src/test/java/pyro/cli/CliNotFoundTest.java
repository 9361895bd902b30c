package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import pyro.core.PyroConfig;
import com.fasterxml.jackson.jr.ob.JSON;

/**
 * Not found is exit status 3 with one sentence naming what was asked for, in-process against an
 * empty temp state folder: unknown workspace ids and names for every workspace command, and
 * unknown environments, which are refused before anything is created.
 */
class CliNotFoundTest {
    static final String WS = "ws-000000000000";
    static final String NO_WS = "no workspace with id or name '" + WS + "'.";

    @TempDir
    Path tmp;

    PyroConfig config;

    @BeforeEach
    void setUp() {
        config = new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "auto", 4);
    }

    static Stream<Arguments> unknown() {
        return Stream.of(
                Arguments.of(NO_WS, new String[] {"workspace", "status", WS}),
                Arguments.of(NO_WS, new String[] {"workspace", "exec", WS, "--", "true"}),
                Arguments.of(NO_WS, new String[] {"workspace", "logs", WS}),
                Arguments.of(NO_WS, new String[] {"workspace", "diff", WS}),
                Arguments.of(NO_WS, new String[] {"workspace", "delete", WS}),
                Arguments.of(NO_WS, new String[] {"workspace", "export", WS, "/workspace/a", "--output", "out"}),
                Arguments.of(NO_WS, new String[] {"workspace", "shell", "open", WS}),
                Arguments.of(NO_WS, new String[] {"workspace", "shell", "read", WS, "sh-1"}),
                Arguments.of(NO_WS, new String[] {"workspace", "service", "list", WS}),
                Arguments.of(NO_WS, new String[] {"workspace", "service", "logs", WS, "web", "--after", "0:0"}),
                Arguments.of(NO_WS, new String[] {"workspace", "service", "stop", WS, "web"}),
                Arguments.of("no workspace with id or name 'my-project'.", new String[] {"workspace", "status", "my-project"}),
                Arguments.of("no VM with id 'vm-000000000000'.", new String[] {"vm", "delete", "vm-000000000000"}),
                Arguments.of("no VM with id 'vm-000000000000'.", new String[] {"vm", "start", "vm-000000000000"}),
                // a workspace id is not a VM id, and the other way round
                Arguments.of("no VM with id '" + WS + "'.", new String[] {"vm", "stop", WS}),
                Arguments.of("no workspace with id or name 'vm-000000000000'.",
                        new String[] {"workspace", "status", "vm-000000000000"}),
                // environments: known names are a fixed catalog, so no build is needed to refuse one
                Arguments.of("unknown environment 'debian:13': use one of debian:12, debian:12-base, debian:12-build.",
                        new String[] {"env", "inspect", "debian:13"}),
                Arguments.of("unknown environment 'debian:13': use one of debian:12, debian:12-base, debian:12-build.",
                        new String[] {"env", "pull", "debian:13"}),
                Arguments.of("unknown environment 'ubuntu:24.04': use one of debian:12, debian:12-base, debian:12-build.",
                        new String[] {"workspace", "create", "ubuntu:24.04"}),
                Arguments.of("unknown environment 'alpine': use one of debian:12, debian:12-base, debian:12-build.",
                        new String[] {"vm", "create", "alpine"}));
    }

    @ParameterizedTest(name = "{index}: {1}")
    @MethodSource("unknown")
    void exitThreeWithOneSentenceNamingIt(String sentence, String[] args) throws Exception {
        InProcessCli.Result r = InProcessCli.run(config, args);
        assertEquals(3, r.exit(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertEquals(List.of("pyro: " + sentence), r.errLines(), r.toString());
        Path instances = tmp.resolve("state/instances");
        if (Files.isDirectory(instances)) {
            try (Stream<Path> s = Files.list(instances)) {
                assertEquals(List.of(), s.toList(), "nothing is created");
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void withJsonNotFoundIsTheErrorObjectOnStderr() throws Exception {
        InProcessCli.Result r = InProcessCli.run(config, "workspace", "status", WS, "--json");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertEquals(Map.of("code", "not_found", "message", NO_WS), JSON.std.mapFrom(r.err()).get("error"));
    }

    @Test
    void anEmptyStateFolderListsNoWorkspaces() {
        InProcessCli.Result r = InProcessCli.run(config, "workspace", "list");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("no workspaces\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void anEmptyStateFolderListsNoWorkspacesAsJson() throws Exception {
        InProcessCli.Result r = InProcessCli.run(config, "workspace", "list", "--json");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), JSON.std.mapFrom(r.out()).get("workspaces"), r.out());
    }

    @Test
    void reapingAnEmptyStateFolderReapsNothing() {
        InProcessCli.Result r = InProcessCli.run(config, "vm", "reap-expired");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("reaped 0\n", r.out());
    }

    @Test
    void envListShowsTheCatalogAsNotBuiltInAnEmptyCache() {
        InProcessCli.Result r = InProcessCli.run(config, "env", "list");
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        for (String env : List.of("debian:12 ", "debian:12-base ", "debian:12-build ")) {
            assertEquals(1, lines.stream().filter(l -> l.startsWith(env) && l.contains("not built")).count(), r.out());
        }
    }
}
