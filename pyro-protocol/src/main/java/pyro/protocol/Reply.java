package pyro.protocol;

import java.util.List;
import java.util.Map;

/**
 * Every terminal reply on an agent channel, one record each ({@code data} frames of uploads and
 * downloads are not replies: see {@link Messages#data}). Service and shell records are the agent's
 * own field maps, passed through unchanged because their JSON shape is the public contract.
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

    record SnapshotResult(String path, Long count, List<Map<String, Object>> entries) implements Reply {}

    /** Entries {@code {path (relative to /workspace), type (file|dir|symlink|other), size, mode}}. */
    record FileListResult(String path, Long count, Boolean truncated, List<Map<String, Object>> entries)
            implements Reply {}

    /**
     * {@code size} and {@code sha256} are the whole file's; {@code offset}/{@code bytes} the part sent
     * ({@code eof}: it reaches the end); for line reads {@code lineStart}, {@code lineCount} and the
     * file's {@code totalLines}.
     */
    record FileReadResult(String path, Long size, String sha256, Long offset, Long bytes, Boolean eof,
            Boolean binary, String encoding, String content, Long lineStart, Long lineCount, Long totalLines)
            implements Reply {}

    /** One entry per change: {@code {path, action (created|replaced|deleted), bytes, sha256}}. */
    record FileWriteResult(List<Map<String, Object>> files) implements Reply {}

    record DiscardResult(Long bytes) implements Reply {}

    /** One service's record (service start, status and stop). */
    record ServiceResult(Map<String, Object> service) implements Reply {}

    record ServiceListResult(List<Map<String, Object>> services) implements Reply {}

    record ServiceLogsResult(String serviceName, String stdout, String stderr, Long stdoutOffset, Long stderrOffset,
            Boolean truncated) implements Reply {}

    /** One shell's record (shell open and close). */
    record ShellResult(Map<String, Object> shell) implements Reply {}

    record ShellReadResult(String shellId, String output, Long cursor, Long nextCursor, Boolean truncated,
            String state) implements Reply {}

    record ShellWriteResult(String shellId, Long bytes) implements Reply {}

    record ShellSignalResult(String shellId, String signal, Long pgrp) implements Reply {}

    record ShellListResult(List<Map<String, Object>> shells) implements Reply {}

    /** The names of the secrets the guest now holds. */
    record SecretsResult(List<String> names) implements Reply {}

    /** Secret names to base64 values (only a fresh-boot reset asks). */
    record SecretValues(Map<String, String> values) implements Reply {}

    /** How many bytes a port forward carried each way. */
    record PortConnectResult(Long bytesIn, Long bytesOut) implements Reply {}

    /** Port forwards: {@code {service, guest_port, host_port, host_address}} each. */
    record PortsResult(List<Map<String, Object>> ports) implements Reply {}

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
