package pyro.cli;

import pyro.protocol.ErrorCode;
import pyro.core.model.ExecResult;
import pyro.core.model.JsonRecord;

/** Prints a guest command's result: its output verbatim, or the record with --json. */
final class ExecOutput {
    private ExecOutput() {}

    /**
     * Where a streamed command's output goes as the guest produces it: stdout's bytes to stdout and
     * stderr's to stderr, each flushed at once; null with --json (the record is printed whole at the end).
     */
    static pyro.core.OutputListener live(boolean json) {
        if (json) {
            return null;
        }
        return (stderr, chunk) -> {
            java.io.PrintStream to = stderr ? System.err : System.out;
            to.write(chunk, 0, chunk.length);
            to.flush();
        };
    }

    /** Returns the exit status: the command's own, or 5 when it timed out. */
    static int print(ExecResult exec, JsonRecord jsonRecord, long timeoutSeconds) {
        return print(exec, jsonRecord, timeoutSeconds, false);
    }

    /** As above; {@code streamed}: the output was already printed as it came, so only the trailer is left. */
    static int print(ExecResult exec, JsonRecord jsonRecord, long timeoutSeconds, boolean streamed) {
        if (jsonRecord != null) {
            Output.json(jsonRecord);
        } else if (streamed) {
            if (exec.stdoutTruncated() || exec.stderrTruncated()) {
                System.err.println("[pyro] output was truncated");
            }
        } else {
            System.out.print(exec.stdout());
            System.out.flush();
            System.err.print(exec.stderr());
            if (exec.stdoutTruncated() || exec.stderrTruncated()) {
                System.err.println("[pyro] output was truncated");
            }
        }
        if (exec.timedOut()) {
            System.err.println("pyro: the command timed out after " + timeoutSeconds + " seconds and was killed.");
            return ErrorCode.TIMEOUT.exitStatus();
        }
        return exec.exitCode() < 0 ? ErrorCode.GUEST_FAILURE.exitStatus() : exec.exitCode();
    }
}
