package pyro.core.spi;

import java.nio.file.Path;

/**
 * Every file of one VM's or workspace's private state folder ({@code STATE/instances/ID/}, 0700),
 * named in this one place for the state store, the supervisor and the backends.
 */
public record InstancePaths(Path dir) {
    /** The record every face prints (written atomically, updated under {@link #recordLock()}). */
    public Path record() {
        return dir.resolve("record.json");
    }

    public Path recordLock() {
        return dir.resolve("record.lock");
    }

    /** The exec journal, one JSON line per command. */
    public Path journal() {
        return dir.resolve("journal.jsonl");
    }

    /** The supervisor's client socket (0600). */
    public Path supervisorSocket() {
        return dir.resolve("supervisor.sock");
    }

    /** Where the supervisor listens for the VMM's agent channel (a unix socket). */
    public Path agentSocket() {
        return dir.resolve("agent.sock");
    }

    /** What the supervisor runs: the backend's launch plan plus the instance it belongs to. */
    public Path launchFile() {
        return dir.resolve("launch.json");
    }

    public Path supervisorPid() {
        return dir.resolve("supervisor.pid");
    }

    public Path vmmPid() {
        return dir.resolve("vmm.pid");
    }

    public Path supervisorLog() {
        return dir.resolve("supervisor.log");
    }

    /** The VMM's own stdout and stderr. */
    public Path vmmLog() {
        return dir.resolve("vmm.log");
    }

    /** The guest's serial console. */
    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    /** The agent's hello frame, as received at boot. */
    public Path hello() {
        return dir.resolve("hello.json");
    }

    /** The VM's copy-on-write root disk. */
    public Path overlay() {
        return dir.resolve("overlay.qcow2");
    }

    /** Where a {@link LaunchPlan.Sidecar} writes its output. */
    public Path sidecarLog(String name) {
        return dir.resolve(name + ".log");
    }

    /** A sidecar's pid, so a delete can end it when the supervisor cannot. */
    public Path sidecarPid(String name) {
        return dir.resolve(name + ".pid");
    }

    /** The unix socket of the guest's user-mode network stack (passt), when the VM has a network. */
    public Path netSocket() {
        return dir.resolve("net.sock");
    }

    /**
     * The guest's vsock ports as the host reaches them (hybrid vsock: connect, {@code CONNECT <port>}),
     * served by Firecracker or by QEMU's vhost-device-vsock sidecar, when the agent channel is vsock.
     */
    public Path vsockSocket() {
        return dir.resolve("vsock.sock");
    }

    /** The vhost-user socket between QEMU and its vhost-device-vsock sidecar. */
    public Path vhostUserVsockSocket() {
        return dir.resolve("vsock-vu.sock");
    }

    /** The VMM's HTTP API socket (Firecracker's {@code --api-sock}). */
    public Path apiSocket() {
        return dir.resolve("api.sock");
    }

    /**
     * Where a save into {@code dir} is written before it is moved into place: a hidden sibling, so an
     * interrupted save leaves nothing that looks like a saved machine ({@link #isPartial} finds it).
     */
    public static Path partialOf(Path dir) {
        return dir.resolveSibling("." + dir.getFileName() + PARTIAL);
    }

    /** Whether {@code name} is a save still being written, or what a killed one left. */
    public static boolean isPartial(String name) {
        return name.startsWith(".") && name.endsWith(PARTIAL);
    }

    private static final String PARTIAL = ".partial";

    /** The VMM's control socket (QEMU's QMP monitor), for saving the running machine. */
    public Path qmpSocket() {
        return dir.resolve("qmp.sock");
    }

    /** The workspace's named machine snapshots, one folder each. */
    public Path snapshots() {
        return dir.resolve("snapshots");
    }

    /** The machine of a stopped (suspended) workspace, restored by its next start. */
    public Path suspended() {
        return dir.resolve("suspended");
    }
}
