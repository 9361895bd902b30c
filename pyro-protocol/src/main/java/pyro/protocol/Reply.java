package pyro.protocol;

import java.util.List;
import java.util.Map;

/**
 * Every terminal reply on an agent channel, one record each ({@code data} frames of uploads and
 * downloads are not replies: see {@link Messages#data}), and the records they carry (a service, a
 * shell, a file entry, a forward). These are the wire's shapes; the public JSON records the faces
 * print are made from them by the host ({@code pyro.core}), which decides what a null there shows as.
 */
public sealed interface Reply {
    /** The agent's first frame on a channel (id 0): its protocol version is checked by the host. */
    record Hello(Long version, String agentVersion, String kernelRelease, Long uptimeMs) implements Reply {}

    record Pong(String agentVersion) implements Reply {}

    record ShutdownResult() implements Reply {}

    /** What a {@link Request.Reseed} did: each step true when it took effect in this guest. */
    record ReseedResult(Boolean entropyMixed, Boolean clockSet, Boolean hostnameSet, Long clockSkewMs)
            implements Reply {}

    /** A failed request. The code is one of {@link ErrorCode}'s wire names. */
    record Error(ErrorCode code, String message) implements Reply {}

    record ExecResult(Integer exitCode, String stdout, String stderr, Boolean stdoutTruncated,
            Boolean stderrTruncated, Long durationMs, Boolean timedOut) implements Reply {}

    record ImportResult(Long files, Long bytes, String dest) implements Reply {}

    record ExportResult(String artifactType, Long bytes, Long tarBytes, String path) implements Reply {}

    record SnapshotResult(String path, Long count, List<SnapshotEntry> entries) implements Reply {}

    /**
     * One entry of a snapshot (the diff's input): {@code path} relative to the snapshot's folder,
     * {@code type} file, dir, symlink or other; {@code sha256} for a file (null when not hashed: see
     * {@link Request.Snapshot}); {@code target} for a symlink.
     */
    record SnapshotEntry(String path, Long mode, String type, Long size, String target, String sha256) {}

    record FileListResult(String path, Long count, Boolean truncated, List<FileEntry> entries) implements Reply {}

    /** One entry of a listing: path relative to /workspace, type file, dir, symlink or other; a symlink's target. */
    record FileEntry(String path, String type, Long size, Long mode, String target) {}

    /**
     * {@code size} and {@code sha256} are the whole file's; {@code offset}/{@code bytes} the part sent
     * ({@code eof}: it reaches the end); for line reads {@code lineStart}, {@code lineCount} and the
     * file's {@code totalLines}.
     */
    record FileReadResult(String path, Long size, String sha256, Long offset, Long bytes, Boolean eof,
            Boolean binary, Request.Encoding encoding, String content, Long lineStart, Long lineCount, Long totalLines)
            implements Reply {}

    /** One entry per change, in the request's order. */
    record FileWriteResult(List<FileWritten> files) implements Reply {}

    /** What a change did: {@code action} created, replaced or deleted; {@code sha256} of what was written. */
    record FileWritten(String path, String action, Long bytes, String sha256) {}

    record DiscardResult(Long bytes) implements Reply {}

    /** One service's record (service start, status and stop). */
    record ServiceResult(ServiceRecord service) implements Reply {}

    record ServiceListResult(List<ServiceRecord> services) implements Reply {}

    /**
     * A service as the agent keeps it: its command and policy, its state and the times and outcome of its
     * current run ({@code lastStdout}/{@code lastStderr}, the logs' last lines, only once it failed),
     * {@code lastExit} of the run before a pending restart, and a {@code note} on anything unusual.
     */
    record ServiceRecord(String serviceName, List<String> command, String cwd, ServiceState state, Long pid,
            String startedAt, String readyAt, String endedAt, Integer exitCode, String signal, String stopReason,
            ServiceReadiness readiness, Request.Restart restart, Integer maxRestarts, List<String> after,
            Integer restartCount, ServiceExit lastExit, String nextRestartAt, Long timeToReadyMs, String lastStdout,
            String lastStderr, String note) {}

    /** A service's probe ({@link Request.Probe}'s fields, with its defaults applied) and how it went so far. */
    record ServiceReadiness(Request.ProbeType type, String path, String host, Integer port, String url,
            String command, Long timeoutMs, Long intervalMs, Long attempts, String lastError) {}

    /** How a service's run ended: its exit code or signal name ({@code SIGKILL}) and why. */
    record ServiceExit(Integer exitCode, String signal, String stopReason, String endedAt) {}

    record ServiceLogsResult(String serviceName, String stdout, String stderr, Long stdoutOffset, Long stderrOffset,
            Boolean truncated) implements Reply {}

    /** One shell's record (shell open and close). */
    record ShellResult(ShellRecord shell) implements Reply {}

    /** A PTY shell: {@code state} running, exited or closed; {@code exitCode} once it exited. */
    record ShellRecord(String shellId, String state, String cwd, Long cols, Long rows, Long pid, String startedAt,
            Integer exitCode) {}

    record ShellReadResult(String shellId, String output, Long cursor, Long nextCursor, Boolean truncated,
            String state) implements Reply {}

    record ShellWriteResult(String shellId, Long bytes) implements Reply {}

    record ShellSignalResult(String shellId, Request.Signal signal, Long pgrp) implements Reply {}

    record ShellListResult(List<ShellRecord> shells) implements Reply {}

    /** The names of the secrets the guest now holds. */
    record SecretsResult(List<String> names) implements Reply {}

    /** Secret names to base64 values (only a fresh-boot reset asks). */
    record SecretValues(Map<String, String> values) implements Reply {}

    /** How many bytes a port forward carried each way. */
    record PortConnectResult(Long bytesIn, Long bytesOut) implements Reply {}

    /** Port forwards of the supervisor. */
    record PortsResult(List<Forward> ports) implements Reply {}

    /** One forward: the host's {@code hostAddress:hostPort} to {@code guestPort} in the guest, for a service. */
    record Forward(String service, Integer guestPort, Integer hostPort, String hostAddress) {}

    /**
     * The supervisor's view: {@code vmState} running, paused (a client's pause), saving (a save under
     * way: the guest is paused for its end) or failed (with {@code reason}).
     */
    record VmStatusResult(String vmState, String reason, Long vmmPid, Long pendingRequests) implements Reply {}

    record VmStopResult() implements Reply {}

    /** The answer to {@link Request.Cancel}. */
    record CancelResult(Boolean cancelled) implements Reply {}

    /** The guest's run state after a pause or resume: {@code running} or {@code paused}. */
    record VmControlResult(String vmState) implements Reply {}

    /** A finished save: the bytes its files take, and how long the save took (the guest paused for its end). */
    record VmSaveResult(Long bytes, Long saveMs) implements Reply {}
}
