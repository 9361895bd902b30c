package pyro.cli;

import java.nio.file.Path;
import java.util.List;
import pyro.core.PyroException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.model.DiffEntry;
import pyro.core.model.DiffResult;
import pyro.core.model.WorkspaceInfo;

@Command(name = "workspace", description = "Persistent workspaces: a VM that stays up across calls, with /workspace seeded from a host folder.",
        subcommands = {WorkspaceCommand.Create.class, WorkspaceCommand.ListCmd.class, WorkspaceCommand.Status.class,
            WorkspaceCommand.Exec.class, WorkspaceCommand.Logs.class, WorkspaceCommand.Sync.class,
            WorkspaceCommand.Diff.class, WorkspaceCommand.Export.class, WorkspaceCommand.Delete.class,
            WorkspaceCommand.Update.class, FileCommand.class, PatchCommand.class, SnapshotCommand.class, WorkspaceCommand.Reset.class, WorkspaceCommand.Stop.class, WorkspaceCommand.Start.class,
            WorkspaceCommand.Fork.class, ServiceCommand.class, ShellCommand.class})
final class WorkspaceCommand {
    static String line(WorkspaceInfo w) {
        var c = w.serviceCounts();
        return w.workspaceId() + (w.name() != null ? " (" + w.name() + ")" : "") + "  " + w.state() + "  " + w.environment() + "  " + w.accel() + "  commands "
                + w.commandCount() + "  services " + c.total() + " (" + c.running() + " running)  expires "
                + w.expiresAt() + (w.snapshotCount() > 0 ? "  snapshots " + w.snapshotCount() : "")
                + (w.stateReason() != null ? "  (" + w.stateReason() + ")" : "");
    }

    @Command(name = "create", description = "Create and boot a workspace; --seed-path fills /workspace and sets the diff baseline.")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build") String env;
        @Option(names = "--name", description = "A unique name to use instead of the id in later calls.") String name;
        @Option(names = "--seed-path", paramLabel = "DIR|TAR", description = "A folder or a .tar/.tar.gz to unpack into /workspace.") Path seed;
        @Option(names = "--vcpu-count", defaultValue = "" + Pyro.DEFAULT_VCPUS) int vcpus;
        @Option(names = "--mem-mib", defaultValue = "" + Pyro.DEFAULT_MEM_MIB) int memMib;
        @Option(names = "--ttl-seconds", defaultValue = "" + Pyro.DEFAULT_TTL_SECONDS, description = "Delete after this long (default ${DEFAULT-VALUE}).") long ttl;
        @Option(names = "--network", arity = "0..1", paramLabel = NetworkOption.LABEL,
                parameterConsumer = NetworkOption.class,
                description = "Network policy (default off: no network device). Alone: egress, outbound through passt,"
                        + " the host's loopback out of reach; egress+published-ports also lets services --publish ports"
                        + " on the host's 127.0.0.1.") String network;
        @Option(names = "--cold", description = "Boot the guest even when a saved, booted one could be restored.") boolean cold;
        @Option(names = "--secret", paramLabel = "NAME=VALUE",
                description = "A secret kept in the guest only (repeatable); processes get it with --secret-env, and its"
                        + " value is redacted from all output. NAME: letters, digits, _, not a digit first, at most 64.")
        List<String> secret;
        @Option(names = "--secret-file", paramLabel = "NAME=PATH",
                description = "A secret whose value is a host file's text (one trailing newline dropped); repeatable.")
        List<String> secretFile;
        @Option(names = "--id-only", description = "Print only the workspace id.") boolean idOnly;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            pyro.core.WorkspaceOptions o = new pyro.core.WorkspaceOptions(env, name, seed, vcpus, memMib,
                    ttl, NetworkOption.policy(network), cold);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String s : secret == null ? List.<String>of() : secret) {
                int eq = s.indexOf('=');
                if (eq <= 0) {
                    throw PyroException.invalid("--secret '" + (eq < 0 ? s : s.substring(0, eq))
                            + "' is not NAME=VALUE.");
                }
                o = o.secret(once(seen, s.substring(0, eq)), s.substring(eq + 1));
            }
            for (String s : secretFile == null ? List.<String>of() : secretFile) {
                int eq = s.indexOf('=');
                if (eq <= 0 || eq == s.length() - 1) {
                    throw PyroException.invalid("--secret-file '" + s + "' is not NAME=PATH.");
                }
                String secretName = once(seen, s.substring(0, eq));
                o = o.secret(secretName, pyro.core.WorkspaceOptions.readSecretFile(secretName, Path.of(s.substring(eq + 1))));
            }
            WorkspaceInfo w = Clients.pyro().createWorkspace(o);
            if (idOnly && !json) {
                System.out.println(w.workspaceId());
                return 0;
            }
            return VmCommand.show(json, w, line(w));
        }
    }

    private static String once(java.util.Set<String> seen, String secretName) {
        if (!seen.add(secretName)) {
            throw PyroException.invalid("secret '" + secretName + "' is given twice.");
        }
        return secretName;
    }

    @Command(name = "list", description = "List workspaces.")
    static final class ListCmd implements Callable<Integer> {
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var l = Clients.pyro().listWorkspaces();
            if (json) {
                Output.json(l);
            } else if (l.workspaces().isEmpty()) {
                System.out.println("no workspaces");
            } else {
                l.workspaces().forEach(w -> System.out.println(line(w)));
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show a workspace.")
    static final class Status implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().statusWorkspace(id);
            return VmCommand.show(json, w, line(w));
        }
    }

    @Command(name = "exec", description = "Run a command in /workspace (argv as given; wrap in sh -c for shell syntax).")
    static final class Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1..*", paramLabel = "CMD") List<String> command;
        @Option(names = "--timeout-seconds", defaultValue = "" + Pyro.DEFAULT_TIMEOUT_SECONDS) long timeout;
        @Option(names = "--cwd", description = "Working folder inside /workspace.") String cwd;
        @Option(names = "--secret-env", paramLabel = "NAME[=ENV_VAR]",
                description = "Give the workspace secret NAME to the command as ENV_VAR (default NAME); repeatable.")
        List<String> secretEnv;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().execWorkspace(id, command == null ? List.of() : command, cwd, timeout,
                    secretEnv == null ? List.of() : secretEnv, ExecOutput.live(json));
            return ExecOutput.print(r, json ? r : null, timeout, !json);
        }
    }

    @Command(name = "logs", description = "The exec journal: sequence, command, exit code, times.")
    static final class Logs implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var l = Clients.pyro().logsWorkspace(id);
            if (json) {
                Output.json(l);
            } else {
                for (Map<String, Object> e : l.entries()) {
                    System.out.printf("#%s  exit %s  %s ms  %s  %s%n", e.get("sequence"), e.get("exit_code"),
                            e.get("duration_ms"), e.get("started_at"), e.get("command"));
                }
            }
            return 0;
        }
    }

    @Command(name = "sync", description = "Push host files into the workspace.", subcommands = Sync.Push.class)
    static final class Sync {
        @Command(name = "push", description = "Unpack a folder or .tar/.tar.gz into /workspace (or --dest inside it).")
        static final class Push implements Callable<Integer> {
            @Parameters(index = "0", paramLabel = "WS") String id;
            @Parameters(index = "1", paramLabel = "SOURCE") Path source;
            @Option(names = "--dest", description = "Destination folder inside /workspace.") String dest;
            @Option(names = "--json") boolean json;

            @Override
            public Integer call() {
                var r = Clients.pyro().pushWorkspaceSync(id, source, dest);
                return VmCommand.show(json, r, "pushed " + r.files() + " files (" + r.bytes() + " bytes) to " + r.dest());
            }
        }
    }

    @Command(name = "diff", description = "What changed in /workspace since the workspace was created.")
    static final class Diff implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            DiffResult d = Clients.pyro().diffWorkspace(id);
            if (json) {
                Output.json(d);
            } else if (!d.changed()) {
                System.out.println("no changes");
            } else {
                for (DiffEntry e : d.entries()) {
                    System.out.printf("%-12s %s%s%n", e.status(), e.path(), e.binary() ? " (binary)" : "");
                }
                System.out.print(d.patch());
            }
            return 0;
        }
    }

    @Command(name = "export", description = "Copy a file or folder out of /workspace to the host (written atomically).")
    static final class Export implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "PATH") String path;
        @Option(names = "--output", required = true, paramLabel = "HOST_PATH") Path output;
        @Option(names = "--max-bytes", paramLabel = "N", description = "Refuse exports larger than this "
                + "(apparent size; default 1073741824, and never more than the output folder's free space).")
        long maxBytes = Pyro.DEFAULT_EXPORT_MAX_BYTES;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().exportWorkspace(id, path, output, maxBytes);
            return VmCommand.show(json, r, "exported " + r.artifactType() + " " + r.path() + " to " + r.outputPath());
        }
    }

    @Command(name = "delete", description = "Stop the workspace's VM and remove all its state.")
    static final class Delete implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().deleteWorkspace(id);
            return VmCommand.show(json, r, "deleted " + r.id());
        }
    }

    @Command(name = "reset", description = "Bring the workspace back to a snapshot exactly as it was (files, running services, shells), or without --snapshot to its create-time files in a fresh guest.")
    static final class Reset implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--snapshot", paramLabel = "NAME", description = "The snapshot to go back to (default: the create-time state).") String snapshot;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().resetWorkspace(id, snapshot);
            return VmCommand.show(json, w, "reset to " + (snapshot == null ? "the create-time state" : "snapshot " + snapshot)
                    + ": " + line(w));
        }
    }

    @Command(name = "stop", description = "Suspend the workspace to disk (no CPU, no guest memory held); 'start' resumes it with its services.")
    static final class Stop implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().stopWorkspace(id);
            return VmCommand.show(json, w, line(w));
        }
    }

    @Command(name = "start", description = "Resume a stopped workspace where it was stopped.")
    static final class Start implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().startWorkspace(id);
            return VmCommand.show(json, w, line(w));
        }
    }

    @Command(name = "fork", description = "A new workspace from a running one's current state (files, services, shells); each has its own disk from then on.")
    static final class Fork implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--name", description = "A unique name for the new workspace.") String name;
        @Option(names = "--id-only", description = "Print only the new workspace's id.") boolean idOnly;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().forkWorkspace(id, name);
            if (idOnly && !json) {
                System.out.println(w.workspaceId());
                return 0;
            }
            return VmCommand.show(json, w, line(w));
        }
    }

    @Command(name = "update", description = "Change a workspace's TTL (it expires that long after its last use) or name.")
    static final class Update implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--ttl-seconds", description = "The new idle timeout, counted from now.") Long ttl;
        @Option(names = "--name", description = "A new unique name.") String name;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().updateWorkspace(id, ttl, name);
            return VmCommand.show(json, w, line(w));
        }
    }
}
