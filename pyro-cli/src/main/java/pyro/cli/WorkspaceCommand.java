package pyro.cli;

import java.nio.file.Path;
import java.util.List;
import pyro.core.PyroException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
            WorkspaceCommand.Fork.class, ServiceCommand.class, ShellCommand.class},
        footer = {"%nExamples:", "  pyro workspace create debian:12 --seed-path ./my-repo --name demo",
            "  pyro workspace exec demo -- sh -c 'make test'", "  pyro workspace diff demo",
            "  pyro workspace delete demo",
            "%nWS is a workspace's id (ws-...) or its --name. A workspace's TTL is an idle timeout: each use renews it;"
                    + " when it passes, the VM is stopped (the record stays until deleted)."})
final class WorkspaceCommand {
    static final String WS = "The workspace: its id (ws-...) or its name.";

    static String line(WorkspaceInfo w) {
        return WorkspaceView.text(w);
    }

    @Command(name = "create", description = "Create and boot a workspace; --seed-path fills /workspace and sets the diff baseline.",
        footer = {"%nExamples:", "  pyro workspace create debian:12 --seed-path . --name demo", "  pyro workspace create debian:12-build --network --ttl-seconds 3600 --id-only"})
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build") String env;
        @Option(paramLabel = "NAME", names = "--name", description = "A unique name to use instead of the id in later calls.") String name;
        @Option(names = "--seed-path", paramLabel = "DIR|TAR", description = "A folder or a .tar/.tar.gz to unpack into /workspace.") Path seed;
        @Option(paramLabel = "N", names = "--vcpu-count", defaultValue = "" + Pyro.DEFAULT_VCPUS, description = "Virtual CPUs, 1 to 16.") int vcpus;
        @Option(paramLabel = "MIB", names = "--mem-mib", defaultValue = "" + Pyro.DEFAULT_MEM_MIB, description = "Guest memory in MiB, 256 to 32768.") int memMib;
        @Option(paramLabel = "SECONDS", names = "--ttl-seconds", defaultValue = "" + Pyro.DEFAULT_TTL_SECONDS,
                description = "Idle timeout, 30 to 604800 s: each use (exec, files, services, shells...) renews it;"
                        + " when it passes unused, the VM is stopped and the workspace is expired (delete it then).") long ttl;
        @Option(names = {"--network", "--network-policy"}, arity = "0..1", paramLabel = NetworkOption.LABEL,
                parameterConsumer = NetworkOption.class,
                description = "Network policy (default off: no network device). Alone: egress, outbound through passt,"
                        + " the host's loopback out of reach; egress+published-ports also lets services --publish ports"
                        + " on the host's 127.0.0.1.") String network;
        @Option(names = "--cold", description = "Boot the guest even when a saved, booted one could be restored.") boolean cold;
        @Option(names = "--secret", paramLabel = "NAME[=VALUE]",
                description = "A secret kept in the guest only (repeatable); processes get it with --secret-env, and its"
                        + " value is redacted from all output. NAME alone takes the value from the environment variable"
                        + " NAME, so it is not in the process list as NAME=VALUE would be. NAME: letters, digits, _, not"
                        + " a digit first, at most 64.")
        List<String> secret;
        @Option(names = "--secret-file", paramLabel = "NAME=PATH",
                description = "A secret whose value is a host file's text (one trailing newline dropped); repeatable.")
        List<String> secretFile;
        @Option(names = "--id-only", description = "Print only the workspace id.") boolean idOnly;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            pyro.core.WorkspaceOptions o = new pyro.core.WorkspaceOptions(env, name, seed, vcpus, memMib,
                    ttl, NetworkOption.policy(network), cold);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String s : secret == null ? List.<String>of() : secret) {
                int eq = s.indexOf('=');
                if (eq < 0 && s.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
                    String fromEnv = System.getenv(s);
                    if (fromEnv == null) {
                        throw PyroException.invalid("--secret " + s + " takes its value from the environment variable "
                                + s + ", which is not set: export it first (or give NAME=VALUE).");
                    }
                    o = o.secret(once(seen, s), fromEnv);
                    continue;
                }
                if (eq <= 0) { // never echo it: a mistyped argument may be the value itself
                    throw PyroException.invalid("a --secret argument is neither NAME=VALUE nor a NAME (its text is not "
                            + "shown, in case it is the value).");
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
            if (idOnly && !json.on) {
                System.out.println(w.workspaceId());
                return 0;
            }
            return VmCommand.show(json.on, w, line(w));
        }
    }

    private static String once(java.util.Set<String> seen, String secretName) {
        if (!seen.add(secretName)) {
            throw PyroException.invalid("secret '" + secretName + "' is given twice.");
        }
        return secretName;
    }

    @Command(name = "list", description = "List workspaces.",
        footer = {"%nExamples:", "  pyro workspace list", "  pyro workspace list --json"})
    static final class ListCmd implements Callable<Integer> {
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var l = Clients.pyro().listWorkspaces();
            if (json.on) {
                Output.json(l);
            } else if (l.workspaces().isEmpty()) {
                System.out.println("no workspaces");
            } else {
                WorkspaceView.table(l.workspaces(), java.time.Instant.now()).forEach(System.out::println);
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show a workspace.",
        footer = {"%nExample:", "  pyro workspace status demo"})
    static final class Status implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().statusWorkspace(id);
            return VmCommand.show(json.on, w, line(w));
        }
    }

    @Command(name = "exec", description = "Run a command in /workspace (argv as given; wrap in sh -c for shell syntax).",
        footer = {"%nExamples:", "  pyro workspace exec demo -- python3 -m pytest -q", "  pyro workspace exec demo --cwd src -- sh -c 'ls | wc -l'"})
    static final class Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WS) String id;
        @Parameters(index = "1..*", paramLabel = "CMD", description = "The command and its arguments, after '--'.") List<String> command;
        @Option(paramLabel = "SECONDS", names = "--timeout-seconds", defaultValue = "" + Pyro.DEFAULT_TIMEOUT_SECONDS, description = "Kill the command after this many seconds; the exit status is then 5.") long timeout;
        @Option(paramLabel = "DIR", names = "--cwd", description = "Working folder inside /workspace.") String cwd;
        @Option(names = "--secret-env", paramLabel = "NAME[=ENV_VAR]",
                description = "Give the workspace secret NAME to the command as ENV_VAR (default NAME); repeatable.")
        List<String> secretEnv;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().execWorkspace(id, command == null ? List.of() : command, cwd, timeout,
                    secretEnv == null ? List.of() : secretEnv, ExecOutput.live(json.on));
            return ExecOutput.print(r, json.on ? r : null, timeout, !json.on);
        }
    }

    @Command(name = "logs", description = "The exec journal: sequence, command, exit code, times.",
        footer = {"%nExample:", "  pyro workspace logs demo"})
    static final class Logs implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var l = Clients.pyro().logsWorkspace(id);
            if (json.on) {
                Output.json(l);
            } else {
                Table t = new Table("#", "EXIT", "TOOK", "STARTED", "COMMAND");
                for (Map<String, Object> e : l.entries()) {
                    t.row(e.get("sequence"), Boolean.TRUE.equals(e.get("timed_out")) ? "timeout" : e.get("exit_code"),
                            e.get("duration_ms") + " ms", Human.ago(e.get("started_at")), Human.words(e.get("command")));
                }
                if (l.entries().isEmpty()) {
                    System.out.println("no commands run yet");
                } else {
                    t.print(System.out);
                }
            }
            return 0;
        }
    }

    @Command(name = "sync", description = "Push host files into the workspace.", subcommands = Sync.Push.class,
        footer = {"%nExample:", "  pyro workspace sync push demo ./fixtures --dest tests/fixtures"})
    static final class Sync {
        @Command(name = "push", description = "Unpack a folder or .tar/.tar.gz into /workspace (or --dest inside it).",
        footer = {"%nExample:", "  pyro workspace sync push demo ./fixtures --dest tests/fixtures"})
        static final class Push implements Callable<Integer> {
            @Parameters(index = "0", paramLabel = "WS", description = WS) String id;
            @Parameters(index = "1", paramLabel = "SOURCE", description = "A host folder, or a .tar/.tar.gz archive.") Path source;
            @Option(paramLabel = "DIR", names = "--dest", description = "Destination folder inside /workspace.") String dest;
            @Mixin JsonOption json;

            @Override
            public Integer call() {
                var r = Clients.pyro().pushWorkspaceSync(id, source, dest);
                return VmCommand.show(json.on, r, "pushed " + r.files() + " files (" + r.bytes() + " bytes) to " + r.dest());
            }
        }
    }

    @Command(name = "diff", description = "What changed in /workspace since the workspace was created.",
        footer = {"%nExamples:", "  pyro workspace diff demo", "  pyro workspace diff demo --json"})
    static final class Diff implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            DiffResult d = Clients.pyro().diffWorkspace(id);
            if (json.on) {
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

    @Command(name = "export", description = "Copy a file or folder out of /workspace to the host (written atomically).",
        footer = {"%nExample:", "  pyro workspace export demo dist --output ./dist-from-guest"})
    static final class Export implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WS) String id;
        @Parameters(index = "1", paramLabel = "PATH", description = "A file or folder, relative to /workspace or absolute inside it.") String path;
        @Option(names = "--output", required = true, paramLabel = "HOST_PATH", description = "Where to write it on the host (its parent folder must exist).") Path output;
        @Option(names = "--max-bytes", paramLabel = "N", description = "Refuse exports larger than this "
                + "(apparent size; default 1073741824, and never more than the output folder's free space).")
        long maxBytes = Pyro.DEFAULT_EXPORT_MAX_BYTES;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().exportWorkspace(id, path, output, maxBytes);
            return VmCommand.show(json.on, r, "exported " + r.artifactType() + " " + r.path() + " to " + r.outputPath());
        }
    }

    @Command(name = "delete", description = "Stop the workspace's VM and remove all its state.",
        footer = {"%nExample:", "  pyro workspace delete demo"})
    static final class Delete implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().deleteWorkspace(id);
            return VmCommand.show(json.on, r, "deleted " + r.id());
        }
    }

    @Command(name = "reset", description = "Bring the workspace back to a snapshot exactly as it was (files, running services, shells), or without --snapshot to its create-time files in a fresh guest.",
        footer = {"%nExamples:", "  pyro workspace reset demo", "  pyro workspace reset demo --snapshot before-upgrade"})
    static final class Reset implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Option(names = "--snapshot", paramLabel = "NAME", description = "The snapshot to go back to (default: the create-time state).") String snapshot;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().resetWorkspace(id, snapshot);
            return VmCommand.show(json.on, w, "reset to " + (snapshot == null ? "the create-time state" : "snapshot " + snapshot)
                    + ": " + line(w));
        }
    }

    @Command(name = "stop", description = "Suspend the workspace to disk (no CPU, no guest memory held); 'start' resumes it with its services.",
        footer = {"%nExample:", "  pyro workspace stop demo"})
    static final class Stop implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().stopWorkspace(id);
            return VmCommand.show(json.on, w, line(w));
        }
    }

    @Command(name = "start", description = "Resume a stopped workspace where it was stopped.",
        footer = {"%nExample:", "  pyro workspace start demo"})
    static final class Start implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().startWorkspace(id);
            return VmCommand.show(json.on, w, line(w));
        }
    }

    @Command(name = "fork", description = "A new workspace from a running one's current state (files, services, shells); each has its own disk from then on.",
        footer = {"%nExample:", "  pyro workspace fork demo --name demo-try2"})
    static final class Fork implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Option(paramLabel = "NAME", names = "--name", description = "A unique name for the new workspace.") String name;
        @Option(names = "--id-only", description = "Print only the new workspace's id.") boolean idOnly;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().forkWorkspace(id, name);
            if (idOnly && !json.on) {
                System.out.println(w.workspaceId());
                return 0;
            }
            return VmCommand.show(json.on, w, line(w));
        }
    }

    @Command(name = "update", description = "Change a workspace's TTL (it expires that long after its last use) or name.",
        footer = {"%nExamples:", "  pyro workspace update demo --ttl-seconds 7200", "  pyro workspace update demo --name demo2"})
    static final class Update implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WS) String id;
        @Option(paramLabel = "SECONDS", names = "--ttl-seconds", description = "The new idle timeout (30 to 604800 s), counted from now; each use renews it.") Long ttl;
        @Option(paramLabel = "NAME", names = "--name", description = "A new unique name.") String name;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            WorkspaceInfo w = Clients.pyro().updateWorkspace(id, ttl, name);
            return VmCommand.show(json.on, w, line(w));
        }
    }
}
