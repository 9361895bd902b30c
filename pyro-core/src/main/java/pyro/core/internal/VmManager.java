package pyro.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;
import pyro.core.model.DeleteResult;
import pyro.core.model.ExecResult;
import pyro.core.model.ReapResult;
import pyro.core.model.VmState;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.core.spi.Backend;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.supervisor.SupervisorLauncher;
import pyro.core.spi.LaunchSpec;
import pyro.core.spi.ProgressSink;

/**
 * Lifecycle of VMs and workspaces (both are "instances": a VM under a detached supervisor plus a
 * record on disk). Every call may come from a different process, so everything goes through the
 * {@link StateStore} and the supervisor socket; nothing is kept in memory between calls.
 */
public final class VmManager {
    /** Boots under TCG take seconds; on a loaded 2-core machine several can queue up. */
    public static final Duration BOOT_TIMEOUT = Duration.ofSeconds(
            Long.getLong("pyro.bootTimeoutSeconds", 180));

    private static final SecureRandom RANDOM = new SecureRandom();
    private final StateStore store;
    private final Backend backend;
    private final int maxActive;

    public VmManager(StateStore store, Backend backend, int maxActive) {
        this.store = store;
        this.backend = backend;
        this.maxActive = maxActive;
    }

    public StateStore store() {
        return store;
    }

    public Backend backend() {
        return backend;
    }

    public static String newId(String kind) {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return (Instance.KIND_WORKSPACE.equals(kind) ? "ws-" : "vm-") + HexFormat.of().formatHex(b);
    }

    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** Validates, makes sure the environment is built, and writes the record. Does not boot. */
    public Instance create(
            String kind, String environment, int vcpus, int memMib, long ttlSeconds, pyro.core.NetworkPolicy network,
            ProgressSink progress) {
        return create(kind, null, environment, vcpus, memMib, ttlSeconds, network, progress);
    }

    /** As above, with an optional unique name (workspaces) that calls may use instead of the id. */
    public Instance create(
            String kind, String name, String environment, int vcpus, int memMib, long ttlSeconds,
            pyro.core.NetworkPolicy network, ProgressSink progress) {
        if (name != null) {
            Validate.name("workspace", name);
            if (Validate.looksLikeId(name)) {
                throw PyroException.invalid("workspace name '" + name + "' looks like an id: choose another name.");
            }
            requireNameFree(name);
        }
        Validate.vcpus(vcpus);
        Validate.memMib(memMib);
        Validate.ttlSeconds(ttlSeconds);
        backend.inspectEnvironment(environment); // unknown names fail here, before anything is written
        backend.requireUsable();
        requireCapacity();
        backend.ensureEnvironment(environment, progress);
        // check and reserve under one lock: two creates at once cannot both pass the limit or take one name
        return store.underCreateLock(() -> {
            if (name != null) {
                requireNameFree(name);
            }
            requireCapacity();
            return writeNew(kind, name, environment, vcpus, memMib, ttlSeconds, network);
        });
    }

    private void requireNameFree(String name) {
        store.list().stream().filter(i -> name.equals(i.str("name"))).findFirst().ifPresent(i -> {
            throw new PyroException(ErrorCode.CONFLICT,
                    "workspace name '" + name + "' is already used by " + i.id() + ": choose another or delete it.");
        });
    }

    private Instance writeNew(
            String kind, String name, String environment, int vcpus, int memMib, long ttlSeconds,
            pyro.core.NetworkPolicy network) {
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", newId(kind));
        m.put("kind", kind);
        m.put("name", name);
        m.put("environment", environment);
        m.put("state", VmState.CREATED.wire());
        m.put("state_reason", null);
        m.put("backend", backend.name());
        m.put("accel", backend.accel());
        m.put("vcpu_count", vcpus);
        m.put("mem_mib", memMib);
        m.put("ttl_seconds", ttlSeconds);
        m.put("network", network.egress());
        m.put("network_policy", network.wire());
        m.put("created_at", created.toString());
        m.put("expires_at", created.plusSeconds(ttlSeconds).toString());
        m.put("last_activity_at", created.toString());
        m.put("command_count", 0);
        m.put("last_command", null);
        ProcessHandle me = ProcessHandle.current();
        m.put(OWNER_PID, me.pid());
        m.put(OWNER_STARTED, me.info().startInstant().map(Instant::toEpochMilli).orElse(null));
        Instance instance = new Instance(m);
        try {
            store.create(instance);
        } catch (java.io.UncheckedIOException e) {
            throw PyroException.host("cannot write pyro's state folder " + store.root() + ": "
                    + e.getCause().getMessage() + ".");
        }
        return instance;
    }

    /**
     * The pyro process creating an instance (a workspace until its seed is in; a one-shot run until
     * it is deleted). While set, the instance counts against the limit, and if that process dies the
     * supervisor (or the next look at the record) fails the instance instead of leaving it starting.
     */
    public static final String OWNER_PID = "owner_pid";
    public static final String OWNER_STARTED = "owner_started_ms";

    /**
     * The pyro process starting an instance again (a stopped workspace or a created VM): while it
     * boots the VM, before its supervisor's socket exists, the instance counts against the limit.
     */
    static final String STARTER_PID = "starter_pid";
    static final String STARTER_STARTED = "starter_started_ms";

    /** Whether the instance's creating process is still running (false when there is none). */
    public static boolean ownerAlive(Instance i) {
        return alive(i.num(OWNER_PID), i.num(OWNER_STARTED));
    }

    private static boolean alive(Number pid, Number started) {
        if (pid == null) {
            return false;
        }
        return ProcessHandle.of(pid.longValue()).filter(ProcessHandle::isAlive)
                .filter(h -> started == null || h.info().startInstant()
                        .map(t -> Math.abs(t.toEpochMilli() - started.longValue()) < 2000).orElse(true))
                .isPresent();
    }

    /** The create is complete: the instance no longer depends on the process that made it. */
    public void releaseOwner(String id) {
        store.update(id, i -> i.set(OWNER_PID, null).set(OWNER_STARTED, null));
    }

    private void requireCapacity() {
        requireCapacity(null);
    }

    /** Refuses when the active VMs, not counting {@code except} (the one about to start), are at the limit. */
    private void requireCapacity(String except) {
        long active = store.list().stream()
                .filter(i -> !i.id().equals(except))
                .filter(i -> !i.expired())
                .filter(i -> {
                    boolean running = (VmState.STARTED.wire().equals(i.state())
                                    || VmState.STARTING.wire().equals(i.state()))
                            && Files.exists(store.paths(i.id()).supervisorSocket());
                    boolean reserved = !VmState.FAILED.wire().equals(i.state())
                            && !VmState.STOPPED.wire().equals(i.state())
                            && (ownerAlive(i) || alive(i.num(STARTER_PID), i.num(STARTER_STARTED)));
                    return running || reserved;
                })
                .count();
        if (active >= maxActive) {
            throw new PyroException(ErrorCode.CONFLICT, "this host user already has " + active
                    + " active VMs (the limit is " + maxActive
                    + ", set PYRO_MAX_ACTIVE_VMS to change it): delete one first.");
        }
    }

    /**
     * Starts an instance that holds no slot of the active-VM limit (a stopped workspace, a created
     * VM) as {@link #start} does, after checking the limit as a create does: the check and the
     * reservation happen under the create lock, and the slot is held until the supervisor's socket
     * counts it. A started instance is returned as it is.
     */
    public Instance startWithinLimit(String id, ProgressSink progress) {
        if (VmState.STARTED.wire().equals(require(id).state())) {
            return require(id);
        }
        ProcessHandle me = ProcessHandle.current();
        store.underCreateLock(() -> {
            requireCapacity(id);
            return store.update(id, i -> i.set(STARTER_PID, me.pid())
                    .set(STARTER_STARTED, me.info().startInstant().map(Instant::toEpochMilli).orElse(null)));
        });
        try {
            return start(id, progress);
        } finally {
            store.update(id, i -> i.remove(STARTER_PID).remove(STARTER_STARTED));
        }
    }

    /** Boots the instance's VM and returns the updated record. On failure the record says failed, why. */
    public Instance start(String id, ProgressSink progress) {
        Instance inst = require(id);
        String state = inst.state();
        if (VmState.STARTED.wire().equals(state)) {
            return inst;
        }
        if (VmState.FAILED.wire().equals(state)) {
            throw PyroException.guest(label(inst) + " " + id + " has failed (" + inst.stateReason()
                    + "): delete it and create a new one.");
        }
        store.update(id, i -> i.state(VmState.STARTING, null));
        String restore = inst.str(RESTORE_FROM);
        LaunchSpec spec = new LaunchSpec(id, inst.environment(), inst.vcpuCount(), inst.memMib(), inst.network(),
                store.dir(id), BOOT_COLD.equals(inst.str(BOOT_REQUEST)),
                restore == null ? null : store.dir(id).resolve(restore));
        try {
            LaunchPlan plan = backend.plan(spec, progress);
            long bootMs;
            try {
                bootMs = SupervisorLauncher.launch(id, store.stateDir(), spec.paths(), plan, BOOT_TIMEOUT);
            } catch (PyroException e) {
                if (!plan.warm() || spec.restoreFrom() != null) {
                    throw e; // a workspace's own saved machine has no cold stand-in: booting cold would lose it
                }
                // a snapshot that does not restore is never used again: boot cold, and say why in the log
                backend.warmFailed(spec, e.getMessage());
                progress.line("the saved guest of " + inst.environment() + " did not restore (" + e.getMessage()
                        + "): discarded it, booting cold");
                plan = backend.plan(spec.forceCold(), progress);
                bootMs = SupervisorLauncher.launch(id, store.stateDir(), spec.paths(), plan, BOOT_TIMEOUT);
            }
            long ms = bootMs;
            String channel = plan.channel().name();
            String boot = spec.restoreFrom() != null ? BOOT_RESTORED : plan.warm() ? BOOT_WARM : BOOT_COLD;
            return store.update(id, i -> i.set("state", VmState.STARTED.wire())
                            .set("boot_ms", ms)
                            .set("boot", boot)
                            .set("channel", channel)
                            .remove(RESTORE_FROM)
                            .set("started_at", now()))
                    .orElseThrow();
        } catch (PyroException e) {
            PyroException reported = e;
            if (e.code() == ErrorCode.GUEST_FAILURE && !backend.environmentIntact(inst.environment())) {
                reported = PyroException.guest("the cached environment " + inst.environment() + " is corrupt (a file "
                        + "no longer matches its recorded sha256), which is why the VM did not boot; it was discarded: "
                        + "run 'pyro env pull " + inst.environment() + "' to rebuild it (" + e.getMessage() + ")", e);
            }
            String reason = reported.getMessage();
            store.update(id, i -> i.state(VmState.FAILED, reason));
            throw reported;
        } catch (RuntimeException e) {
            store.update(id, i -> i.state(VmState.FAILED, String.valueOf(e)));
            throw PyroException.guest("the VM of " + id + " failed to boot: " + e.getMessage(), e);
        }
    }

    /** How a VM booted: restored from its environment's saved guest, or from power-on. */
    public static final String BOOT_WARM = "warm";
    public static final String BOOT_COLD = "cold";
    /** Resumed from the workspace's own saved machine (a snapshot, a stop, a fork's source). */
    public static final String BOOT_RESTORED = "restored";
    /**
     * Record field: the folder (relative to the instance folder) of a saved machine the next start
     * resumes instead of booting; cleared once it did.
     */
    public static final String RESTORE_FROM = "restore_from";
    /** Record field: {@code cold} when the caller asked for a cold boot, otherwise absent. */
    public static final String BOOT_REQUEST = "boot_request";

    static String label(Instance i) {
        return Instance.KIND_WORKSPACE.equals(i.kind()) ? "workspace" : "VM";
    }

    /** Loads a record or throws not found (exit 3) naming the id. Does not check expiry. */
    public Instance require(String id) {
        Optional<Instance> inst = Validate.looksLikeId(id) ? store.load(id) : Optional.empty();
        return inst.orElseThrow(() -> PyroException.notFound("no VM or workspace with id '" + id + "'."));
    }

    public Instance require(String id, String kind) {
        Optional<Instance> inst = Validate.looksLikeId(id) ? store.load(id) : byName(id, kind);
        if (inst.isEmpty() || !kind.equals(inst.get().kind())) {
            throw PyroException.notFound("no " + (Instance.KIND_WORKSPACE.equals(kind) ? "workspace" : "VM")
                    + " with id " + (Instance.KIND_WORKSPACE.equals(kind) ? "or name " : "") + "'" + id + "'.");
        }
        return inst.get();
    }

    private Optional<Instance> byName(String name, String kind) {
        if (name == null || !Instance.KIND_WORKSPACE.equals(kind)) {
            return Optional.empty();
        }
        return store.list().stream().filter(i -> name.equals(i.str("name")) && kind.equals(i.kind())).findFirst();
    }

    /** The id for a workspace id or name (names are resolved once, at the edge of each call). */
    public String resolveId(String idOrName, String kind) {
        return require(idOrName, kind).id();
    }

    /**
     * Loads an instance for use: enforces TTL expiry (releasing the VM) and reports a VM whose
     * supervisor or VMM died as failed, with the reason, instead of hanging.
     */
    public Instance requireLive(String id, String kind) {
        Instance inst = refresh(require(id, kind));
        if (inst.expired()) {
            throw new PyroException(ErrorCode.EXPIRED, label(inst) + " " + id + " expired at " + inst.str("expires_at")
                    + " (ttl " + inst.ttlSeconds() + " s) and its VM was released: delete it and create a new one.");
        }
        String state = inst.state();
        if (VmState.FAILED.wire().equals(state)) {
            throw PyroException.guest(label(inst) + " " + id + " has failed: " + inst.stateReason());
        }
        if (VmState.STARTED.wire().equals(state) && Instance.KIND_WORKSPACE.equals(kind)) {
            return renew(inst);
        }
        if (!VmState.STARTED.wire().equals(state)) {
            throw new PyroException(ErrorCode.CONFLICT, label(inst) + " " + id + " is " + state
                    + ", not started" + (Instance.KIND_VM.equals(kind) ? ": start it first."
                            : VmState.STOPPED.wire().equals(state) ? ": start it first (pyro workspace start " + id + ")."
                            : "."));
        }
        return inst;
    }

    /**
     * A workspace's TTL is an idle timeout: every call that uses it (exec, files, services, shells,
     * sync, diff, export, snapshots) moves {@code expires_at} to now plus {@code ttl_seconds};
     * status and list do not. Written at most once a second per workspace.
     */
    Instance renew(Instance inst) {
        Instant next = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(inst.ttlSeconds());
        if (!next.isAfter(inst.expiresAt().plusSeconds(1))) {
            return inst;
        }
        return store.update(inst.id(), i -> i.expired() || !VmState.STARTED.wire().equals(i.state()) ? i
                : i.set("expires_at", next.toString())).orElse(inst);
    }

    /**
     * Changes a workspace's TTL (from now: it expires {@code ttlSeconds} after its last use) and/or
     * its name (unique, as at create); null leaves a field as it is.
     */
    public Instance update(String id, Long ttlSeconds, String name) {
        if (ttlSeconds == null && name == null) {
            throw PyroException.invalid("nothing to update: give --ttl-seconds and/or --name.");
        }
        if (ttlSeconds != null) {
            Validate.ttlSeconds(ttlSeconds);
        }
        if (name != null) {
            Validate.name("workspace", name);
            if (Validate.looksLikeId(name)) {
                throw PyroException.invalid("workspace name '" + name + "' looks like an id: choose another name.");
            }
        }
        Instance inst = require(id, Instance.KIND_WORKSPACE);
        if (inst.expired()) {
            requireLive(id, Instance.KIND_WORKSPACE); // says it expired
        }
        return store.underCreateLock(() -> {
            if (name != null && !name.equals(inst.str("name"))) {
                requireNameFree(name);
            }
            return store.update(id, i -> {
                if (ttlSeconds != null) {
                    i.set("ttl_seconds", ttlSeconds).set("expires_at",
                            Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(ttlSeconds).toString());
                }
                return name == null ? i : i.set("name", name);
            }).orElseThrow(() -> PyroException.notFound("no VM or workspace with id '" + id + "'."));
        });
    }

    /** Applies expiry and liveness checks to a record and returns its current state. */
    public Instance refresh(Instance inst) {
        String id = inst.id();
        if ((VmState.STARTING.wire().equals(inst.state()) || VmState.CREATED.wire().equals(inst.state()))
                && inst.num(OWNER_PID) != null && !ownerAlive(inst)) {
            String reason = "the pyro process (pid " + inst.num(OWNER_PID) + ") creating it exited before the "
                    + "create finished";
            release(inst);
            return store.update(id, i -> i.state(VmState.FAILED, reason).set(OWNER_PID, null)).orElse(inst);
        }
        if (!inst.expired() && Instant.now().isAfter(inst.expiresAt())) {
            release(inst);
            return store.update(id, Instance::expire).orElse(inst);
        }
        if (VmState.STARTED.wire().equals(inst.state())) {
            Path sock = store.paths(id).supervisorSocket();
            try (SupervisorClient c = SupervisorClient.connect(sock)) {
                Reply.VmStatusResult status = c.call(new Request.VmStatus(), Reply.VmStatusResult.class);
                if (VmState.FAILED.wire().equals(status.vmState())) {
                    return markFailed(id, status.reason());
                }
            } catch (SupervisorClient.DeadlineMissed e) {
                // a supervisor that is alive but does not answer: say so, and leave the VM alone
                return store.update(id, i -> i.set("state_reason", "unresponsive: the VM's supervisor did not answer "
                        + "within " + e.limit().toSeconds() + " s")).orElse(inst);
            } catch (IOException e) {
                // The supervisor may have recorded why before it went away; re-read first.
                Instance again = store.load(id).orElse(inst);
                if (!VmState.STARTED.wire().equals(again.state())) {
                    return again;
                }
                return markFailed(id, "the VM's supervisor is gone (" + e.getMessage() + ")");
            }
        }
        return inst;
    }

    private Instance markFailed(String id, String reason) {
        SupervisorLauncher.kill(store.paths(id));
        return store.update(id, i -> i.state(VmState.FAILED, reason)).orElseThrow();
    }

    /** Stops the VM process tree of an instance, gracefully if it answers, forcefully otherwise. */
    void release(Instance inst) {
        InstancePaths paths = store.paths(inst.id());
        Path sock = paths.supervisorSocket();
        if (Files.exists(sock)) {
            try (SupervisorClient c = SupervisorClient.connect(sock)) {
                c.call(new Request.VmStop(false), Reply.VmStopResult.class);
            } catch (IOException | PyroException e) {
                // fall through to kill
            }
        }
        SupervisorLauncher.kill(paths);
    }

    public SupervisorClient connect(Instance inst) {
        try {
            return SupervisorClient.connect(store.paths(inst.id()).supervisorSocket());
        } catch (IOException e) {
            Instance failed = markFailed(inst.id(), "the VM's supervisor is gone (" + e.getMessage() + ")");
            throw PyroException.guest(label(inst) + " " + inst.id() + " has failed: " + failed.stateReason());
        }
    }

    /** One request to the instance's agent; a broken connection is a guest failure naming the call. */
    public <T extends Reply> T call(Instance inst, Request req, Class<T> expected) {
        try (SupervisorClient c = connect(inst)) {
            T reply = c.call(req, expected);
            answered(inst);
            return reply;
        } catch (SupervisorClient.DeadlineMissed e) {
            throw unresponsive(inst, e);
        } catch (IOException e) {
            throw PyroException.guest(Messages.typeName((Record) req).replace('_', ' ') + " in " + inst.id()
                    + " was cut off: " + e.getMessage() + ".");
        }
    }

    private static final String UNRESPONSIVE = "unresponsive: ";

    /**
     * The agent missed a call's deadline: the record says so (state stays started: a stopped agent
     * may come back), and the caller gets a timeout naming the call and the limit.
     */
    PyroException unresponsive(Instance inst, SupervisorClient.DeadlineMissed e) {
        String reason = UNRESPONSIVE + "the guest agent did not answer " + e.request().replace('_', ' ') + " within "
                + e.limit().toSeconds() + " s (at " + now() + ")";
        store.update(inst.id(), i -> i.set("state_reason", reason));
        return new PyroException(ErrorCode.TIMEOUT, label(inst) + " " + inst.id() + " is unresponsive: the guest "
                + "agent did not answer " + e.request().replace('_', ' ') + " within " + e.limit().toSeconds()
                + " s (a fork bomb or memory hog in the guest can do this; delete the " + label(inst)
                + " if it does not recover).");
    }

    /** A call was answered: clear an earlier "unresponsive" note. */
    private void answered(Instance inst) {
        String r = inst.stateReason();
        if (r != null && r.startsWith(UNRESPONSIVE)) {
            store.update(inst.id(), i -> i.stateReason() != null && i.stateReason().startsWith(UNRESPONSIVE)
                    ? i.set("state_reason", null) : i);
        }
    }

    /**
     * A best-effort read for status displays: empty when the VM is not running or does not answer,
     * and never marks the instance failed (status must not change state as a side effect).
     */
    public <T extends Reply> Optional<T> query(Instance inst, Request req, Class<T> expected) {
        if (!VmState.STARTED.wire().equals(inst.state()) || inst.expired()) {
            return Optional.empty();
        }
        try (SupervisorClient c = SupervisorClient.connect(store.paths(inst.id()).supervisorSocket())) {
            return Optional.of(c.call(req, expected, Deadlines.QUERY));
        } catch (IOException | PyroException e) {
            return Optional.empty();
        }
    }

    /** Runs argv in the guest. {@code journal} records it in the exec journal (workspaces). */
    public ExecResult exec(
            String id, String kind, List<String> argv, String cwd, Map<String, String> env, long timeoutSeconds,
            boolean journal) {
        return exec(id, kind, argv, cwd, env, timeoutSeconds, journal, List.of());
    }

    /** As above; {@code secretEnv} ({@code NAME[=ENV_VAR]}) gives workspace secrets to the command. */
    public ExecResult exec(
            String id, String kind, List<String> argv, String cwd, Map<String, String> env, long timeoutSeconds,
            boolean journal, List<String> secretEnv) {
        return exec(id, kind, argv, cwd, env, timeoutSeconds, journal, secretEnv, null);
    }

    /** As above; {@code output} (when not null) receives the command's output as the guest produces it. */
    public ExecResult exec(
            String id, String kind, List<String> argv, String cwd, Map<String, String> env, long timeoutSeconds,
            boolean journal, List<String> secretEnv, pyro.core.OutputListener output) {
        Validate.command(argv);
        Validate.timeoutSeconds(timeoutSeconds);
        Instance inst = requireLive(id, kind);
        Map<String, String> secrets = WorkspaceSecrets.environment(inst, secretEnv);
        Request.Exec req = new Request.Exec(argv, cwd, env == null ? Map.of() : env, timeoutSeconds * 1000, null,
                secrets.isEmpty() ? null : secrets, output == null ? null : true);
        String startedAt = now();
        Reply.ExecResult f;
        try (SupervisorClient c = connect(inst)) {
            f = output == null ? c.call(req, Reply.ExecResult.class)
                    : c.stream(req, Reply.ExecResult.class, payload -> {
                        if (payload.length > 1) {
                            output.output(payload[0] == Request.Exec.STDERR,
                                    java.util.Arrays.copyOfRange(payload, 1, payload.length));
                        }
                    });
            answered(inst);
        } catch (SupervisorClient.DeadlineMissed e) {
            throw unresponsive(inst, e);
        } catch (IOException e) {
            Instance after = refresh(store.load(id).orElse(inst));
            throw PyroException.guest("the exec in " + id + " was cut off: " + e.getMessage()
                    + (after.stateReason() != null ? " (" + after.stateReason() + ")" : "") + ".");
        }
        Instance updated = store.update(id, i -> i.set("command_count", i.commandCount() + 1)
                        .set("last_command", argv)
                        .set("last_activity_at", now()))
                .orElse(inst);
        long seq = updated.commandCount();
        ExecResult result = new ExecResult(
                id, seq, argv, cwd,
                f.exitCode() == null ? -1 : f.exitCode(), f.stdout() == null ? "" : f.stdout(),
                f.stderr() == null ? "" : f.stderr(), f.durationMs() == null ? 0 : f.durationMs(),
                Boolean.TRUE.equals(f.timedOut()), Boolean.TRUE.equals(f.stdoutTruncated()),
                Boolean.TRUE.equals(f.stderrTruncated()));
        if (journal) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("sequence", seq);
            line.put("command", argv);
            line.put("cwd", result.cwd());
            line.put("exit_code", result.exitCode());
            line.put("timed_out", result.timedOut());
            line.put("started_at", startedAt);
            line.put("duration_ms", result.durationMs());
            store.appendJournal(id, Json.writeCompact(line));
        }
        return result;
    }

    /** Shuts the guest down; the record stays (state stopped) until deleted. */
    public Instance stop(String id, String kind) {
        Instance inst = refresh(require(id, kind));
        if (VmState.STARTED.wire().equals(inst.state()) || VmState.STARTING.wire().equals(inst.state())) {
            release(inst);
        }
        return store.update(id, i -> VmState.FAILED.wire().equals(i.state()) ? i
                        : i.set("state", VmState.STOPPED.wire()))
                .orElseThrow();
    }

    public DeleteResult delete(String id, String kind) {
        Instance inst;
        try {
            inst = require(id, kind);
        } catch (StateStore.CorruptRecord e) {
            return deleteCorrupt(e);
        }
        release(inst);
        store.delete(id);
        return new DeleteResult(id, true, inst.expired() ? "expired" : inst.state());
    }

    /** Deletes an instance whose record is unreadable: its pid files still say which processes are its. */
    public DeleteResult deleteCorrupt(StateStore.CorruptRecord e) {
        SupervisorLauncher.kill(store.paths(e.id()));
        store.delete(e.id());
        return new DeleteResult(e.id(), true, "corrupt");
    }

    /** Releases and deletes every instance whose TTL has passed (also ones the supervisor already stopped). */
    public ReapResult reapExpired() {
        List<String> reaped = new ArrayList<>();
        for (Instance inst : store.list()) {
            if (inst.expired() || Instant.now().isAfter(inst.expiresAt())) {
                release(inst);
                store.delete(inst.id());
                reaped.add(inst.id());
            }
        }
        return new ReapResult(reaped);
    }
}
