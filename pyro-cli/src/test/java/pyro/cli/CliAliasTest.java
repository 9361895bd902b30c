package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import pyro.core.PyroConfig;

/**
 * The original tool's flag names (issue 25) where ours differ: each lands in the same field as our
 * name, and a command given only the old names runs as far as an empty state folder lets it (the
 * workspace lookup, exit 3), so none is refused as unknown.
 */
class CliAliasTest {
    static final String WS = "ws-000000000000";

    @TempDir
    Path tmp;

    PyroConfig config;

    @BeforeEach
    void setUp() {
        config = new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "auto", 4);
    }

    /** The leaf command object picocli filled from {@code args}. */
    @SuppressWarnings("unchecked")
    private static <T> T parsed(Class<T> type, String... args) {
        CommandLine.ParseResult p = Main.commandLine().parseArgs(args);
        while (p.subcommand() != null) {
            p = p.subcommand();
        }
        return (T) p.commandSpec().userObject();
    }

    @Test
    void fileWriteTextAndTextFile() {
        assertEquals("hi", parsed(FileCommand.Write.class, "workspace", "file", "write", WS, "a.txt", "--text", "hi").content);
        assertEquals("f.txt", parsed(FileCommand.Write.class, "workspace", "file", "write", WS, "a.txt", "--text-file",
                "f.txt").from);
    }

    @Test
    void fileReadMaxBytesAndContentOnly() {
        FileCommand.Read r = parsed(FileCommand.Read.class, "workspace", "file", "read", WS, "a.txt", "--max-bytes", "64",
                "--content-only");
        assertEquals(64L, r.limit);
        assertTrue(r.contentOnly);
    }

    @Test
    void patchApplyPatchAndPatchFile() {
        assertEquals("--- a\n", parsed(PatchCommand.Apply.class, "workspace", "patch", "apply", WS, "--patch", "--- a\n").text);
        assertEquals("fix.diff", parsed(PatchCommand.Apply.class, "workspace", "patch", "apply", WS, "--patch-file",
                "fix.diff").patchFile);
    }

    @Test
    void networkPolicyAndRunTtl() {
        assertEquals("egress+published-ports", parsed(WorkspaceCommand.Create.class, "workspace", "create", "debian:12",
                "--network-policy", "egress+published-ports").network);
        assertEquals("egress", parsed(VmCommand.Create.class, "vm", "create", "debian:12", "--network-policy", "egress").network);
        assertEquals("off", parsed(RunCommand.class, "run", "debian:12", "--network-policy", "off", "--", "true").network);
        assertEquals(900L, parsed(RunCommand.class, "run", "debian:12", "--ttl-seconds", "900", "--", "true").ttlSeconds);
    }

    @Test
    void commandsGivenTheOldNamesRunUpToTheWorkspaceLookup() throws Exception {
        Path patch = tmp.resolve("fix.diff");
        String diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
        java.nio.file.Files.writeString(patch, diff);
        for (List<String> args : List.of(
                List.of("workspace", "file", "write", WS, "a.txt", "--text", "hello"),
                List.of("workspace", "file", "write", WS, "a.txt", "--text-file", patch.toString()),
                List.of("workspace", "file", "read", WS, "a.txt", "--max-bytes", "10", "--content-only"),
                List.of("workspace", "patch", "apply", WS, "--patch", diff),
                List.of("workspace", "patch", "apply", WS, "--patch-file", patch.toString()))) {
            InProcessCli.Result r = InProcessCli.run(config, args.toArray(String[]::new));
            assertEquals(3, r.exit(), args + ": " + r);
            assertEquals(List.of("pyro: no workspace with id or name '" + WS + "'."), r.errLines(), r.toString());
        }
    }
}
