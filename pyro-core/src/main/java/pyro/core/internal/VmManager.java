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
    private final VmLink link;

    public VmManager(StateStore store, Backend backend, int maxActive) {
        this.store = store;
        this.backend = backend;
        this.maxActive = maxActive;
        this.link = new VmLink(store);
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
        boolean built = backend.inspectEnvironment(environment).installed(); // unknown names fail here
        backend.requireUsable();
        requireCapacity();
        backend.ensureEnvironment(environment, progress);
        if (!built) { // this use built it: save the default size's booted guest so later boots restore it
            DefaultWarmSave.save(backend, environment, progress);
        }
        // check and reserve under one lock: two creates at once cannot both pass the limit or take one name
        return store.underCreateLock(() -> {
            if (name != null) {
                requireNameFree(name);
            }
            requireCapacity();
            return writeNew(kind, name, environment, vcpus, memMib, ttlSeconds, network);
        });
    }

    void requireNameFree(String name) {
        store.list().stream().filter(i -> name.equals(i.str("name"))).findFirst().ifPresent(i -> {
            throw new PyroException(ErrorCode.CONFLICT,
                    "workspace name '" + name + "' is already used by " + i.id() + ": choose another or delete it.");
        });
    }

    private Instance writeNew(
            String kind, String name, String environment, int vcpus, int memMib, long ttlSeconds,
            pyro.core.NetworkPolicy network) {
        Instance instance = Instance.fresh(newId(kind), kind, name, environment, backend.name(), backend.accel(), vcpus,
                memMib, ttlSeconds, network);
        try {
            store.create(instance);
        } catch (java.io.UncheckedIOException e) {
            throw PyroException.host("cannot write pyro's state folder " + store.root() + ": "
                    + e.getCause().getMessage() + ".");
        }
        return instance;
    }

    /** The create is complete: the instance no longer depends on the process that made it. */
    public void releaseOwner(String id) {
        store.update(id, i -> i.set(InstanceOwners.OWNER_PID, null).set(InstanceOwners.OWNER_STARTED, null));
    }

    private void requireCapacity() {
        ActiveVmLimit.require(store, maxActive, null);
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
            ActiveVmLimit.require(store, maxActive, id);
            return store.update(id, i -> i.set(InstanceOwners.STARTER_PID, me.pid())
                    .set(InstanceOwners.STARTER_STARTED, me.info().startInstant().map(Instant::toEpochMilli).orElse(null)));
        });
        try {
            return start(id, progress);
        } finally {
            store.update(id, i -> i.remove(InstanceOwners.STARTER_PID).remove(InstanceOwners.STARTER_STARTED));
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
                bootMs = SupervisorLauncher.launch(id, store.stateDir(), spec.paths(), plan, backend.name(),
                        BOOT_TIMEOUT);
            } catch (PyroException e) {
                if (!plan.warm() || spec.restoreFrom() != null) {
                    throw e; // a workspace's own saved machine has no cold stand-in: booting cold would lose it
                }
                // a snapshot that does not restore is never used again: boot cold, and say why in the log
                backend.warmFailed(spec, e.getMessage());
                progress.line("the saved guest of " + inst.environment() + " did not restore (" + e.getMessage()
                        + "): discarded it, booting cold");
                plan = backend.plan(spec.forceCold(), progress);
                bootMs = SupervisorLauncher.launch(id, store.stateDir(), spec.paths(), plan, backend.name(),
                        BOOT_TIMEOUT);
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
    /** Record field: the saved machine the next start resumes ({@link Instance#RESTORE_FROM}). */
    public static final String RESTORE_FROM = Instance.RESTORE_FROM;
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
        return requireLive(refresh(require(id, kind)), id, kind);
    }

    /** The checks of {@link #requireLive(String, String)} on an instance just refreshed. */
    Instance requireLive(Instance inst, String id, String kind) {
        if (inst.expired()) {
            throw new PyroException(ErrorCode.EXPIRED, label(inst) + " " + id + " expired at " + inst.str("expires_at")
                    + " (ttl " + inst.ttlSeconds() + " s) and its VM was released: delete it and create a new one.");
        }
        String state = inst.state();
        if (VmState.FAILED.wire().equals(state)) {
            throw PyroException.guest(label(inst) + " " + id + " has failed: " + inst.stateReason());
        }
        if (!VmState.STARTED.wire().equals(state)) {
            throw new PyroException(ErrorCode.CONFLICT, label(inst) + " " + id + " is " + state
                    + ", not started" + (Instance.KIND_VM.equals(kind) ? ": start it first."
                            : VmState.STOPPED.wire().equals(state) ? ": start it first (pyro workspace start " + id + ")."
                            : "."));
        }
        return Instance.KIND_WORKSPACE.equals(kind) ? renew(inst) : inst;
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

    /** Applies expiry and liveness checks to a record and returns its current state. */
    public Instance refresh(Instance inst) {
        return link.refresh(inst);
    }

    /** Stops the VM process tree of an instance, gracefully if it answers, forcefully otherwise. */
    void release(Instance inst) {
        link.release(inst);
    }

    public SupervisorClient connect(Instance inst) {
        return link.connect(inst);
    }

    /** One request to the instance's agent; a broken connection is a guest failure naming the call. */
    public <R extends Reply> R call(Instance inst, Request<R> req) {
        return link.call(inst, req);
    }

    /** A best-effort read for status displays (empty when the VM does not answer; never changes state). */
    public <R extends Reply> Optional<R> query(Instance inst, Request<R> req) {
        return link.query(inst, req);
    }

    PyroException unresponsive(Instance inst, SupervisorClient.DeadlineMissed e) {
        return link.unresponsive(inst, e);
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
        return link.exec(requireLive(id, kind), argv, cwd, env, timeoutSeconds, journal, secretEnv, output);
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
