package pyro.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import pyro.core.model.DeleteResult;
import pyro.core.model.DiffResult;
import pyro.core.model.ExecResult;
import pyro.core.model.ExportResult;
import pyro.core.model.FileContent;
import pyro.core.model.FileListing;
import pyro.core.model.FileWriteResult;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ServiceList;
import pyro.core.model.ServiceLogs;
import pyro.core.model.ShellAck;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;
import pyro.core.model.SnapshotInfo;
import pyro.core.model.SnapshotList;
import pyro.core.model.SyncResult;
import pyro.core.model.WorkspaceInfo;
import pyro.core.model.WorkspaceLogs;

/**
 * One workspace, by id or name: what a user does to it, grouped as they think of it ({@link #files()},
 * {@link #services()}, {@link #shells()}, {@link #snapshots()}), the shape the HTTP API's routes
 * follow ({@code /v1/workspaces/{id}/files}, {@code .../services}, ...). Made by
 * {@link Pyro#workspace(String)}; it holds no state of its own, so a handle is as good as its id and
 * two handles of one workspace see the same thing. Times are {@link Duration}s; the operations that
 * take many settings take one of their own option values ({@link Exec}, {@link ServiceOptions}).
 *
 * <pre>{@code
 * Workspace ws = pyro.workspace("api");
 * ExecResult r = ws.exec(Workspace.Exec.of("make test").cwd("src").timeout(Duration.ofMinutes(5)));
 * ws.files().write("notes.txt", "done\n");
 * ws.services().start("web", "python3 -m http.server 8000", ServiceOptions.defaults().readiness(Readiness.tcp("127.0.0.1", 8000)));
 * ws.snapshots().create("green");
 * }</pre>
 */
public final class Workspace {
    private final Pyro pyro;
    private final String id;

    Workspace(Pyro pyro, String id) {
        this.pyro = Objects.requireNonNull(pyro);
        if (id == null || id.isBlank()) {
            throw PyroException.invalid("a workspace handle needs a workspace id or name, got '" + id + "'.");
        }
        this.id = id;
    }

    /** The id or name this handle was made with. */
    public String id() {
        return id;
    }

    public WorkspaceInfo status() {
        return pyro.statusWorkspace(id);
    }

    /** One shell command line ({@code sh -lc}) with the defaults: /workspace, 30 s. */
    public ExecResult exec(String shellCommand) {
        return exec(Exec.of(shellCommand));
    }

    public ExecResult exec(Exec e) {
        return pyro.execWorkspace(id, e.argv, e.cwd, seconds(e.timeout, "timeout"), e.secretEnv, e.output);
    }

    public WorkspaceLogs journal() {
        return pyro.logsWorkspace(id);
    }

    public DiffResult diff() {
        return pyro.diffWorkspace(id);
    }

    public SyncResult push(Path source, String dest) {
        return pyro.pushWorkspaceSync(id, source, dest);
    }

    public ExportResult export(String path, Path output) {
        return pyro.exportWorkspace(id, path, output);
    }

    public WorkspaceInfo stop() {
        return pyro.stopWorkspace(id);
    }

    public WorkspaceInfo start() {
        return pyro.startWorkspace(id);
    }

    /** A new workspace from this one's current state, named {@code name} (null: no name). */
    public Workspace fork(String name) {
        return new Workspace(pyro, pyro.forkWorkspace(id, name).workspaceId());
    }

    /** Back to the create-time state (a fresh guest with the seed's files). */
    public WorkspaceInfo reset() {
        return pyro.resetWorkspace(id, null);
    }

    public DeleteResult delete() {
        return pyro.deleteWorkspace(id);
    }

    public Files files() {
        return new Files();
    }

    public Services services() {
        return new Services();
    }

    public Shells shells() {
        return new Shells();
    }

    public Snapshots snapshots() {
        return new Snapshots();
    }

    @Override
    public String toString() {
        return "Workspace[" + id + "]";
    }

    static long seconds(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw PyroException.invalid(what + " must be a positive duration, got " + d + ".");
        }
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /**
     * How to run one command: {@link #of(String)} (a shell line) or {@link #argv(String...)}, then what
     * differs from the defaults (/workspace, 30 s, no secrets, output returned at the end).
     */
    public static final class Exec {
        private final List<String> argv;
        private final String cwd;
        private final Duration timeout;
        private final List<String> secretEnv;
        private final OutputListener output;

        private Exec(List<String> argv, String cwd, Duration timeout, List<String> secretEnv, OutputListener output) {
            this.argv = List.copyOf(argv);
            this.cwd = cwd;
            this.timeout = timeout;
            this.secretEnv = List.copyOf(secretEnv);
            this.output = output;
        }

        /** A shell command line, run by {@code sh -lc}: pipes, {@code &&} and redirects work. */
        public static Exec of(String shellCommand) {
            return new Exec(Pyro.shell(shellCommand), null, Duration.ofSeconds(Pyro.DEFAULT_TIMEOUT_SECONDS), List.of(), null);
        }

        /** An argv, run as it is. */
        public static Exec argv(String... argv) {
            return new Exec(List.of(argv), null, Duration.ofSeconds(Pyro.DEFAULT_TIMEOUT_SECONDS), List.of(), null);
        }

        /** Inside /workspace (absolute, or relative to /workspace). */
        public Exec cwd(String dir) {
            return new Exec(argv, dir, timeout, secretEnv, output);
        }

        public Exec timeout(Duration d) {
            return new Exec(argv, cwd, d, secretEnv, output);
        }

        /** Workspace secrets as variables: {@code NAME} or {@code NAME=ENV_VAR} each. */
        public Exec secretEnv(String... mappings) {
            return new Exec(argv, cwd, timeout, List.of(mappings), output);
        }

        /** The output as the guest produces it, besides the result at the end. */
        public Exec onOutput(OutputListener listener) {
            return new Exec(argv, cwd, timeout, secretEnv, listener);
        }
    }

    /** Files in /workspace by path. */
    public final class Files {
        private Files() {}

        public FileListing list(String path) {
            return pyro.listFiles(id, path, false);
        }

        public FileListing listRecursively(String path) {
            return pyro.listFiles(id, path, true);
        }

        /** The file as text (up to 256 KiB from the start; {@link Pyro#readFile} reads parts). */
        public FileContent read(String path) {
            return pyro.readFile(id, path, null, null);
        }

        public FileWriteResult write(String path, String text) {
            return pyro.writeFile(id, path, text, null);
        }

        /** Writes only if the file is still what a read returned ({@code sha256}), or absent ({@code "new"}). */
        public FileWriteResult writeIfUnchanged(String path, String text, String sha256) {
            return pyro.writeFile(id, path, text, Objects.requireNonNull(sha256, "sha256"));
        }

        public FileWriteResult patch(String unifiedDiff) {
            return pyro.applyPatch(id, unifiedDiff);
        }
    }

    /** Long-running processes with readiness probes and restart policies. */
    public final class Services {
        private Services() {}

        public ServiceInfo start(String name, String shellCommand, ServiceOptions options) {
            return pyro.startService(id, name, shellCommand, options);
        }

        public ServiceList list() {
            return pyro.listServices(id);
        }

        public ServiceInfo status(String name) {
            return pyro.statusService(id, name);
        }

        public ServiceLogs logs(String name, LogQuery query) {
            return pyro.logsService(id, name, query);
        }

        /** TERM, then KILL after {@code grace}. */
        public ServiceInfo stop(String name, Duration grace) {
            return pyro.stopService(id, name, seconds(grace, "grace"));
        }
    }

    /** Interactive PTY shells, read by cursor. */
    public final class Shells {
        private Shells() {}

        public ShellInfo open() {
            return pyro.openShell(id, null, Pyro.DEFAULT_SHELL_COLS, Pyro.DEFAULT_SHELL_ROWS);
        }

        /** Output past {@code cursor}, waiting up to {@code wait} for some when there is none yet. */
        public ShellRead read(String shellId, long cursor, Duration wait) {
            return pyro.readShell(id, shellId, cursor, Pyro.DEFAULT_SHELL_MAX_CHARS, (int) Math.min(Integer.MAX_VALUE,
                    wait == null ? 0 : wait.toMillis()));
        }

        /** Types {@code line} and Enter. */
        public ShellAck writeLine(String shellId, String line) {
            return pyro.writeShell(id, shellId, line, true);
        }

        public ShellAck signal(String shellId, String signal) {
            return pyro.signalShell(id, shellId, signal);
        }

        public ShellInfo close(String shellId) {
            return pyro.closeShell(id, shellId);
        }
    }

    /** Whole-machine snapshots: files, memory, running services and shells. */
    public final class Snapshots {
        private Snapshots() {}

        public SnapshotInfo create(String name) {
            return pyro.createSnapshot(id, name);
        }

        public SnapshotList list() {
            return pyro.listSnapshots(id);
        }

        public SnapshotInfo delete(String name) {
            return pyro.deleteSnapshot(id, name);
        }

        /** The workspace back exactly as it was when {@code name} was taken. */
        public WorkspaceInfo resetTo(String name) {
            return pyro.resetWorkspace(id, Objects.requireNonNull(name, "name"));
        }
    }
}
