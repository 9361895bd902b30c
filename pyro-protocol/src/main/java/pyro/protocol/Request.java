package pyro.protocol;

import java.util.List;
import java.util.Map;

/**
 * Every request a host sends down an agent channel, one record each, typed by the reply that answers
 * it ({@code Exec implements ToAgent<Reply.ExecResult>}), so a caller gets that reply's type without
 * naming it ({@link Messages#replyType}). The agent dispatches on this sealed type with a
 * {@code switch}; the host managers build these records instead of maps. Field names on the wire are
 * the components' names in snake_case ({@link Messages}); a {@code null} component is a field the
 * sender left out (the receiver applies its default).
 *
 * <p>{@link ToSupervisor} requests ({@link VmStatus}, {@link VmStop}, {@link VmPause}, {@link VmResume},
 * {@link VmSave} and the port requests) are answered by the VM's supervisor itself, the one controller
 * of the running VMM; every other request is relayed to the guest agent.
 */
public sealed interface Request<R extends Reply> {
    /** A request the guest agent answers; the VM's supervisor relays it and its reply. */
    sealed interface ToAgent<R extends Reply> extends Request<R> {}

    /** A request the VM's supervisor answers itself: it never reaches the agent. */
    sealed interface ToSupervisor<R extends Reply> extends Request<R> {}

    /** A request about the guest's services, answered by the agent's service table. */
    sealed interface ServiceRequest<R extends Reply> extends ToAgent<R> {}

    /** A request about the guest's interactive shells, answered by the agent's shell table. */
    sealed interface ShellRequest<R extends Reply> extends ToAgent<R> {}

    /** Liveness check; answered by {@link Reply.Pong}. */
    record Ping() implements ToAgent<Reply.Pong> {}

    /** Sync the guest's disks and power it off. */
    record Shutdown() implements ToAgent<Reply.ShutdownResult> {}

    /**
     * Run argv in the guest (cwd defaults to /workspace); answered by {@link Reply.ExecResult}.
     * {@code secretEnv} maps environment variables to the names of workspace secrets the agent fills in.
     * With {@code stream} true the output also travels as it is produced, in {@code data} frames whose
     * first byte is {@link #STDOUT} or {@link #STDERR} (secrets redacted, at most the output limit each),
     * before the result, which carries the whole (capped) output as always.
     */
    record Exec(List<String> argv, String cwd, Map<String, String> env, Long timeoutMs, Long outputLimitBytes,
            Map<String, String> secretEnv, Boolean stream) implements ToAgent<Reply.ExecResult> {
        public Exec(List<String> argv, String cwd, Map<String, String> env, Long timeoutMs, Long outputLimitBytes) {
            this(argv, cwd, env, timeoutMs, outputLimitBytes, null, null);
        }

        /** The first byte of each {@code data} frame of a streamed exec: which stream the rest came from. */
        public static final byte STDOUT = 'o';

        public static final byte STDERR = 'e';
    }

    /**
     * Keep these secrets in the guest (names to values), for later {@code secret_env} mappings, and
     * redact their values from everything the agent sends; answered by {@link Reply.SecretsResult}.
     */
    record SecretsPut(Map<String, String> secrets) implements ToAgent<Reply.SecretsResult> {}

    /**
     * The secrets' values, base64 (so no redaction touches them), for a reset that boots a fresh guest
     * and must carry them over; answered by {@link Reply.SecretValues}.
     */
    record SecretsGet() implements ToAgent<Reply.SecretValues> {}

    /** Extract the tar stream that follows in {@code data} frames under {@code dest}. */
    record Import(String dest) implements ToAgent<Reply.ImportResult> {}

    /**
     * Stream {@code path} back as a tar in {@code data} frames, then {@link Reply.ExportResult};
     * refused before anything is sent when the files' apparent sizes add up to more than
     * {@code maxBytes} (null: no limit).
     */
    record Export(String path, Long maxBytes) implements ToAgent<Reply.ExportResult> {}

    /**
     * List every entry under {@code path} with its digest (the diff's input). With {@code digests} false
     * files up to the hashing limit come without {@code sha256}: the host fills in the digests of a
     * seed it streamed itself (null: true, as before the field existed).
     */
    record Snapshot(String path, Boolean digests) implements ToAgent<Reply.SnapshotResult> {
        public Snapshot(String path) {
            this(path, null);
        }
    }

    /**
     * List a folder of /workspace without digests: its children, or with {@code recursive} everything
     * under it, at most {@code maxEntries}; answered by {@link Reply.FileListResult}.
     */
    record FileList(String path, Boolean recursive, Long maxEntries) implements ToAgent<Reply.FileListResult> {}

    /**
     * Read part of one file: {@code limit} bytes from {@code offset}, or {@code lineCount} lines from
     * line {@code lineStart} (1-based), as {@code text} (refused for a binary file) or {@code base64};
     * answered by {@link Reply.FileReadResult}.
     */
    record FileRead(String path, Long offset, Long limit, Long lineStart, Long lineCount, Encoding encoding)
            implements ToAgent<Reply.FileReadResult> {}

    /**
     * Write, create or delete files, all or nothing. Every precondition is checked and every new file
     * staged before the first one is replaced; answered by {@link Reply.FileWriteResult}.
     */
    record FileWrite(List<FileChange> changes) implements ToAgent<Reply.FileWriteResult> {}

    /**
     * One change of a {@link FileWrite}: {@code path} plus {@code contentBase64} or {@code delete} true,
     * and optionally {@code expectedSha256} (the file's digest now, or {@code new}: it must not exist).
     */
    record FileChange(String path, String contentBase64, Boolean delete, String expectedSha256) {
        public static FileChange write(String path, String contentBase64, String expectedSha256) {
            return new FileChange(path, contentBase64, null, expectedSha256);
        }

        public static FileChange delete(String path, String expectedSha256) {
            return new FileChange(path, null, true, expectedSha256);
        }
    }

    /** Read the upload that follows and throw it away (the bench's raw channel speed). */
    record Discard() implements ToAgent<Reply.DiscardResult> {}

    /**
     * Start a named service with an optional readiness probe, a restart policy ({@code restart}: no,
     * on-failure or always; at most {@code maxRestarts} in a row) and a start order ({@code after}:
     * {@code NAME[:started|ready|exited-ok]} entries); null fields take {@link ServicePolicy}'s defaults.
     */
    record ServiceStart(String name, List<String> argv, String cwd, Map<String, String> env, Probe readiness,
            Restart restart, Integer maxRestarts, List<String> after, Map<String, String> secretEnv)
            implements ServiceRequest<Reply.ServiceResult> {
        /** A start without a restart policy or start order (the defaults). */
        public ServiceStart(String name, List<String> argv, String cwd, Map<String, String> env, Probe readiness) {
            this(name, argv, cwd, env, readiness, null, null, null, null);
        }

        public ServiceStart(String name, List<String> argv, String cwd, Map<String, String> env, Probe readiness,
                Restart restart, Integer maxRestarts, List<String> after) {
            this(name, argv, cwd, env, readiness, restart, maxRestarts, after, null);
        }
    }

    record ServiceList() implements ServiceRequest<Reply.ServiceListResult> {}

    record ServiceStatus(String name) implements ServiceRequest<Reply.ServiceResult> {}

    /** A service's logs after byte cursors, or the last {@code tailLines}; stream stdout, stderr or both. */
    record ServiceLogs(String name, Integer tailLines, LogStream stream, Long afterStdout, Long afterStderr)
            implements ServiceRequest<Reply.ServiceLogsResult> {}

    /** TERM the service's process group, wait {@code graceMs}, then KILL. */
    record ServiceStop(String name, Long graceMs) implements ServiceRequest<Reply.ServiceResult> {}

    record ShellOpen(String cwd, Long cols, Long rows, Map<String, String> secretEnv)
            implements ShellRequest<Reply.ShellResult> {
        public ShellOpen(String cwd, Long cols, Long rows) {
            this(cwd, cols, rows, null);
        }
    }

    record ShellRead(String shellId, Long cursor, Long maxChars, Long waitMs, Long idleMs)
            implements ShellRequest<Reply.ShellReadResult> {
        public ShellRead(String shellId, Long cursor, Long maxChars, Long waitMs) {
            this(shellId, cursor, maxChars, waitMs, null);
        }
    }

    record ShellWrite(String shellId, String input, Boolean newline) implements ShellRequest<Reply.ShellWriteResult> {}

    record ShellSignal(String shellId, Signal signal) implements ShellRequest<Reply.ShellSignalResult> {}

    record ShellClose(String shellId) implements ShellRequest<Reply.ShellResult> {}

    record ShellList() implements ShellRequest<Reply.ShellListResult> {}

    /**
     * Make a guest restored from a memory snapshot its own machine before anything runs: mix
     * {@code entropy} (base64 of fresh host random bytes) into the kernel RNG, set the clock to
     * {@code epochMs}, and set the hostname and machine id.
     */
    record Reseed(String entropy, Long epochMs, String hostname, String machineId)
            implements ToAgent<Reply.ReseedResult> {}

    /**
     * Connect to {@code port} on the guest's loopback and pipe bytes both ways: the host's {@code data}
     * frames are written to the connection and the connection's bytes come back as {@code data}
     * frames; {@code data_end} half-closes either way. Each side sends {@code data_ack} frames for what
     * it consumed, and neither has more than {@link Messages#FORWARD_WINDOW} bytes unacknowledged, so
     * a slow peer never stalls the channel; an ack of -1 aborts. Ends with {@link Reply.PortConnectResult}.
     */
    record PortConnect(Integer port) implements ToAgent<Reply.PortConnectResult> {}

    /**
     * Stop the request the agent knows as {@code requestId} because whoever asked for it went away
     * (an MCP {@code notifications/cancelled}, a client that hung up): a running {@link Exec}'s
     * process group is killed. Sent by the VM's supervisor, which knows the agent-side ids; answered by
     * {@link Reply.CancelResult}, whose {@code cancelled} says whether such a request was running.
     */
    record Cancel(Long requestId) implements ToAgent<Reply.CancelResult> {}

    /**
     * Supervisor: listen on the host's 127.0.0.1 at {@code hostPort} (0: any free port) and forward each
     * connection to {@code guestPort} in the guest, for {@code service}; answered by {@link Reply.PortsResult}
     * with the one forward. The supervisor ends a service's forwards when the service is no longer
     * running (it looks every second) and with the VM.
     */
    record PortPublish(String service, Integer guestPort, Integer hostPort)
            implements ToSupervisor<Reply.PortsResult> {}

    /** Supervisor: end {@code service}'s forwards (only the one on {@code hostPort} when given). */
    record PortUnpublish(String service, Integer hostPort) implements ToSupervisor<Reply.PortsResult> {}

    /** Supervisor: every forward it has; answered by {@link Reply.PortsResult}. */
    record PortList() implements ToSupervisor<Reply.PortsResult> {}

    /** Supervisor: is the VM alive, and why not. Answered by {@link Reply.VmStatusResult}. */
    record VmStatus() implements ToSupervisor<Reply.VmStatusResult> {}

    /** Supervisor: end the VM ({@code graceful}: ask the agent to sync and power off first). */
    record VmStop(Boolean graceful) implements ToSupervisor<Reply.VmStopResult> {}

    /**
     * Supervisor: stop the guest's vCPUs for as long as the asking connection stays open (it is run
     * again by {@link VmResume}, or when that connection closes, so no client can leave it paused for
     * good); requests for the agent wait meanwhile. Answered by {@link Reply.VmControlResult}.
     */
    record VmPause() implements ToSupervisor<Reply.VmControlResult> {}

    /** Supervisor: run a paused guest again. Answered by {@link Reply.VmControlResult}. */
    record VmResume() implements ToSupervisor<Reply.VmControlResult> {}

    /**
     * Supervisor: save the whole running machine (memory, devices and its disk as of one instant) into
     * the new folder {@code dir} (an absolute path inside pyro's instances folder), then run the guest
     * on, or with {@code stop} true record the VM stopped with {@code dir} to resume from and end it.
     * The supervisor finishes the save, or rolls it back with the guest running again, whatever becomes
     * of the client that asked. Answered by {@link Reply.VmSaveResult}.
     */
    record VmSave(String dir, Boolean stop) implements ToSupervisor<Reply.VmSaveResult> {}

    /**
     * A readiness probe as the agent runs it: the field for its {@code type} is set; timeout and
     * interval in milliseconds. A service's record shows it back in {@link Reply.ServiceReadiness}.
     */
    record Probe(ProbeType type, String path, String host, Integer port, String url, String command, Long timeoutMs,
            Long intervalMs) {}

    // ---- the enums of requests (and of the replies that echo them), each behind the one idiom of Wire

    /** What a readiness probe waits for. */
    enum ProbeType implements Wire {
        NONE, FILE, TCP, HTTP, COMMAND;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A service's restart policy ({@link ServicePolicy} has its numbers). */
    enum Restart implements Wire {
        NO("no"), ON_FAILURE("on-failure"), ALWAYS("always");

        private final String wire;

        Restart(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }
    }

    /** Which of a service's logs a {@link ServiceLogs} reads. */
    enum LogStream implements Wire {
        STDOUT, STDERR, BOTH;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The signals a shell's foreground process group can be sent, by their names without {@code SIG}. */
    enum Signal implements Wire {
        INT, TERM, HUP, KILL;

        @Override
        public String wire() {
            return name();
        }
    }

    /** How a {@link FileRead} carries a file's bytes. */
    enum Encoding implements Wire {
        TEXT, BASE64;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
