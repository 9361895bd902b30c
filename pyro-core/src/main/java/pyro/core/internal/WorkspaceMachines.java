package pyro.core.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import pyro.protocol.ErrorCode;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.core.PyroException;
import pyro.core.model.SnapshotInfo;
import pyro.core.model.SnapshotList;
import pyro.core.model.VmState;
import pyro.core.model.WorkspaceInfo;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.ProgressSink;

/**
 * A workspace's whole machine, saved and resumed: named snapshots and reset, stop (suspend to disk)
 * and start, and fork. Every save is a {@link Request.VmSave} to the workspace's supervisor, which
 * alone pauses, saves and resumes the running VM (memory, devices and disk of one instant), into a
 * folder of the workspace's own state folder, so it is private (0700/0600) and goes with the
 * workspace; every resume is a start whose record names that folder. One operation at a time per
 * workspace (its machine lock); the diff baseline is never touched.
 */
public final class WorkspaceMachines {
    static final String META = "snapshot.json";
    /** The folder a fork's source machine is saved into, inside the new workspace's state folder. */
    static final String FORK_SOURCE = "fork-source";
    private final VmManager vms;
    private final WorkspaceManager workspaces;
    private final WorkspaceFiles files;

    public WorkspaceMachines(VmManager vms, WorkspaceManager workspaces) {
        this.vms = vms;
        this.workspaces = workspaces;
        this.files = workspaces.files();
    }

    private String id(String workspace) {
        return vms.resolveId(workspace, Instance.KIND_WORKSPACE);
    }

    private InstancePaths paths(String id) {
        return vms.store().paths(id);
    }

    /**
     * Runs {@code body} under the workspace's machine lock, first clearing what an interrupted save
     * left (a hidden {@code .NAME.partial} folder of a save whose supervisor was killed, a snapshot
     * folder without its metadata whose client was): under the lock no client's save is running, and
     * unless the supervisor says it is still finishing one, every such folder is a leftover nobody
     * could list or delete.
     */
    private <T> T underMachineLock(String id, java.util.function.Supplier<T> body) {
        return vms.store().underMachineLock(id, () -> {
            if (!saving(id)) {
                clearLeftovers(paths(id));
            }
            return body.get();
        });
    }

    /**
     * Whether the workspace's supervisor is still saving its machine for a client that went away
     * (the save ends by itself; its hidden folder is not a leftover yet).
     */
    private boolean saving(String id) {
        Instance inst = vms.store().load(id).orElse(null);
        return inst != null && vms.query(inst, new Request.VmStatus())
                .map(s -> "saving".equals(s.vmState())).orElse(false);
    }

    /** Part of an interrupted save's hidden folder: not a saved machine, not counted. */
    private static boolean leftover(Path relative) {
        return InstancePaths.isPartial(relative.getName(0).toString());
    }

    /**
     * Saves the live workspace's whole machine into {@code dir}: a request to its supervisor, the one
     * controller of the running VMM, which finishes the save or rolls it back (the guest running
     * again) whatever becomes of this process; with {@code stop} it records the workspace stopped and
     * ends the VM itself.
     */
    private Reply.VmSaveResult save(Instance inst, Path dir, boolean stop) {
        HostDisk.requireRoomForSave(dir.getParent(), ((long) inst.memMib() << 20) + HostDisk.size(paths(inst.id()).overlay()),
                VmManager.label(inst) + " " + inst.id());
        return vms.call(inst, new Request.VmSave(dir.toAbsolutePath().normalize().toString(), stop));
    }

    static void clearLeftovers(InstancePaths paths) {
        for (Path root : List.of(paths.dir(), paths.snapshots())) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (var entries = Files.list(root)) {
                for (Path p : entries.toList()) {
                    if (InstancePaths.isPartial(p.getFileName().toString())
                            || root.equals(paths.snapshots()) && !Files.isRegularFile(p.resolve(META))) {
                        Files2.deleteTree(p);
                    }
                }
            } catch (IOException e) {
                // the next operation tries again
            }
        }
    }

    public SnapshotInfo createSnapshot(String workspace, String name) {
        String id = id(workspace);
        Validate.name("snapshot", name);
        return underMachineLock(id, () -> {
            Instance inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
            Path dir = paths(id).snapshots().resolve(name);
            if (Files.exists(dir.resolve(META))) {
                throw new PyroException(ErrorCode.CONFLICT, "workspace " + id + " already has a snapshot named '" + name
                        + "': delete it first or pick another name.");
            }
            try {
                Files2.privateDir(paths(id).snapshots());
                Files2.deleteTree(dir); // a save that died before its metadata was written
            } catch (IOException e) {
                throw PyroException.host("cannot prepare " + dir + ": " + e.getMessage() + ".");
            }
            Reply.VmSaveResult saved = save(inst, dir, false);
            SnapshotInfo info = new SnapshotInfo(id, name, VmManager.now(), saved.bytes(), saved.saveMs());
            try {
                Files2.writeAtomically(dir.resolve(META), Json.write(info.toMap()).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw PyroException.host("cannot write " + dir.resolve(META) + ": " + e.getMessage() + ".");
            }
            vms.store().update(id, i -> i.set("last_activity_at", VmManager.now()));
            return info;
        });
    }

    public SnapshotList listSnapshots(String workspace) {
        String id = id(workspace);
        vms.require(id, Instance.KIND_WORKSPACE);
        return new SnapshotList(id, snapshots(id));
    }

    /** The workspace's complete snapshots, oldest first (a folder without metadata is a save in progress). */
    List<SnapshotInfo> snapshots(String id) {
        List<SnapshotInfo> out = new ArrayList<>();
        Path root = paths(id).snapshots();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (var dirs = Files.list(root)) {
            for (Path d : dirs.toList()) {
                Path meta = d.resolve(META);
                if (!Files.isRegularFile(meta)) {
                    continue;
                }
                try {
                    Map<String, Object> m = Json.readMap(Files.readString(meta));
                    out.add(new SnapshotInfo(id, (String) m.get("name"), (String) m.get("created_at"),
                            ((Number) m.get("bytes")).longValue(), ((Number) m.get("save_ms")).longValue()));
                } catch (IOException | RuntimeException e) {
                    // an unreadable snapshot is not offered; deleting it by name still works
                }
            }
        } catch (IOException e) {
            throw PyroException.host("cannot list " + root + ": " + e.getMessage() + ".");
        }
        out.sort(Comparator.comparing(SnapshotInfo::createdAt, Comparator.nullsFirst(Comparator.naturalOrder())));
        return out;
    }

    /** How many snapshot folders the workspace has (complete or not). */
    static int snapshotCount(InstancePaths paths) {
        try (var dirs = Files.list(paths.snapshots())) {
            return (int) dirs.filter(d -> Files.isRegularFile(d.resolve(META))).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Bytes the workspace's saved machines take on disk (snapshots, and the suspended machine of a stop). */
    static long savedBytes(InstancePaths paths) {
        long total = 0;
        for (Path root : List.of(paths.snapshots(), paths.suspended())) {
            if (!Files.exists(root)) {
                continue;
            }
            try (var all = Files.walk(root)) {
                total += all.filter(Files::isRegularFile).filter(p -> !leftover(root.relativize(p)))
                        .filter(p -> !root.equals(paths.snapshots())
                                || Files.isRegularFile(root.resolve(root.relativize(p).getName(0)).resolve(META)))
                        .mapToLong(p -> p.toFile().length()).sum();
            } catch (IOException | java.io.UncheckedIOException e) {
                // gone meanwhile
            }
        }
        return total;
    }

    public SnapshotInfo deleteSnapshot(String workspace, String name) {
        String id = id(workspace);
        Validate.name("snapshot", name);
        return underMachineLock(id, () -> {
            vms.require(id, Instance.KIND_WORKSPACE);
            SnapshotInfo info = require(id, name);
            try {
                Files2.deleteTree(paths(id).snapshots().resolve(name));
            } catch (IOException e) {
                throw PyroException.host("cannot delete snapshot '" + name + "' of " + id + ": " + e.getMessage() + ".");
            }
            return info;
        });
    }

    private SnapshotInfo require(String id, String name) {
        return snapshots(id).stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                PyroException.notFound("workspace " + id + " has no snapshot named '" + name
                        + "' (list them with: pyro workspace snapshot list " + id + ")."));
    }

    /**
     * Refuses a snapshot whose files no longer hold the bytes its save wrote (a truncated or replaced
     * memory image), before the running machine is touched: resuming it would fail half-way and take
     * the workspace down with it, while refusing leaves it running and every other snapshot usable.
     */
    private void requireIntact(String id, SnapshotInfo info) {
        Path dir = paths(id).snapshots().resolve(info.name());
        long held;
        try (var files = Files.list(dir)) {
            held = files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().equals(META))
                    .mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw PyroException.host("cannot read snapshot '" + info.name() + "' of " + id + ": " + e.getMessage() + ".");
        }
        if (held != info.bytes()) {
            throw new PyroException(ErrorCode.CONFLICT, "snapshot '" + info.name() + "' of " + id + " is damaged: its files"
                    + " hold " + held + " bytes where its save wrote " + info.bytes() + " (a file was truncated or"
                    + " replaced); the workspace is as it was: reset to another snapshot, or delete this one.");
        }
    }

    /**
     * Brings the workspace back to a snapshot (its files, running services, their logs and open
     * shells, as they were), or with no name to the create-time state: a fresh boot with the seed's
     * files, which is all a workspace has at create.
     */
    public WorkspaceInfo reset(String workspace, String snapshot, ProgressSink progress) {
        String id = id(workspace);
        if (snapshot != null) {
            Validate.name("snapshot", snapshot);
        }
        return underMachineLock(id, () -> {
            Instance inst = liveOrFailed(id);
            if (snapshot != null) {
                requireIntact(id, require(id, snapshot));
            }
            boolean failed = VmState.FAILED.wire().equals(inst.state());
            // a fresh guest has an empty /run: its secrets come over from this one, through memory only
            Map<String, String> secrets = snapshot == null && !failed ? carrySecrets(inst, progress) : Map.of();
            vms.release(inst);
            vms.store().update(id, i -> {
                i.set("state", VmState.STOPPED.wire());
                return snapshot == null ? i.remove(VmManager.RESTORE_FROM)
                        : i.set(VmManager.RESTORE_FROM, "snapshots/" + snapshot);
            });
            vms.start(id, progress);
            if (snapshot == null) {
                if (!secrets.isEmpty()) {
                    workspaces.putSecrets(id, secrets);
                }
                files.restoreBaseline(id, progress);
            }
            vms.store().update(id, i -> i.set("last_activity_at", VmManager.now()).set("reset_to",
                    snapshot == null ? "baseline" : snapshot));
            return workspaces.status(id);
        });
    }

    /**
     * The workspace to reset: a live one, or a failed one (its supervisor or VMM died), which a reset
     * brings back in a fresh guest, unless secrets lived only in the guest that is gone.
     */
    private Instance liveOrFailed(String id) {
        Instance inst = vms.refresh(vms.require(id, Instance.KIND_WORKSPACE));
        if (!VmState.FAILED.wire().equals(inst.state()) || inst.expired()) {
            return vms.requireLive(inst, id, Instance.KIND_WORKSPACE);
        }
        if (!WorkspaceSecrets.names(inst).isEmpty()) {
            throw new PyroException(ErrorCode.CONFLICT, "workspace " + id + " has failed (" + inst.stateReason()
                    + ") and its secrets lived only in that guest's memory: delete it and create it again with them.");
        }
        return inst;
    }

    /** Suspends the workspace to disk: its whole machine saved, its VM ended (no CPU, no guest memory held). */
    public WorkspaceInfo stop(String workspace) {
        String id = id(workspace);
        return underMachineLock(id, () -> {
            Instance inst = vms.refresh(vms.require(id, Instance.KIND_WORKSPACE));
            if (VmState.STOPPED.wire().equals(inst.state()) && inst.str(VmManager.RESTORE_FROM) != null) {
                return workspaces.status(id); // already stopped
            }
            inst = vms.requireLive(id, Instance.KIND_WORKSPACE);
            Path dir = paths(id).suspended();
            try {
                Files2.deleteTree(dir);
            } catch (IOException e) {
                throw PyroException.host("cannot clear " + dir + ": " + e.getMessage() + ".");
            }
            save(inst, dir, true); // the supervisor records it stopped and ends the VM
            vms.release(inst); // whatever of its processes is still there
            return workspaces.status(id);
        });
    }

    /** Resumes a stopped workspace where it was stopped, services still running. */
    public WorkspaceInfo start(String workspace, ProgressSink progress) {
        String id = id(workspace);
        return underMachineLock(id, () -> {
            Instance inst = vms.refresh(vms.require(id, Instance.KIND_WORKSPACE));
            if (VmState.STARTED.wire().equals(inst.state())) {
                return workspaces.status(id);
            }
            if (inst.expired()) {
                vms.requireLive(id, Instance.KIND_WORKSPACE); // says expired, and how to go on
            }
            if (!VmState.STOPPED.wire().equals(inst.state()) || inst.str(VmManager.RESTORE_FROM) == null) {
                throw new PyroException(ErrorCode.CONFLICT, "workspace " + id + " is " + inst.state()
                        + " and has no stopped machine to resume: only a workspace stopped with 'pyro workspace stop'"
                        + " can be started.");
            }
            vms.startWithinLimit(id, progress); // a stopped workspace holds no slot: starting takes one
            try {
                Files2.deleteTree(paths(id).suspended());
            } catch (IOException ignored) {
                // counted in savedBytes until the next stop replaces it
            }
            vms.store().update(id, i -> i.remove("stopped_at").set("last_activity_at", VmManager.now()));
            return workspaces.status(id);
        });
    }

    /**
     * A new workspace from a running one's current state (files, services, shells), with its own disk,
     * name, hostname and machine-id from then on. The diff baseline and exec journal are the source's.
     */
    public WorkspaceInfo fork(String workspace, String name, ProgressSink progress) {
        String src = id(workspace);
        if (name != null) {
            Validate.name("workspace", name);
        }
        return underMachineLock(src, () -> {
            Instance from = vms.requireLive(src, Instance.KIND_WORKSPACE);
            Instance fork = vms.create(Instance.KIND_WORKSPACE, name, from.environment(), from.vcpuCount(),
                    from.memMib(), from.ttlSeconds(), from.networkPolicy(), progress);
            String id = fork.id();
            try {
                progress.line("saving " + src + "'s running machine for its fork " + id);
                save(from, paths(id).dir().resolve(FORK_SOURCE), false);
                for (String f : List.of(WorkspaceFiles.BASELINE, WorkspaceFiles.BASELINE_TAR)) {
                    Path p = paths(src).dir().resolve(f);
                    if (Files.exists(p)) {
                        Files.copy(p, paths(id).dir().resolve(f), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                if (Files.exists(paths(src).journal())) {
                    Files.copy(paths(src).journal(), paths(id).journal(), StandardCopyOption.REPLACE_EXISTING);
                }
                Object seed = from.map().get("workspace_seed");
                Object secrets = from.map().get(WorkspaceSecrets.FIELD); // in the copied memory
                vms.store().update(id, i -> i.set(VmManager.RESTORE_FROM, FORK_SOURCE).set("workspace_seed", seed)
                        .set("forked_from", src).set(WorkspaceSecrets.FIELD, secrets));
                vms.start(id, progress);
                Files2.deleteTree(paths(id).dir().resolve(FORK_SOURCE));
                vms.releaseOwner(id);
            } catch (IOException | RuntimeException e) {
                try {
                    vms.delete(id, Instance.KIND_WORKSPACE);
                } catch (RuntimeException ignored) {
                    // already gone
                }
                if (e instanceof PyroException p) {
                    throw p;
                }
                throw PyroException.host("forking " + src + " failed: " + e.getMessage() + ".");
            }
            return workspaces.status(id);
        });
    }

    /** The secrets' values from the running guest, for a fresh one; none when it has none or cannot say. */
    private Map<String, String> carrySecrets(Instance inst, ProgressSink progress) {
        if (WorkspaceSecrets.names(inst).isEmpty()) {
            return Map.of();
        }
        try {
            return WorkspaceSecrets.values(vms, inst);
        } catch (RuntimeException e) {
            progress.line("the guest did not give its secrets back (" + e.getMessage() + "): the reset guest has none");
            vms.store().update(inst.id(), i -> i.remove(WorkspaceSecrets.FIELD));
            return Map.of();
        }
    }
}
