package pyro.cli;

import pyro.core.ErrorCode;
import pyro.core.model.ExecResult;
import pyro.core.model.JsonRecord;

/** Prints a guest command's result: its output verbatim, or the record with --json. */
final class ExecOutput {
    private ExecOutput() {}

    /** Returns the exit status: the command's own, or 5 when it timed out. */
    static int print(ExecResult exec, JsonRecord jsonRecord, long timeoutSeconds) {
        if (jsonRecord != null) {
            Output.json(jsonRecord);
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
