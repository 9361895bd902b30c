package pyro.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;

@Command(name = "shell", description = "Interactive PTY shells that keep state (cd, virtualenv, REPL) across calls.",
        subcommands = {ShellCommand.Open.class, ShellCommand.Read.class, ShellCommand.Write.class,
            ShellCommand.Signal.class, ShellCommand.Close.class},
        footer = {"%nExamples:", "  sh=$(pyro workspace shell open demo --id-only)", "  pyro workspace shell write demo $sh --input 'cd src && ls'", "  pyro workspace shell read demo $sh --wait-for-idle-ms 500 --plain"})
final class ShellCommand {
    static String line(ShellInfo s) {
        return s.shellId() + "  " + s.state() + "  pid " + s.get("pid") + "  cwd " + s.get("cwd") + "  "
                + s.get("cols") + "x" + s.get("rows");
    }

    @Command(name = "open", description = "Open a login shell on a PTY in the workspace.",
        footer = {"%nExamples:", "  pyro workspace shell open demo --id-only", "  pyro workspace shell open demo --cwd src --cols 200"})
    static final class Open implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Option(paramLabel = "DIR", names = "--cwd", description = "The shell's first folder, inside /workspace (default /workspace).") String cwd;
        @Option(paramLabel = "N", names = "--cols", defaultValue = "" + Pyro.DEFAULT_SHELL_COLS, description = "Terminal width in columns.") int cols;
        @Option(paramLabel = "N", names = "--rows", defaultValue = "" + Pyro.DEFAULT_SHELL_ROWS, description = "Terminal height in rows.") int rows;
        @Option(names = "--id-only", description = "Print only the shell's id.") boolean idOnly;
        @Option(names = "--secret-env", paramLabel = "NAME[=ENV_VAR]",
                description = "Give the workspace secret NAME to the shell as ENV_VAR (default NAME); repeatable.")
        List<String> secretEnv;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            ShellInfo s = Clients.pyro().openShell(id, cwd, cols, rows, secretEnv == null ? List.of() : secretEnv);
            if (idOnly && !json.on) {
                System.out.println(s.shellId());
                return 0;
            }
            return VmCommand.show(json.on, s, line(s));
        }
    }

    @Command(name = "read", description = "Output after --cursor; prints the next cursor on stderr.",
        footer = {"%nExamples:", "  pyro workspace shell read demo sh-1 --wait-for-idle-ms 500 --plain", "  pyro workspace shell read demo sh-1 --cursor 2048"})
    static final class Read implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "SHELL", description = "The shell\'s id, as open printed it.") String shell;
        @Option(paramLabel = "N", names = "--cursor", defaultValue = "0", description = "Read the output after this cursor (0: from the start; the previous read prints the next one).") long cursor;
        @Option(paramLabel = "N", names = "--max-chars", defaultValue = "" + Pyro.DEFAULT_SHELL_MAX_CHARS, description = "At most this many characters; the rest waits for the next read.") int maxChars;
        @Option(paramLabel = "MS", names = "--wait-ms", defaultValue = "0", description = "Wait up to this many milliseconds for new output (0-60000).") int waitMs;
        @Option(names = "--wait-for-idle-ms", paramLabel = "MS", description = "Return once the output has been quiet this long (within --wait-ms, 60000 if not given).") Integer idleMs;
        @Option(names = "--plain", description = "Show the output as a terminal would: escape sequences removed, CR and backspace applied.") boolean plain;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            ShellRead r = Clients.pyro().readShell(id, shell, cursor, maxChars, waitMs, idleMs, plain);
            if (json.on) {
                Output.json(r);
            } else {
                System.out.print(r.output());
                System.out.flush();
                System.err.println("[pyro] next cursor: " + r.nextCursor());
            }
            return 0;
        }
    }

    @Command(name = "write", description = "Type input into the shell (a newline is added unless --no-newline).",
        footer = {"%nExamples:", "  pyro workspace shell write demo sh-1 --input 'python3'", "  pyro workspace shell write demo sh-1 --input 'print(6*7)'"})
    static final class Write implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "SHELL", description = "The shell\'s id, as open printed it.") String shell;
        @Option(names = "--input", required = true, paramLabel = "TEXT", description = "What to type.") String input;
        @Option(names = "--no-newline", description = "Do not press Enter after the input.") boolean noNewline;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().writeShell(id, shell, input, !noNewline);
            return VmCommand.show(json.on, r, "wrote " + r.get("bytes") + " bytes");
        }
    }

    @Command(name = "signal", description = "Send INT, TERM, HUP or KILL to the shell's foreground process group.",
        footer = {"%nExamples:", "  pyro workspace shell signal demo sh-1", "  pyro workspace shell signal demo sh-1 --signal TERM"})
    static final class Signal implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "SHELL", description = "The shell\'s id, as open printed it.") String shell;
        @Option(names = "--signal", defaultValue = "INT", paramLabel = "INT|TERM|HUP|KILL", description = "The signal to send.") String signal;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().signalShell(id, shell, signal);
            return VmCommand.show(json.on, r, "sent " + r.get("signal") + " to process group " + r.get("pgrp"));
        }
    }

    @Command(name = "close", description = "End the shell and every process it started.",
        footer = {"%nExample:", "  pyro workspace shell close demo sh-1"})
    static final class Close implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "SHELL", description = "The shell\'s id, as open printed it.") String shell;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            ShellInfo s = Clients.pyro().closeShell(id, shell);
            return VmCommand.show(json.on, s, line(s));
        }
    }
}
