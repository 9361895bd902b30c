package pyro.serve.e2b;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * How an envd process lives in a pyro guest. Each one is a streamed exec of {@link #WRAPPER}, a
 * small bash script that starts the command as its child in a session of its own (so a signal
 * reaches everything it started), with stdin from a FIFO when the call asked for stdin (held open by
 * a sleeping writer until {@code CloseStdin}) or /dev/null, in the asked-for directory. Just before
 * the command starts, the child names its real PID and the wrapper's on stderr in one line
 * ({@link #HEADER}), which the server takes off the stream; the wrapper then waits for the command
 * and exits with its status (128+N after signal N), so the exec's result is the process's.
 * Input, signals and closing stdin are further small guest commands on those PIDs.
 */
final class GuestProcess {
    /** The first stderr line of every process: {@code \u001Epyro-e2b PID WRAPPER_PID}. */
    static final String HEADER = "\u001Epyro-e2b ";
    /** Written instead of the header when the directory to start in does not exist. */
    static final String NO_CWD = "\u001Epyro-e2b-nocwd";
    /** Where each process's stdin FIFO and holder PID live, by the wrapper's PID. */
    static final String STATE = "/tmp/.pyro-e2b";
    /** At most this many bytes of one SendInput (they travel as a command-line argument). */
    static final int MAX_INPUT = 64 << 10;

    static final String WRAPPER = String.join("\n",
            "d=" + STATE + "/$$; in=/dev/null",
            "cd -- \"$1\" 2>/dev/null || { printf '%s\\n' '" + NO_CWD + "' >&2; exit 1; }",
            "if [ \"$2\" = 1 ]; then",
            "  mkdir -p \"$d\" && mkfifo \"$d/in\" || exit 1",
            "  (exec sleep 2147483647) >\"$d/in\" & echo $! >\"$d/holder\"; in=\"$d/in\"",
            "fi",
            "shift 2",
            "sh -c 'printf \"\\036pyro-e2b %s %s\\n\" \"$$\" \"$PPID\" >&2; exec setsid \"$@\"' sh \"$@\" <\"$in\" &",
            "c=$!",
            "wait \"$c\"; rc=$?",
            "[ -f \"$d/holder\" ] && kill \"$(cat \"$d/holder\")\" 2>/dev/null",
            "rm -rf \"$d\"",
            "exit $rc");

    private GuestProcess() {}

    /** The exec's argv: the wrapper, the directory, whether stdin stays open, then the command. */
    static List<String> argv(String cwd, boolean stdin, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("bash", "-c", WRAPPER, "pyro-e2b", cwd, stdin ? "1" : "0"));
        argv.addAll(command);
        return argv;
    }

    /** Writes {@code input} to the process's stdin FIFO (opened read-write, so it never blocks). */
    static List<String> sendInput(int wrapperPid, byte[] input) {
        if (input.length > MAX_INPUT) {
            throw E2bError.invalid("input of " + input.length + " bytes is over pyro serve's " + MAX_INPUT
                    + "-byte limit per SendInput: send it in parts");
        }
        return List.of("sh", "-c", "[ -p \"$2\" ] || exit 3; printf %s \"$1\" | base64 -d 1<>\"$2\"", "sh",
                Base64.getEncoder().encodeToString(input), STATE + "/" + wrapperPid + "/in");
    }

    /** Ends the FIFO's holder, so the command reads end-of-file once it has read what was sent. */
    static List<String> closeStdin(int wrapperPid) {
        String d = STATE + "/" + wrapperPid;
        return List.of("sh", "-c", "[ -f \"$1/holder\" ] || exit 3; kill \"$(cat \"$1/holder\")\" 2>/dev/null; rm -f \"$1/holder\"",
                "sh", d);
    }

    /** Sends {@code signal} (KILL, TERM) to the process's session group; exit 3 when it is gone. */
    static List<String> signal(int pid, String signal) {
        return List.of("sh", "-c", "kill -0 \"$2\" 2>/dev/null || exit 3; kill -s \"$1\" -- \"-$2\" 2>/dev/null || kill -s \"$1\" \"$2\"",
                "sh", signal, Integer.toString(pid));
    }

    /** Exit 0 while the process is alive. */
    static List<String> alive(int pid) {
        return List.of("kill", "-0", Integer.toString(pid));
    }

    /**
     * Reads the header off the start of a process's stderr: collects bytes until its line ends, then
     * answers the two PIDs; null while incomplete. {@link #rest} is what followed the line.
     */
    static final class HeaderReader {
        private final StringBuilder seen = new StringBuilder();
        private byte[] rest = new byte[0];
        private boolean noCwd;

        /** Feeds one stderr chunk; answers {pid, wrapperPid} once the header line is complete. */
        int[] feed(byte[] chunk) {
            int nl = -1;
            for (int i = 0; i < chunk.length; i++) {
                if (chunk[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            seen.append(new String(chunk, 0, nl < 0 ? chunk.length : nl, StandardCharsets.UTF_8));
            if (nl < 0) {
                return null;
            }
            rest = java.util.Arrays.copyOfRange(chunk, nl + 1, chunk.length);
            String line = seen.toString();
            if (line.equals(NO_CWD)) {
                noCwd = true;
                return null;
            }
            if (!line.startsWith(HEADER)) {
                throw new IllegalStateException("the guest process wrapper did not name its PID: " + line);
            }
            String[] f = line.substring(HEADER.length()).strip().split(" ");
            return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
        }

        byte[] rest() {
            return rest;
        }

        boolean noCwd() {
            return noCwd;
        }
    }
}
