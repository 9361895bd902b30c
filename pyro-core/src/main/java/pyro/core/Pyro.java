package pyro.core;

import pyro.protocol.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import pyro.core.internal.Instance;
import pyro.core.internal.StateStore;
import pyro.core.internal.VmManager;
import pyro.core.internal.ServiceManager;
import pyro.core.internal.ShellManager;
import pyro.core.internal.WorkspaceManager;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ServiceList;
import pyro.core.model.ServiceLogs;
import pyro.core.model.ShellAck;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;
import pyro.core.model.DiffResult;
import pyro.core.model.ExportResult;
import pyro.core.model.SyncResult;
import pyro.core.model.WorkspaceInfo;
import pyro.core.model.WorkspaceList;
import pyro.core.model.WorkspaceLogs;
import pyro.core.model.DeleteResult;
import pyro.core.model.DoctorReport;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.EnvironmentList;
import pyro.core.model.ExecResult;
import pyro.core.model.PruneResult;
import pyro.core.model.ReapResult;
import pyro.core.model.RunResult;
import pyro.core.model.VmInfo;
import pyro.core.model.WarmInfo;
import pyro.core.spi.Backend;
import pyro.core.spi.BackendProvider;
import pyro.core.spi.ProgressSink;

/**
 * The pyro SDK: one object per configuration, safe to use from many threads. Every method returns a
 * record whose {@code toJson()} is exactly what the CLI's {@code --json} and the MCP tools print,
 * and throws {@link PyroException} (with an {@link ErrorCode}) for documented failures.
 *
 * <pre>{@code
 * Pyro pyro = Pyro.create();
 * RunResult r = pyro.runInVm("debian:12", List.of("git", "--version"));
 * }</pre>
 */
public final class Pyro {
    public static final String VERSION = pyro.protocol.Version.PYRO;
    public static final int DEFAULT_VCPUS = 1;
    public static final int DEFAULT_MEM_MIB = 1024;
    public static final long DEFAULT_TIMEOUT_SECONDS = 30;
    public static final long DEFAULT_TTL_SECONDS = 600;
    /** The default size limit of one export (1 GiB), overridable per call. */
    public static final long DEFAULT_EXPORT_MAX_BYTES = 1L << 30;
    /** Shell terminal size and read size, and a service's TERM-to-KILL grace: the CLI's and MCP's defaults. */
    public static final int DEFAULT_SHELL_COLS = 120;
    public static final int DEFAULT_SHELL_ROWS = 30;
    public static final int DEFAULT_SHELL_MAX_CHARS = 65536;
    public static final long DEFAULT_SERVICE_GRACE_SECONDS = 10;
    /** The most one file write (or all the files one patch writes) may carry: 8 MiB. */
    public static final int WRITE_MAX_BYTES = pyro.core.internal.WorkspaceEdits.WRITE_MAX_BYTES;
    /** The longest patch text {@link #applyPatch} takes: 16 MiB. */
    public static final int PATCH_MAX_BYTES = pyro.core.internal.WorkspaceEdits.PATCH_MAX_BYTES;

    private final PyroConfig config;
    private final Backend backend;
    private final VmManager vms;
    private final WorkspaceManager workspaces;
    private final pyro.core.internal.WorkspaceMachines machines;
    private final pyro.core.internal.WorkspaceEdits edits;
    private final ServiceManager services;
    private final ShellManager shells;
    private volatile ProgressSink progress = ProgressSink.NONE;

    private Pyro(PyroConfig config, Backend backend) {
        this.config = config;
        this.backend = backend;
        StateStore store = new StateStore(config.stateDir());
        store.warnings(line -> progress.line(line));
        this.vms = new VmManager(store, backend, config.maxActiveVms());
        this.services = new ServiceManager(vms);
        this.shells = new ShellManager(vms);
        this.workspaces = new WorkspaceManager(vms, services, shells);
        this.machines = new pyro.core.internal.WorkspaceMachines(vms, workspaces);
        this.edits = new pyro.core.internal.WorkspaceEdits(vms);
    }

    /** A client with the default folders ({@link PyroConfig#defaults()}) and the best backend for this host. */
    public static Pyro create() {
        return create(PyroConfig.defaults());
    }

    public static Pyro create(PyroConfig config) {
        return new Pyro(config, selectBackend(config));
    }

    /** For tests and embedders that bring their own backend. */
    public static Pyro create(PyroConfig config, Backend backend) {
        return new Pyro(config, backend);
    }

    private static Backend selectBackend(PyroConfig config) {
        return choose(providers(), config.backend()).create(config);
    }

    private static List<BackendProvider> providers() {
        List<BackendProvider> providers = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Pyro.class.getClassLoader()).forEach(providers::add);
        return providers;
    }

    /**
     * The provider for {@code wanted} ({@code auto} or null: the first available one). A provider
     * asked for by name is returned even when unavailable, so that its {@code create} says why; in
     * auto mode an unavailable provider is never chosen.
     */
    static BackendProvider choose(List<BackendProvider> providers, String wanted) {
        if (providers.isEmpty()) {
            throw PyroException.host("no VM backend is installed (module pyro.kvm is missing).");
        }
        String name = wanted == null ? "auto" : wanted;
        if (!"auto".equals(name)) {
            for (BackendProvider p : providers) {
                if (p.name().equals(name)) {
                    return p;
                }
            }
            throw PyroException.invalid("unknown backend '" + name + "': use auto, "
                    + String.join(", ", providers.stream().map(BackendProvider::name).toList()) + ".");
        }
        for (BackendProvider p : providers) {
            if (p.available()) {
                return p;
            }
        }
        // Nothing usable: the default backend (qemu) explains what is missing when it is used.
        return providers.stream().filter(p -> p.name().equals("qemu")).findFirst().orElse(providers.getFirst());
    }

    /** Long operations (environment builds, boots) report lines here; the CLI prints them on stderr. */
    public Pyro withProgress(ProgressSink sink) {
        this.progress = sink == null ? ProgressSink.NONE : sink;
        return this;
    }

    public PyroConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    // ---- host -------------------------------------------------------------------------------

    public DoctorReport doctor() {
        Map<String, Object> facts = new java.util.LinkedHashMap<>(backend.doctor());
        facts.put("state_dir", config.stateDir().toString());
        facts.put("cache_dir", config.cacheDir().toString());
        facts.put("pyro_version", VERSION);
        List<Map<String, Object>> backends = new ArrayList<>();
        for (BackendProvider p : providers()) {
            Map<String, Object> b = new java.util.LinkedHashMap<>();
            b.put("name", p.name());
            b.put("available", p.available());
            b.put("reason", p.unavailableReason());
            backends.add(b);
        }
        facts.put("backends", backends);
        boolean ok = Boolean.TRUE.equals(facts.get("guests_can_run"));
        return new DoctorReport(ok, facts);
    }

    /**
     * {@link #doctor()} plus, under {@code warm}, whether VMs of {@code environment} boot warm or cold
     * per size ({@code warm}, {@code stale}, {@code cold}, each with the command that fixes it).
     */
    public DoctorReport doctor(String environment) {
        DoctorReport r = doctor();
        if (environment == null) {
            return r;
        }
        backend.inspectEnvironment(environment); // an unknown name is refused by name
        Map<String, Object> facts = new java.util.LinkedHashMap<>(r.facts());
        facts.put("warm", backend.warmStates(environment, DEFAULT_VCPUS, DEFAULT_MEM_MIB));
        return new DoctorReport(r.ok(), facts);
    }

    // ---- environments -------------------------------------------------------------------------

    public EnvironmentList listEnvironments() {
        return new EnvironmentList(backend.listEnvironments());
    }

    public EnvironmentInfo inspectEnvironment(String name) {
        return backend.inspectEnvironment(name);
    }

    /**
     * Builds the environment if it is missing or broken (checking every file's digest), then saves a
     * booted guest of the default size for warm starts if none is saved for this build yet. A save
     * that fails only means boots stay cold; it is reported as a progress line.
     */
    public EnvironmentInfo pullEnvironment(String name) {
        backend.inspectEnvironment(name);
        backend.requireUsable();
        EnvironmentInfo info = backend.pullEnvironment(name, progress);
        pyro.core.internal.DefaultWarmSave.save(backend, name, progress);
        return info;
    }

    /**
     * Saves a booted, idle guest of {@code environment} for VMs of this size (once per environment
     * build, QEMU and size), so their boots restore it: {@code pyro env warm}. VMs with networking and
     * VMs asked to boot cold always boot.
     */
    public WarmInfo warmEnvironment(String environment, int vcpus, int memMib) {
        pyro.core.internal.Validate.vcpus(vcpus);
        pyro.core.internal.Validate.memMib(memMib);
        backend.inspectEnvironment(environment);
        backend.requireUsable();
        return new WarmInfo(environment, vcpus, memMib, backend.warmEnvironment(environment, vcpus, memMib, progress));
    }

    public PruneResult pruneEnvironments() {
        return backend.pruneEnvironments();
    }

    // ---- one-shot run -------------------------------------------------------------------------

    public RunResult runInVm(String environment, List<String> command) {
        return runInVm(environment, command, DEFAULT_VCPUS, DEFAULT_MEM_MIB, DEFAULT_TIMEOUT_SECONDS, false);
    }

    /** MCP and SDK string form: {@code command} is run by {@code sh -lc} in the guest. */
    public RunResult runInVm(String environment, String shellCommand) {
        return runInVm(environment, shell(shellCommand));
    }

    /** {@link #runInVm(String, List, int, int, long, boolean)} with sizes and limits as a {@link RunOptions}. */
    public RunResult runInVm(String environment, List<String> command, RunOptions options) {
        return runInVm(environment, command, options, null);
    }

    /** As above, with the command's output handed to {@code output} as the guest produces it. */
    public RunResult runInVm(String environment, List<String> command, RunOptions options, OutputListener output) {
        RunOptions o = options == null ? RunOptions.defaults() : options;
        return run(environment, command, o.vcpus(), o.memMib(), o.timeoutSeconds(), o.network(), o.cold(), o.ttlSeconds(),
                output);
    }

    /**
     * Boots a fresh VM, runs {@code command} (an argv) in it, and deletes the VM, also when the
     * command times out or this JVM is interrupted.
     */
    public RunResult runInVm(
            String environment, List<String> command, int vcpus, int memMib, long timeoutSeconds, boolean network) {
        return run(environment, command, vcpus, memMib, timeoutSeconds, network, false, 0, null);
    }

    private RunResult run(String environment, List<String> command, int vcpus, int memMib, long timeoutSeconds,
            boolean network, boolean cold, long ttlSeconds, OutputListener output) {
        pyro.core.internal.Validate.command(command);
        pyro.core.internal.Validate.timeoutSeconds(timeoutSeconds);
        if (ttlSeconds != 0) {
            pyro.core.internal.Validate.ttlSeconds(ttlSeconds);
            if (ttlSeconds < timeoutSeconds) {
                throw PyroException.invalid("ttl " + ttlSeconds + " seconds is shorter than the command's timeout of "
                        + timeoutSeconds + " seconds: the VM would be stopped under the command.");
            }
        }
        long t0 = System.nanoTime();
        Instance inst = vms.create(Instance.KIND_VM, environment, vcpus, memMib,
                ttlSeconds != 0 ? ttlSeconds : Math.max(timeoutSeconds + 300, 600), NetworkPolicy.of(network), progress);
        String id = inst.id();
        if (cold) {
            vms.store().update(id, i -> i.set(VmManager.BOOT_REQUEST, VmManager.BOOT_COLD));
        }
        Thread cleanup = new Thread(() -> {
            try {
                vms.delete(id, Instance.KIND_VM);
            } catch (RuntimeException ignored) {
                // best effort while the JVM exits
            }
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Instance started = vms.start(id, progress);
            ExecResult exec = vms.exec(id, Instance.KIND_VM, command, null, Map.of(), timeoutSeconds, false, List.of(),
                    output);
            long bootMs = started.num("boot_ms").longValue();
            return new RunResult(environment, backend.name(), backend.accel(), bootMs,
                    (System.nanoTime() - t0) / 1_000_000, exec, started.str("boot"));
        } finally {
            try {
                vms.delete(id, Instance.KIND_VM);
            } catch (RuntimeException ignored) {
                // the shutdown hook or reap will retry
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    static List<String> shell(String command) {
        if (command == null || command.isBlank()) {
            throw PyroException.invalid("the command is empty: give a shell command to run.");
        }
        return List.of("sh", "-lc", command);
    }

    // ---- VM lifecycle -------------------------------------------------------------------------

    public VmInfo createVm(String environment, int vcpus, int memMib, long ttlSeconds, boolean network) {
        Instance inst = vms.create(Instance.KIND_VM, environment, vcpus, memMib, ttlSeconds, NetworkPolicy.of(network),
                progress);
        vms.releaseOwner(inst.id());
        return vms.require(inst.id()).toVmInfo();
    }

    public VmInfo startVm(String vmId) {
        return vms.startWithinLimit(vms.require(vmId, Instance.KIND_VM).id(), progress).toVmInfo();
    }

    public ExecResult execVm(String vmId, List<String> command, long timeoutSeconds) {
        return vms.exec(vmId, Instance.KIND_VM, command, null, Map.of(), timeoutSeconds, false);
    }

    public ExecResult execVm(String vmId, String shellCommand, long timeoutSeconds) {
        return execVm(vmId, shell(shellCommand), timeoutSeconds);
    }

    public VmInfo stopVm(String vmId) {
        return vms.stop(vmId, Instance.KIND_VM).toVmInfo();
    }

    public DeleteResult deleteVm(String vmId) {
        return vms.delete(vmId, Instance.KIND_VM);
    }

    public VmInfo statusVm(String vmId) {
        return vms.refresh(vms.require(vmId, Instance.KIND_VM)).toVmInfo();
    }

    public ReapResult reapExpired() {
        return vms.reapExpired();
    }

    // ---- workspaces ---------------------------------------------------------------------------

    public WorkspaceInfo createWorkspace(String environment) {
        return createWorkspace(environment, null, DEFAULT_VCPUS, DEFAULT_MEM_MIB, DEFAULT_TTL_SECONDS, false);
    }

    public WorkspaceInfo createWorkspace(String environment, Path seedPath) {
        return createWorkspace(environment, seedPath, DEFAULT_VCPUS, DEFAULT_MEM_MIB, DEFAULT_TTL_SECONDS, false);
    }

    /**
     * Creates and boots a workspace. {@code seedPath} (a folder, or a .tar/.tar.gz) is unpacked into
     * /workspace and becomes the immutable baseline for {@link #diffWorkspace}.
     */
    public WorkspaceInfo createWorkspace(
            String environment, Path seedPath, int vcpus, int memMib, long ttlSeconds, boolean network) {
        return createWorkspace(environment, null, seedPath, vcpus, memMib, ttlSeconds, network);
    }

    /**
     * As above with a unique {@code name} (1-64 chars, first a letter or digit, then letters, digits,
     * '.', '_' or '-'); every workspace call then accepts the name where it takes the id.
     */
    public WorkspaceInfo createWorkspace(
            String environment, String name, Path seedPath, int vcpus, int memMib, long ttlSeconds, boolean network) {
        return workspaces.create(name, environment, seedPath, vcpus, memMib, ttlSeconds, network, progress);
    }

    /** Creates a workspace as {@code options} say ({@link WorkspaceOptions#of(String)} plus changes). */
    public WorkspaceInfo createWorkspace(WorkspaceOptions options) {
        return workspaces.create(options.name(), options.environment(), options.seedPath(), options.vcpus(),
                options.memMib(), options.ttlSeconds(), options.networkPolicy(), options.cold(), options.secrets(),
                progress);
    }

    /**
     * A handle on one workspace (by id or name) that groups what can be done to it: exec, files,
     * services, shells, snapshots. Nothing is checked until a call is made through it.
     */
    public Workspace workspace(String workspaceIdOrName) {
        return new Workspace(this, workspaceIdOrName);
    }

    public WorkspaceList listWorkspaces() {
        return workspaces.list();
    }

    public WorkspaceInfo statusWorkspace(String workspaceId) {
        return workspaces.status(workspaceId);
    }

    /** Runs an argv in /workspace (or {@code cwd}, which must be inside /workspace). */
    public ExecResult execWorkspace(String workspaceId, List<String> command, String cwd, long timeoutSeconds) {
        return workspaces.exec(workspaceId, command, cwd, timeoutSeconds);
    }

    /** MCP and SDK string form: {@code command} runs under {@code sh -lc}. */
    public ExecResult execWorkspace(String workspaceId, String shellCommand, String cwd, long timeoutSeconds) {
        return execWorkspace(workspaceId, shell(shellCommand), cwd, timeoutSeconds);
    }

    /**
     * As above, with workspace secrets as environment variables: {@code NAME} or {@code NAME=ENV_VAR}
     * entries (the command's output has their values redacted).
     */
    public ExecResult execWorkspace(String workspaceId, List<String> command, String cwd, long timeoutSeconds,
            List<String> secretEnv) {
        return workspaces.exec(workspaceId, command, cwd, timeoutSeconds, secretEnv);
    }

    public ExecResult execWorkspace(String workspaceId, String shellCommand, String cwd, long timeoutSeconds,
            List<String> secretEnv) {
        return execWorkspace(workspaceId, shell(shellCommand), cwd, timeoutSeconds, secretEnv);
    }

    /**
     * As above, with the command's output handed to {@code output} as the guest produces it (a line a
     * second arrives a line a second); the result still carries the whole (capped) output.
     */
    public ExecResult execWorkspace(String workspaceId, List<String> command, String cwd, long timeoutSeconds,
            List<String> secretEnv, OutputListener output) {
        return workspaces.exec(workspaceId, command, cwd, timeoutSeconds, secretEnv, output);
    }

    /**
     * One TCP connection to {@code guestPort} on the workspace guest's loopback, over the agent
     * channel (no network policy needed: nothing listens on the host). Nothing listening in the
     * guest shows as an {@link java.io.IOException} on the first read. Close it when done.
     */
    public PortConnection connectWorkspacePort(String workspaceId, int guestPort) {
        return workspaces.connectPort(workspaceId, guestPort);
    }

    public WorkspaceLogs logsWorkspace(String workspaceId) {
        return workspaces.logs(workspaceId);
    }

    public SyncResult pushWorkspaceSync(String workspaceId, Path source, String dest) {
        return workspaces.push(workspaceId, source, dest);
    }

    public DiffResult diffWorkspace(String workspaceId) {
        return workspaces.diff(workspaceId);
    }

    public ExportResult exportWorkspace(String workspaceId, String path, Path output) {
        return exportWorkspace(workspaceId, path, output, DEFAULT_EXPORT_MAX_BYTES);
    }

    /**
     * Exports with a size limit: the export is refused, before anything is written, when the files'
     * apparent sizes (a sparse file counts in full) add up to more than {@code maxBytes} or than the
     * output folder's free space less 64 MiB.
     */
    public ExportResult exportWorkspace(String workspaceId, String path, Path output, long maxBytes) {
        return workspaces.export(workspaceId, path, output, maxBytes);
    }

    /**
     * Changes a workspace's TTL ({@code ttlSeconds}: it now expires that long after its last use)
     * and/or its name; null leaves a field as it is.
     */
    public WorkspaceInfo updateWorkspace(String workspaceId, Long ttlSeconds, String name) {
        return workspaces.update(workspaceId, ttlSeconds, name);
    }

    public DeleteResult deleteWorkspace(String workspaceId) {
        return workspaces.delete(workspaceId);
    }

    // ---- files by path ----------------------------------------------------------------------------

    /** The entries of a folder in /workspace ({@code path} null: /workspace), or everything under it. */
    public pyro.core.model.FileListing listFiles(String workspaceId, String path, boolean recursive) {
        return edits.list(workspaceId, path, recursive, null);
    }

    /**
     * Part of one file as text: {@code limit} bytes from {@code offset} (null: from 0, 256 KiB; at
     * most 4 MiB). A binary file is refused; {@link #readFile(String, String, Long, Long, Long, Long, boolean)}
     * reads it as base64 or by lines.
     */
    public pyro.core.model.FileContent readFile(String workspaceId, String path, Long offset, Long limit) {
        return edits.read(workspaceId, path, offset, limit, null, null, false);
    }

    public pyro.core.model.FileContent readFile(String workspaceId, String path, Long offset, Long limit, Long lineStart,
            Long lineCount, boolean base64) {
        return edits.read(workspaceId, path, offset, limit, lineStart, lineCount, base64);
    }

    /**
     * Writes one file atomically (its folders created). {@code expectedSha256}: the sha256 a read
     * returned, {@code "new"} (it must not exist), or null (no check); a mismatch is a conflict.
     */
    public pyro.core.model.FileWriteResult writeFile(String workspaceId, String path, String text, String expectedSha256) {
        return edits.write(workspaceId, path, text == null ? null : text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                expectedSha256);
    }

    public pyro.core.model.FileWriteResult writeFile(String workspaceId, String path, byte[] content, String expectedSha256) {
        return edits.write(workspaceId, path, content, expectedSha256);
    }

    /** Applies a unified diff to /workspace, all or nothing; a hunk that does not apply is named. */
    public pyro.core.model.FileWriteResult applyPatch(String workspaceId, String patch) {
        return edits.applyPatch(workspaceId, patch);
    }

    // ---- whole-machine snapshots, reset, stop/start, fork -----------------------------------------

    /**
     * Saves the running workspace's whole machine (memory, services, shells, disk) as snapshot
     * {@code name}; the workspace pauses while it is written, then runs on.
     */
    public pyro.core.model.SnapshotInfo createSnapshot(String workspaceId, String name) {
        return machines.createSnapshot(workspaceId, name);
    }

    public pyro.core.model.SnapshotList listSnapshots(String workspaceId) {
        return machines.listSnapshots(workspaceId);
    }

    public pyro.core.model.SnapshotInfo deleteSnapshot(String workspaceId, String name) {
        return machines.deleteSnapshot(workspaceId, name);
    }

    /**
     * Brings the workspace back to snapshot {@code snapshot} exactly as it was (files, running
     * services and their logs, open shells), or with null to its create-time state (a fresh guest
     * with the seed's files). The diff baseline stays the create-time one.
     */
    public WorkspaceInfo resetWorkspace(String workspaceId, String snapshot) {
        return machines.reset(workspaceId, snapshot, progress);
    }

    /** Suspends the workspace to disk: no CPU, no guest memory held; {@link #startWorkspace} resumes it. */
    public WorkspaceInfo stopWorkspace(String workspaceId) {
        return machines.stop(workspaceId);
    }

    public WorkspaceInfo startWorkspace(String workspaceId) {
        return machines.start(workspaceId, progress);
    }

    /** A new workspace from this running one's current state; each has its own disk from then on. */
    public WorkspaceInfo forkWorkspace(String workspaceId, String name) {
        return machines.fork(workspaceId, name, progress);
    }

    // ---- services -----------------------------------------------------------------------------

    /**
     * Starts a long-running service in the workspace and returns once it is running (its probe
     * passed, or it has no probe and is alive). A service that fails to become ready throws a
     * {@code GUEST_FAILURE} naming the probe, the attempts, the last probe error and the last log lines.
     */
    public ServiceInfo startService(String workspaceId, String serviceName, List<String> command, String cwd,
            Map<String, String> env, Readiness readiness) {
        return services.start(workspaceId, serviceName, command, cwd, env, readiness);
    }

    /** MCP and SDK string form: {@code command} runs under {@code sh -lc}. */
    public ServiceInfo startService(String workspaceId, String serviceName, String shellCommand, String cwd,
            Map<String, String> env, Readiness readiness) {
        return startService(workspaceId, serviceName, shell(shellCommand), cwd, env, readiness);
    }

    /**
     * Starts a service as {@code options} say, a restart policy and a start order included
     * ({@code ServiceOptions.defaults().restart("on-failure").after("db")}); returns as
     * {@link #startService(String, String, List, String, Map, Readiness)} does, once it is running (after
     * the restarts it needed) or throws when it ended failed.
     */
    public ServiceInfo startService(String workspaceId, String serviceName, List<String> command,
            ServiceOptions options) {
        return services.start(workspaceId, serviceName, command, options == null ? ServiceOptions.defaults() : options);
    }

    /** The string form with options: {@code command} runs under {@code sh -lc}. */
    public ServiceInfo startService(String workspaceId, String serviceName, String shellCommand, ServiceOptions options) {
        return startService(workspaceId, serviceName, shell(shellCommand), options);
    }

    public ServiceList listServices(String workspaceId) {
        return services.list(workspaceId);
    }

    public ServiceInfo statusService(String workspaceId, String serviceName) {
        return services.status(workspaceId, serviceName);
    }

    /**
     * Reads a service's logs. {@code after} is {@code "STDOUT_OFFSET:STDERR_OFFSET"} from a previous
     * call's {@link ServiceLogs#after()} to read only what is new; null reads from the start.
     */
    public ServiceLogs logsService(String workspaceId, String serviceName, Integer tailLines, String stream,
            String after) {
        return services.logs(workspaceId, serviceName, tailLines, stream, after);
    }

    /** TERM to the service's process group, {@code graceSeconds}, then KILL; no child survives. */
    /** A service's logs as {@code query} says ({@link LogQuery#all()}, {@link LogQuery#stdout()}, ...). */
    public ServiceLogs logsService(String workspaceId, String serviceName, LogQuery query) {
        LogQuery q = query == null ? LogQuery.all() : query;
        return logsService(workspaceId, serviceName, q.tailLines(), q.stream(), q.after());
    }

    public ServiceInfo stopService(String workspaceId, String serviceName, long graceSeconds) {
        return services.stop(workspaceId, serviceName, graceSeconds);
    }

    // ---- shells -------------------------------------------------------------------------------

    public ShellInfo openShell(String workspaceId, String cwd, int cols, int rows) {
        return shells.open(workspaceId, cwd, cols, rows);
    }

    /** As above, with workspace secrets as the shell's variables ({@code NAME} or {@code NAME=ENV_VAR}). */
    public ShellInfo openShell(String workspaceId, String cwd, int cols, int rows, List<String> secretEnv) {
        return shells.open(workspaceId, cwd, cols, rows, secretEnv);
    }

    public ShellRead readShell(String workspaceId, String shellId, long cursor, int maxChars) {
        return readShell(workspaceId, shellId, cursor, maxChars, 0);
    }

    /** As above; when nothing is new at {@code cursor}, waits up to {@code waitMs} for output. */
    public ShellRead readShell(String workspaceId, String shellId, long cursor, int maxChars, int waitMs) {
        return shells.read(workspaceId, shellId, cursor, maxChars, waitMs);
    }

    /**
     * As above; {@code idleMs} (null: off) returns once the output has been quiet that long, within
     * {@code waitMs} (0: 60 s then); {@code plain} renders the output as a terminal shows it (ANSI
     * sequences removed, CR and backspace applied). Cursors stay byte offsets of the raw stream.
     */
    public ShellRead readShell(String workspaceId, String shellId, long cursor, int maxChars, int waitMs, Integer idleMs,
            boolean plain) {
        return shells.read(workspaceId, shellId, cursor, maxChars, waitMs, idleMs, plain);
    }

    public ShellAck writeShell(String workspaceId, String shellId, String input, boolean newline) {
        return shells.write(workspaceId, shellId, input, newline);
    }

    /** INT, TERM, HUP or KILL to the shell's foreground process group. */
    public ShellAck signalShell(String workspaceId, String shellId, String signal) {
        return shells.signal(workspaceId, shellId, signal);
    }

    public ShellInfo closeShell(String workspaceId, String shellId) {
        return shells.close(workspaceId, shellId);
    }
}
