package pyro.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.ServiceOptions;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ServiceLogs;

@Command(name = "service", description = "Long-running services in a workspace (dev servers, databases, watchers) with readiness probes.",
        subcommands = {ServiceCommand.Start.class, ServiceCommand.ListCmd.class, ServiceCommand.Status.class,
            ServiceCommand.Logs.class, ServiceCommand.Stop.class},
        footer = {"%nExamples:", "  pyro workspace service start demo web --ready-tcp 8000 -- ./run-server", "  pyro workspace service list demo"})
final class ServiceCommand {
    static final String NAME = "The service's name (letters, digits, '.', '_', '-').";

    /** Services as a table: name, state (with why it ended and its restarts), pid while alive, ports, command. */
    static List<String> table(List<ServiceInfo> services) {
        Table t = new Table("NAME", "STATE", "PID", "STARTED", "PORTS", "COMMAND");
        for (ServiceInfo s : services) {
            boolean alive = "running".equals(s.state()) || "starting".equals(s.state());
            t.row(s.serviceName(), state(s), alive ? s.get("pid") : "-", Human.ago(s.get("started_at")),
                    ports(s), Human.words(s.get("command")));
        }
        return t.lines();
    }

    static String line(ServiceInfo s) {
        return String.join("\n", table(List.of(s)));
    }

    private static String state(ServiceInfo s) {
        String st = s.state();
        if (s.stopReason() != null && !"running".equals(st) && !s.stopReason().equals(st)) {
            st += " (" + s.stopReason() + (s.get("exit_code") instanceof Number n ? ", exit " + n : "") + ")";
        } else if (s.get("exit_code") instanceof Number n && !"running".equals(st)) {
            st += " (exit " + n + ")";
        }
        if (s.get("restart_count") instanceof Number n && n.intValue() > 0) {
            st += ", " + n + (n.intValue() == 1 ? " restart" : " restarts");
        }
        return st;
    }

    /** {@code 127.0.0.1:18080->8080} per published port, comma-separated. */
    private static String ports(ServiceInfo s) {
        StringBuilder sb = new StringBuilder();
        if (s.get("published_ports") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> p) {
                    sb.append(sb.isEmpty() ? "" : ",").append(p.get("host_address")).append(':').append(p.get("host_port"))
                            .append("->").append(p.get("guest_port"));
                }
            }
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    static final class Probe {
        @Option(names = "--ready-file", paramLabel = "PATH", description = "Ready when this file exists (relative to --cwd).")
        String file;

        @Option(names = "--ready-tcp", paramLabel = "[HOST:]PORT", description = "Ready when this TCP port accepts.")
        String tcp;

        @Option(names = "--ready-http", paramLabel = "URL", description = "Ready when this URL answers 2xx or 3xx.")
        String http;

        @Option(names = "--ready-command", paramLabel = "CMD", description = "Ready when this shell command exits 0.")
        String command;
    }

    @Command(name = "start", description = "Start a service; returns when it is running or has failed.",
        footer = {"%nExamples:", "  pyro workspace service start demo web --ready-tcp 8000 -- ./run-server", "  pyro workspace service start demo jobs --restart always --after web -- ./jobs"})
    static final class Start implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "NAME", description = NAME) String name;
        @Parameters(index = "2..*", paramLabel = "CMD", description = "The service's command and its arguments, after '--'.") List<String> command;
        @Option(paramLabel = "DIR", names = "--cwd", description = "Working folder inside /workspace.") String cwd;
        @Option(names = "--env", paramLabel = "K=V", description = "An environment variable for the service (repeatable).") List<String> env;
        @ArgGroup(exclusive = true, multiplicity = "0..1") Probe probe;
        @Option(paramLabel = "SECONDS", names = "--ready-timeout-seconds", defaultValue = "" + Readiness.DEFAULT_TIMEOUT_SECONDS,
                description = "Give up on the readiness probe after this many seconds (the service is then failed).") long timeout;
        @Option(paramLabel = "MS", names = "--ready-interval-ms", defaultValue = "" + Readiness.DEFAULT_INTERVAL_MS,
                description = "Milliseconds between two readiness probes.") long interval;
        @Option(names = "--restart", paramLabel = "no|on-failure|always", defaultValue = ServiceOptions.DEFAULT_RESTART,
                description = "Restart the service when it ends: never (no), when it fails (on-failure), or always.")
        String restart;
        @Option(names = "--max-restarts", paramLabel = "N", defaultValue = "" + ServiceOptions.DEFAULT_MAX_RESTARTS,
                description = "At most this many restarts in a row; then it is failed.")
        int maxRestarts;
        @Option(names = "--after", paramLabel = "NAME[:started|ready|exited-ok]",
                description = "Start once that service is ready (or started, or exited with 0); repeatable.")
        List<String> after;
        @Option(names = "--publish", paramLabel = "[HOST_PORT:]GUEST_PORT",
                description = "Forward the host's 127.0.0.1:HOST_PORT (a free port when omitted) to GUEST_PORT in the"
                        + " guest while the service runs; repeatable. Needs --network egress+published-ports.")
        List<String> publish;
        @Option(names = "--secret-env", paramLabel = "NAME[=ENV_VAR]",
                description = "Give the workspace secret NAME to the service as ENV_VAR (default NAME); repeatable.")
        List<String> secretEnv;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            Map<String, String> vars = new LinkedHashMap<>();
            if (env != null) {
                for (String kv : env) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw PyroException.invalid("--env '" + kv + "' is not K=V.");
                    }
                    vars.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            Readiness r = Readiness.none();
            if (probe != null) {
                if (probe.file != null) {
                    r = Readiness.file(probe.file);
                } else if (probe.tcp != null) {
                    r = tcp(probe.tcp);
                } else if (probe.http != null) {
                    r = Readiness.http(probe.http);
                } else if (probe.command != null) {
                    r = Readiness.command(probe.command);
                }
            }
            ServiceInfo s = Clients.pyro().startService(id, name, command == null ? List.of() : command,
                    ServiceOptions.defaults().cwd(cwd).env(vars).readiness(r.withTimeout(timeout, interval))
                            .restart(restart).maxRestarts(maxRestarts).after(after == null ? List.of() : after)
                            .publish(publish == null ? List.of() : publish)
                            .secretEnv(secretEnv == null ? List.of() : secretEnv));
            return VmCommand.show(json.on, s, line(s));
        }

        private static Readiness tcp(String spec) {
            return Readiness.tcp(spec, "--ready-tcp");
        }
    }

    @Command(name = "list", description = "List the workspace's services.",
        footer = {"%nExample:", "  pyro workspace service list demo"})
    static final class ListCmd implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var l = Clients.pyro().listServices(id);
            if (json.on) {
                Output.json(l);
            } else if (l.services().isEmpty()) {
                System.out.println("no services");
            } else {
                table(l.services()).forEach(System.out::println);
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show one service.",
        footer = {"%nExample:", "  pyro workspace service status demo web"})
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "NAME", description = NAME) String name;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            ServiceInfo s = Clients.pyro().statusService(id, name);
            return VmCommand.show(json.on, s, line(s));
        }
    }

    @Command(name = "logs", description = "A service's stdout and stderr; --after reads only what is new.",
        footer = {"%nExamples:", "  pyro workspace service logs demo web --tail-lines 50", "  pyro workspace service logs demo web --after 1024:0"})
    static final class Logs implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "NAME", description = NAME) String name;
        @Option(names = "--tail-lines", paramLabel = "N", description = "Only the last N lines of each stream (0 to 100000; default: all that is kept).") Integer tail;
        @Option(names = "--stream", defaultValue = "both", paramLabel = "stdout|stderr|both", description = "Which of the service's streams to print.") String stream;
        @Option(names = "--after", paramLabel = "STDOUT_OFFSET:STDERR_OFFSET",
                description = "Only what came after this cursor, as printed by the previous logs call ('next: --after ...').") String after;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            ServiceLogs l = Clients.pyro().logsService(id, name, tail, stream, after);
            if (json.on) {
                Output.json(l);
            } else {
                System.out.print(l.stdout() == null ? "" : l.stdout());
                System.err.print(l.stderr() == null ? "" : l.stderr());
                System.err.println("[pyro] next: --after " + l.after()
                        + (Boolean.TRUE.equals(l.get("truncated")) ? " (older output was dropped)" : ""));
            }
            return 0;
        }
    }

    @Command(name = "stop", description = "TERM the service's process group, wait the grace period, then KILL.",
        footer = {"%nExample:", "  pyro workspace service stop demo web --grace-seconds 2"})
    static final class Stop implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "NAME", description = NAME) String name;
        @Option(paramLabel = "SECONDS", names = "--grace-seconds", defaultValue = "" + Pyro.DEFAULT_SERVICE_GRACE_SECONDS,
                description = "Seconds between TERM and KILL.") long grace;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            ServiceInfo s = Clients.pyro().stopService(id, name, grace);
            return VmCommand.show(json.on, s, line(s));
        }
    }
}
