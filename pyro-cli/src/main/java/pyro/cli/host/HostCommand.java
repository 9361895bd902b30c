package pyro.cli.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.PyroException;

/**
 * {@code pyro host connect|print-config|doctor|repair}: wires MCP hosts (Claude Code, Codex, OpenCode)
 * to {@code pyro mcp serve} by editing their own configuration files, and checks that they still
 * start a working pyro.
 */
@Command(name = "host", description = "Connect MCP hosts (Claude Code, Codex, OpenCode) to pyro's MCP server.",
        footer = {"%nExamples:", "  pyro host connect claude-code", "  pyro host doctor"},
        subcommands = {HostCommand.Connect.class, HostCommand.PrintConfig.class, HostCommand.Doctor.class,
                HostCommand.Repair.class})
public final class HostCommand {
    /** The options that choose the server a host starts. */
    static class ServerOptions {
        @Option(names = "--profile", paramLabel = "NAME",
                description = "The server's tool profile: vm-run, workspace-core (the server's default) or workspace-full.")
        String profile;

        @Option(names = "--mode", paramLabel = "NAME",
                description = "A task-shaped tool set instead of a profile: repro-fix, inspect, cold-start or review-eval.")
        String mode;

        @Option(names = "--command", paramLabel = "PATH",
                description = "The pyro launcher the host starts (default: this pyro's bin/pyro).")
        Path command;

        ServerCommand server(HostEnv env, boolean mustExist) {
            if (profile != null && mode != null) {
                throw PyroException.invalid("give --profile or --mode, not both: a mode chooses its own tools.");
            }
            Path launcher = command != null ? command.toAbsolutePath().normalize() : env.launcher();
            if (launcher == null) {
                throw PyroException.invalid("pyro cannot tell where its launcher is (it is not running from an "
                        + "installed pyro): pass --command PATH, e.g. --command /opt/pyro/bin/pyro.");
            }
            if (mustExist) {
                List<String> problems = HostCheck.launcherProblems(launcher.toString());
                if (!problems.isEmpty()) {
                    throw PyroException.invalid(problems.getFirst().replaceAll("\\.$", "")
                            + ": pass --command with the path of the pyro launcher.");
                }
            }
            return ServerCommand.of(launcher.toString(), profile, mode);
        }
    }

    @Command(name = "connect", description = "Add pyro to a host's MCP servers (merged into its config file, "
            + "a backup of the old file beside it; connecting again changes nothing).",
            footer = {"%nExamples:", "  pyro host connect claude-code", "  pyro host connect codex --mode repro-fix"})
    static final class Connect implements Callable<Integer> {
        @Parameters(paramLabel = "HOST", description = "claude-code, codex or opencode")
        String host;

        @picocli.CommandLine.Mixin
        ServerOptions options = new ServerOptions();

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            Host h = Host.of(host, true);
            HostEnv env = HostEnv.current();
            ServerCommand server = options.server(env, true);
            String failed = HostCheck.tryStart(server);
            if (failed != null) {
                throw PyroException.invalid("the server would not start, so nothing was written: " + failed);
            }
            print(Connector.connect(h, env, server), json);
            return 0;
        }
    }

    static void print(Connector.Result r, boolean json) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", r.host().wireName);
            m.put("config_path", r.file().toString());
            m.put("changed", r.changed());
            m.put("backup_path", r.backup() == null ? null : r.backup().toString());
            m.put("command", r.server().command());
            m.put("args", r.server().args());
            System.out.println(Jsonc.write(m, "", "  "));
            return;
        }
        if (!r.changed()) {
            System.out.println(r.host().wireName + " is already connected: " + r.file() + " starts '"
                    + r.server().display() + "' (unchanged).");
            return;
        }
        System.out.println("connected " + r.host().wireName + ": " + r.file() + " now starts '" + r.server().display()
                + "' (" + (r.backup() == null ? "new file" : "backup: " + r.backup()) + ").");
        System.out.println("Restart " + r.host().title + " (or open a new session) to load it.");
    }

    @Command(name = "print-config", description = "Print the configuration that starts pyro's MCP server in a host.",
            footer = {"%nExamples:", "  pyro host print-config cursor", "  pyro host print-config vscode --mode inspect"})
    static final class PrintConfig implements Callable<Integer> {
        @Parameters(paramLabel = "HOST",
                description = "claude-code, codex, opencode, claude-desktop, cursor or vscode")
        String host;

        @picocli.CommandLine.Mixin
        ServerOptions options = new ServerOptions();

        @Override
        public Integer call() {
            Host h = Host.of(host, false);
            HostEnv env = HostEnv.current();
            System.out.print(Connector.printed(h, options.server(env, false)));
            System.err.println("pyro: " + h.title + " reads this from " + h.configFile(env)
                    + (h.connectable ? " (pyro host connect " + h.wireName + " merges it there)" : "")
                    + "; merge it with the servers already there.");
            return 0;
        }
    }

    @Command(name = "doctor", description = "Check that each host's pyro entry starts a working pyro MCP server "
            + "(exit status 1 when one does not).",
            footer = {"%nExamples:", "  pyro host doctor", "  pyro host doctor --json"})
    static final class Doctor implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            HostEnv env = HostEnv.current();
            List<HostCheck> checks = new ArrayList<>();
            for (Host h : Host.connectable()) {
                checks.add(HostCheck.of(h, env));
            }
            if (json) {
                List<Object> out = new ArrayList<>();
                checks.forEach(c -> out.add(record(c)));
                System.out.println(Jsonc.write(Map.of("hosts", out), "", "  "));
            } else {
                for (HostCheck c : checks) {
                    System.out.printf("%-12s %-14s %s%n", c.host().wireName, c.status().text, c.file());
                    if (c.server() != null) {
                        System.out.println("  starts: " + c.server().display());
                    }
                    c.problems().forEach(p -> System.out.println("  problem: " + p));
                    if (c.status() == HostCheck.Status.BROKEN) {
                        System.out.println("  fix: pyro host repair " + c.host().wireName);
                    }
                }
            }
            return checks.stream().anyMatch(c -> c.status() == HostCheck.Status.BROKEN) ? 1 : 0;
        }
    }

    static Map<String, Object> record(HostCheck c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", c.host().wireName);
        m.put("config_path", c.file().toString());
        m.put("status", c.status().text.replace(' ', '_'));
        m.put("command", c.server() == null ? null : c.server().command());
        m.put("args", c.server() == null ? null : c.server().args());
        m.put("problems", c.problems());
        return m;
    }

    @Command(name = "repair", description = "Fix what host doctor found in a host's pyro entry: point it at this "
            + "pyro's launcher, keeping its profile or mode when the server accepts them.",
            footer = {"%nExamples:", "  pyro host repair codex"})
    static final class Repair implements Callable<Integer> {
        @Parameters(paramLabel = "HOST", description = "claude-code, codex or opencode")
        String host;

        @Option(names = "--command", paramLabel = "PATH",
                description = "The pyro launcher the host starts (default: this pyro's bin/pyro).")
        Path command;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            Host h = Host.of(host, true);
            HostEnv env = HostEnv.current();
            HostCheck before = HostCheck.of(h, env);
            if (before.status() == HostCheck.Status.NOT_CONNECTED) {
                throw PyroException.notFound(h.wireName + " has no pyro entry in " + before.file()
                        + ": run pyro host connect " + h.wireName + ".");
            }
            if (before.status() == HostCheck.Status.OK) {
                print(new Connector.Result(h, before.file(), false, null, before.server()), json);
                return 0;
            }
            ServerOptions o = new ServerOptions();
            o.command = command;
            ServerCommand fixed = o.server(env, true);
            if (before.server() != null) {
                o.profile = before.server().option("--profile");
                o.mode = o.profile == null ? before.server().option("--mode") : null;
                ServerCommand kept = o.server(env, true);
                if (HostCheck.tryStart(kept) == null) {
                    fixed = kept;
                }
            }
            String failed = HostCheck.tryStart(fixed);
            if (failed != null) {
                throw PyroException.host("cannot repair " + h.wireName + ": " + failed);
            }
            print(Connector.connect(h, env, fixed), json);
            return 0;
        }
    }
}
