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

    /** Every command and subcommand answers --help (and -h). */
    private static void addHelp(CommandLine cl) {
        cl.getCommandSpec().mixinStandardHelpOptions(true);
        cl.getSubcommands().values().forEach(Main::addHelp);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        addHelp(cl);
        cl.setExecutionExceptionHandler(Output::handleException);
        cl.setParameterExceptionHandler(Output::handleUsageError);
        cl.setErr(new PrintWriter(System.err, true));
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
            cl = new CommandLine(new Main()); // a usage error or help: said here exactly as there
            addHelp(cl);
            cl.setExecutionExceptionHandler(Output::handleException);
            cl.setParameterExceptionHandler(Output::handleUsageError);
            cl.setErr(new PrintWriter(System.err, true));
        }
        return cl.execute(args);
    }
}
