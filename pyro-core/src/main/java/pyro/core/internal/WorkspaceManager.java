package pyro.core.internal;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;
import pyro.core.model.DeleteResult;
import pyro.core.model.DiffResult;
import pyro.core.model.ExecResult;
import pyro.core.model.ExportResult;
import pyro.core.model.SeedInfo;
import pyro.core.model.ServiceCounts;
import pyro.core.model.SyncResult;
import pyro.core.model.WorkspaceInfo;
import pyro.core.model.WorkspaceList;
import pyro.core.model.WorkspaceLogs;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.ProgressSink;

/**
 * Workspaces: instances of kind {@code workspace} whose guest keeps {@code /workspace} across calls,
 * seeded from a host folder or archive, with an exec journal and a create-time baseline for diffs.
 */
public final class WorkspaceManager {
    private final VmManager vms;
    private final WorkspaceFiles files;
    private final ServiceManager services;
    private final ShellManager shells;

    public WorkspaceManager(VmManager vms, ServiceManager services, ShellManager shells) {
        this.vms = vms;
        this.services = services;
        this.shells = shells;
        this.files = new WorkspaceFiles(vms);
    }

    public WorkspaceInfo create(
            String name, String environment, Path seedPath, int vcpus, int memMib, long ttlSeconds, boolean network,
            ProgressSink progress) {
        return create(name, environment, seedPath, vcpus, memMib, ttlSeconds, pyro.core.NetworkPolicy.of(network),
                false, progress);
    }

    /** As above; {@code cold} boots the VM even when a saved guest could be restored. */
    public WorkspaceInfo create(
            String name, String environment, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            pyro.core.NetworkPolicy network, boolean cold, ProgressSink progress) {
        return create(name, environment, seedPath, vcpus, memMib, ttlSeconds, network, cold, Map.of(), progress);
    }

    /**
     * As above, with secrets: they go to the guest before the seed (so nothing the guest runs could
     * see the workspace without them), and the record keeps only their names and digests.
     */
    public WorkspaceInfo create(
            String name, String environment, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            pyro.core.NetworkPolicy network, boolean cold, Map<String, String> secrets, ProgressSink progress) {
        WorkspaceSecrets.check(secrets); // bad secrets fail before any VM
        SeedSource seed = seedPath == null ? null : SeedSource.of(seedPath); // bad seed fails before any VM
        Instance inst = vms.create(Instance.KIND_WORKSPACE, name, environment, vcpus, memMib, ttlSeconds, network,
                progress);
        String id = inst.id();
        if (cold) {
            vms.store().update(id, i -> i.set(VmManager.BOOT_REQUEST, VmManager.BOOT_COLD));
        }
        try {
            vms.start(id, progress);
            if (secrets != null && !secrets.isEmpty()) {
                putSecrets(id, secrets);
            }
            SeedInfo info = files.seed(id, seed, progress);
            vms.store().update(id, i -> i.set("workspace_seed", info.toMap()));
            vms.releaseOwner(id);
        } catch (RuntimeException e) {
            // nothing half-made stays behind: the VM and its record go
            try {
                vms.delete(id, Instance.KIND_WORKSPACE);
            } catch (RuntimeException ignored) {
                // already gone
            }
            throw e;
        }
        return status(id);
    }

    /** Gives the guest its secrets and records their names and digests (never a value). */
    void putSecrets(String id, Map<String, String> secrets) {
        Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
        vms.call(inst, new Request.SecretsPut(secrets));
        vms.store().update(id, i -> i.set(WorkspaceSecrets.FIELD, WorkspaceSecrets.digests(secrets)));
    }

    /**
     * Every workspace, each read at the same time as the others: one guest that does not answer
     * costs its bounded status reads, never the whole list.
     */
    /** The file mover of these workspaces (the machine operations restore the create-time files through it). */
    WorkspaceFiles files() {
        return files;
    }

    public WorkspaceList list() {
        List<java.util.concurrent.Future<WorkspaceInfo>> futures = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (Instance i : vms.store().list()) {
                if (Instance.KIND_WORKSPACE.equals(i.kind())) {
                    futures.add(pool.submit(() -> info(vms.refresh(i))));
                }
            }
            List<WorkspaceInfo> out = new ArrayList<>();
            for (var f : futures) {
                out.add(f.get());
            }
            return new WorkspaceList(out);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PyroException.host("interrupted while listing workspaces.");
        }
    }

    public WorkspaceInfo status(String id) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        return info(vms.refresh(vms.require(id, Instance.KIND_WORKSPACE)));
    }

    /** The record plus what the guest says (services, shells), both asked at once and each bounded. */
    WorkspaceInfo info(Instance i) {
        var shellList = java.util.concurrent.CompletableFuture.supplyAsync(() -> shells.summaries(i),
                r -> Thread.ofVirtual().start(r));
        ServiceCounts counts = serviceCounts(i);
        InstancePaths paths = vms.store().paths(i.id());
        WorkspaceInfo info = i.toWorkspaceInfo(counts, shellList.join(), WorkspaceMachines.snapshotCount(paths),
                WorkspaceMachines.savedBytes(paths));
        String full = info.stateReason() == null ? HostDisk.fullNote(paths.dir()) : null;
        return full == null ? info : info.withStateReason(full);
    }

    ServiceCounts serviceCounts(Instance i) {
        return services.counts(i);
    }

    /** One TCP connection to {@code port} on the workspace guest's loopback, through its supervisor. */
    public pyro.core.PortConnection connectPort(String id, int port) {
        if (port < 1 || port > 65535) {
            throw PyroException.invalid("port " + port + " is out of range: use 1 to 65535.");
        }
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        vms.requireLive(id, Instance.KIND_WORKSPACE);
        try {
            return PortTunnel.open(vms.store().paths(id).supervisorSocket(), port);
        } catch (java.io.IOException e) {
            throw PyroException.guest("cannot reach the supervisor of " + id + ": " + e.getMessage() + ".");
        }
    }

    public ExecResult exec(String id, List<String> argv, String cwd, long timeoutSeconds) {
        return exec(id, argv, cwd, timeoutSeconds, List.of());
    }

    public ExecResult exec(String id, List<String> argv, String cwd, long timeoutSeconds, List<String> secretEnv) {
        return exec(id, argv, cwd, timeoutSeconds, secretEnv, null);
    }

    public ExecResult exec(String id, List<String> argv, String cwd, long timeoutSeconds, List<String> secretEnv,
            pyro.core.OutputListener output) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        return vms.exec(id, Instance.KIND_WORKSPACE, argv, WorkspacePaths.guestPath(cwd, "cwd"), Map.of(),
                timeoutSeconds, true, secretEnv, output);
    }

    public WorkspaceLogs logs(String id) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        vms.require(id, Instance.KIND_WORKSPACE);
        List<Map<String, Object>> entries = new ArrayList<>();
        for (String line : vms.store().journal(id)) {
            if (!line.isBlank()) {
                entries.add(Json.readMap(line));
            }
        }
        return new WorkspaceLogs(id, entries);
    }

    public SyncResult push(String id, Path source, String dest) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        SeedSource src = SeedSource.of(source);
        String guestDest = WorkspacePaths.guestPath(dest, "push destination");
        vms.requireLive(id, Instance.KIND_WORKSPACE);
        return files.push(id, src, guestDest);
    }

    public DiffResult diff(String id) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        vms.requireLive(id, Instance.KIND_WORKSPACE);
        return files.diff(id);
    }

    public ExportResult export(String id, String path, Path output, long maxBytes) {
        id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        if (output == null) {
            throw PyroException.invalid("an output path on the host is required.");
        }
        String guest = WorkspacePaths.guestPath(path, "export path");
        vms.requireLive(id, Instance.KIND_WORKSPACE);
        return files.export(id, guest, output, maxBytes);
    }

    /** Changes the TTL (counted from now, renewed by every use) and/or the name. */
    public WorkspaceInfo update(String id, Long ttlSeconds, String name) {
        String resolved = vms.resolveId(id, Instance.KIND_WORKSPACE);
        updateRecord(resolved, ttlSeconds, name);
        return status(resolved);
    }

    /**
     * Changes a workspace's TTL (from now: it expires {@code ttlSeconds} after its last use) and/or
     * its name (unique, as at create); null leaves a field as it is.
     */
    private Instance updateRecord(String id, Long ttlSeconds, String name) {
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
        Instance inst = vms.require(id, Instance.KIND_WORKSPACE);
        if (inst.expired()) {
            vms.requireLive(id, Instance.KIND_WORKSPACE); // says it expired
        }
        return vms.store().underCreateLock(() -> {
            if (name != null && !name.equals(inst.str("name"))) {
                vms.requireNameFree(name);
            }
            return vms.store().update(id, i -> {
                if (ttlSeconds != null) {
                    i.set("ttl_seconds", ttlSeconds).set("expires_at",
                            Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(ttlSeconds).toString());
                }
                return name == null ? i : i.set("name", name);
            }).orElseThrow(() -> PyroException.notFound("no VM or workspace with id '" + id + "'."));
        });
    }

    public DeleteResult delete(String id) {
        try {
            id = vms.resolveId(id, Instance.KIND_WORKSPACE);
        } catch (StateStore.CorruptRecord e) {
            return vms.deleteCorrupt(e);
        }
        return vms.delete(id, Instance.KIND_WORKSPACE);
    }
}
