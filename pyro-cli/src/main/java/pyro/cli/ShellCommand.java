package pyro.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;

@Command(name = "shell", description = "Interactive PTY shells that keep state (cd, virtualenv, REPL) across calls.",
        subcommands = {ShellCommand.Open.class, ShellCommand.Read.class, ShellCommand.Write.class,
            ShellCommand.Signal.class, ShellCommand.Close.class})
final class ShellCommand {
    static String line(ShellInfo s) {
        return s.shellId() + "  " + s.state() + "  pid " + s.get("pid") + "  cwd " + s.get("cwd") + "  "
                + s.get("cols") + "x" + s.get("rows");
    }

    @Command(name = "open", description = "Open a login shell on a PTY in the workspace.")
    static final class Open implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--cwd") String cwd;
        @Option(names = "--cols", defaultValue = "" + Pyro.DEFAULT_SHELL_COLS) int cols;
        @Option(names = "--rows", defaultValue = "" + Pyro.DEFAULT_SHELL_ROWS) int rows;
        @Option(names = "--id-only") boolean idOnly;
        @Option(names = "--secret-env", paramLabel = "NAME[=ENV_VAR]",
                description = "Give the workspace secret NAME to the shell as ENV_VAR (default NAME); repeatable.")
        List<String> secretEnv;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            ShellInfo s = Clients.pyro().openShell(id, cwd, cols, rows, secretEnv == null ? List.of() : secretEnv);
            if (idOnly && !json) {
                System.out.println(s.shellId());
                return 0;
            }
            return VmCommand.show(json, s, line(s));
        }
    }

    @Command(name = "read", description = "Output after --cursor; prints the next cursor on stderr.")
    static final class Read implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "SHELL") String shell;
        @Option(names = "--cursor", defaultValue = "0") long cursor;
        @Option(names = "--max-chars", defaultValue = "" + Pyro.DEFAULT_SHELL_MAX_CHARS) int maxChars;
        @Option(names = "--wait-ms", defaultValue = "0", description = "Wait up to this long for new output (0-60000).") int waitMs;
        @Option(names = "--wait-for-idle-ms", paramLabel = "MS", description = "Return once the output has been quiet this long (within --wait-ms, 60000 if not given).") Integer idleMs;
        @Option(names = "--plain", description = "Show the output as a terminal would: escape sequences removed, CR and backspace applied.") boolean plain;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            ShellRead r = Clients.pyro().readShell(id, shell, cursor, maxChars, waitMs, idleMs, plain);
            if (json) {
                Output.json(r);
            } else {
                System.out.print(r.output());
                System.out.flush();
                System.err.println("[pyro] next cursor: " + r.nextCursor());
            }
            return 0;
        }
    }

    @Command(name = "write", description = "Type input into the shell (a newline is added unless --no-newline).")
    static final class Write implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "SHELL") String shell;
        @Option(names = "--input", required = true) String input;
        @Option(names = "--no-newline") boolean noNewline;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().writeShell(id, shell, input, !noNewline);
            return VmCommand.show(json, r, "wrote " + r.get("bytes") + " bytes");
        }
    }

    @Command(name = "signal", description = "Send INT, TERM, HUP or KILL to the shell's foreground process group.")
    static final class Signal implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "SHELL") String shell;
        @Option(names = "--signal", defaultValue = "INT") String signal;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().signalShell(id, shell, signal);
            return VmCommand.show(json, r, "sent " + r.get("signal") + " to process group " + r.get("pgrp"));
        }
    }

    @Command(name = "close", description = "End the shell and every process it started.")
    static final class Close implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "SHELL") String shell;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            ShellInfo s = Clients.pyro().closeShell(id, shell);
            return VmCommand.show(json, s, line(s));
        }
    }
}
