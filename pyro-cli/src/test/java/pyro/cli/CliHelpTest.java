package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import pyro.core.Pyro;
import pyro.core.PyroConfig;

/**
 * {@code --version} and {@code --help} on every command: exit 0, the text on stdout, nothing on
 * stderr. The command list is read from picocli's model, so a new subcommand is covered at once.
 */
class CliHelpTest {
    @TempDir
    Path tmp;

    PyroConfig config;

    @BeforeEach
    void setUp() {
        config = new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "auto", 4);
    }

    /** Every command path below {@code pyro}, e.g. [workspace, service, logs]. */
    static Stream<List<String>> commands() {
        List<List<String>> out = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), out);
        return out.stream();
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) {
                return; // an alias
            }
            List<String> p = new ArrayList<>(path);
            p.add(name);
            collect(sub, p, out);
        });
    }

    @Test
    void theTreeHasEveryContractCommand() {
        List<String> names = commands().map(p -> String.join(" ", p)).toList();
        for (String c : List.of("doctor", "env list", "env inspect", "env pull", "env prune", "run", "mcp serve",
                "vm create", "vm start", "vm exec", "vm stop", "vm delete", "vm status", "vm reap-expired",
                "workspace create", "workspace list", "workspace status", "workspace exec", "workspace logs",
                "workspace sync push", "workspace diff", "workspace export", "workspace delete",
                "workspace shell open", "workspace shell read", "workspace shell write", "workspace shell signal",
                "workspace shell close", "workspace service start", "workspace service list",
                "workspace service status", "workspace service logs", "workspace service stop")) {
            assertTrue(names.contains(c), c + " in " + names);
        }
    }

    @ParameterizedTest(name = "pyro {0} --help")
    @MethodSource("commands")
    void helpExitsZeroWithUsageOnStdout(List<String> path) {
        for (String flag : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(path);
            args.add(flag);
            InProcessCli.Result r = InProcessCli.run(config, args.toArray(String[]::new));
            assertEquals(0, r.exit(), r.toString());
            assertEquals("", r.err(), r.toString());
            String usage = "Usage: " + String.join(" ", Stream.concat(Stream.of("pyro"), path.stream()).toList());
            assertTrue(r.out().lines().anyMatch(l -> l.equals(usage) || l.startsWith(usage + " ")),
                    "a line starts with '" + usage + "': " + r);
        }
    }

    @Test
    void versionIsTheSdkVersion() {
        InProcessCli.Result r = InProcessCli.run(config, "--version");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("pyro " + Pyro.VERSION + "\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void helpSubcommandAndNoArgumentsPrintTheTopLevelUsage() {
        for (String[] args : new String[][] {{}, {"help"}}) {
            InProcessCli.Result r = InProcessCli.run(config, args);
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().startsWith("Usage: pyro "), r.toString());
            assertTrue(r.out().contains("workspace"), r.toString());
        }
        InProcessCli.Result r = InProcessCli.run(config, "help", "workspace");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("Usage: pyro workspace "), r.toString());
    }

    @Test
    void helpShowsTheDefaultsOfTheSizeOptions() {
        String help = InProcessCli.run(config, "run", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("Virtual CPUs, 1 to 16. Default: " + Pyro.DEFAULT_VCPUS), help);
        assertTrue(help.contains("Guest memory in MiB, 256 to 32768. Default: " + Pyro.DEFAULT_MEM_MIB), help);
        assertTrue(help.contains("the exit status is then 5. Default: " + Pyro.DEFAULT_TIMEOUT_SECONDS), help);
    }
}
