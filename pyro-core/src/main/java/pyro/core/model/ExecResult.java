package pyro.core.model;

import java.util.List;
import java.util.Map;

/** The outcome of one command in a guest ({@code run}, {@code vm exec}, {@code workspace exec}). */
public record ExecResult(
        String workspaceId,
        long sequence,
        List<String> command,
        String cwd,
        int exitCode,
        String stdout,
        String stderr,
        long durationMs,
        boolean timedOut,
        boolean stdoutTruncated,
        boolean stderrTruncated)
        implements JsonRecord {

    public ExecResult {
        command = List.copyOf(command);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("sequence", sequence)
                .put("command", command)
                .put("cwd", cwd)
                .put("exit_code", exitCode)
                .put("stdout", stdout)
                .put("stderr", stderr)
                .put("duration_ms", durationMs)
                .put("timed_out", timedOut)
                .put("stdout_truncated", stdoutTruncated)
                .put("stderr_truncated", stderrTruncated)
                .map();
    }
}
