package pyro.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import pyro.core.Pyro;
import pyro.core.PyroException;

/** Entry point of the {@code pyro} launcher. */
@Command(
        name = "pyro",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Disposable microVM workspaces for coding agents.",
        footer = {"%nExamples:",
            "  pyro doctor",
            "  pyro run debian:12 -- uname -a",
            "  pyro workspace create debian:12 --seed-path . --name demo",
            "  pyro workspace exec demo -- make test",
            "%nEvery command answers --help. Exit status: 0 ok, 2 invalid input or conflict, 3 not found or expired,"
                    + " 4 host unsupported, 5 guest failure or timeout; a guest command's own status otherwise (docs/contract.md)."},
        subcommands = {
            DoctorCommand.class,
            EnvCommand.class,
            RunCommand.class,
            VmCommand.class,
            WorkspaceCommand.class,
            McpCommand.class,
            pyro.cli.host.HostCommand.class,
            ServeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"pyro " + Pyro.VERSION};
        }
    }

    /** Every command and subcommand answers --help (and -h), and its help shows the defaults. */
    private static void addHelp(CommandLine cl) {
        cl.getCommandSpec().mixinStandardHelpOptions(true);
        cl.getCommandSpec().usageMessage().showDefaultValues(true);
        cl.getSubcommands().values().forEach(Main::addHelp);
    }

    /** The whole command tree, configured as every run uses it (also what the help tests walk). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        addHelp(cl);
        cl.getSubcommands().get("help").getCommandSpec().usageMessage().footer(
                "%nExamples:", "  pyro help workspace create", "  pyro help workspace service start");
        cl.setExecutionExceptionHandler(Output::handleException);
        cl.setParameterExceptionHandler(Output::handleUsageError);
        cl.setExecutionStrategy(Main::executeUnlessMistyped);
        cl.setErr(new PrintWriter(System.err, true));
        return cl;
    }

    /**
     * Runs the command, but a usage error found while help was asked for ({@code pyro wrkspace --help})
     * is still a usage error: picocli would print the nearest command's help and exit 0.
     */
    private static int executeUnlessMistyped(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
            if (!p.errors().isEmpty()) {
                Exception e = p.errors().getFirst();
                throw e instanceof CommandLine.ParameterException pe ? pe
                        : new CommandLine.ParameterException(p.commandSpec().commandLine(), e.getMessage(), e, null, null);
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = commandLine();
        if (RemoteCli.applies(args)) {
            try {
                int remote = RemoteCli.run(cl, args);
                if (remote >= 0) {
                    return remote;
                }
            } catch (PyroException e) {
                Output.error(false, e);
                return e.code().exitStatus();
            }
            cl = commandLine(); // a usage error or help: said here exactly as there
        }
        return cl.execute(args);
    }
}
