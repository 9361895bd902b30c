package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import pyro.core.PyroConfig;
import com.fasterxml.jackson.jr.ob.JSON;

/**
 * Usage errors and invalid input are a contract (docs/contract.md): exit status 2 and exactly one
 * sentence on stderr, naming the offending value, with nothing on stdout. All of these fail before
 * any VM or image is touched, in-process against an empty temp state folder. The packaged-CLI
 * twins of some (run with bad sizes, an unknown flag) are in integration-tests' CliContractTest.
 */
class CliUsageErrorTest {
    @TempDir
    Path tmp;

    PyroConfig config;

    @BeforeEach
    void setUp() {
        config = new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "auto", 4);
    }

    /** Whatever failed, nothing was written: no instance record, no image cache entry. */
    @AfterEach
    void nothingWasCreated() throws IOException {
        for (Path p : new Path[] {tmp.resolve("state/instances"), tmp.resolve("cache/environments")}) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    assertEquals(java.util.List.of(), s.toList(), p + " stays empty");
                }
            }
        }
    }

    static final String TOP = "doctor, env, run, vm, workspace, mcp, host, serve and help";

    static Stream<Arguments> invalid() {
        return Stream.of(
                // unknown commands and options (issue 26: in words, with the nearest name and the list)
                Arguments.of("unknown command 'frobnicate'; 'pyro' has " + TOP + " (see 'pyro --help').",
                        new String[] {"frobnicate"}),
                Arguments.of("unknown command 'wrkspace' (did you mean 'workspace'?); 'pyro' has " + TOP + " (see 'pyro --help').",
                        new String[] {"wrkspace"}),
                Arguments.of("unknown command 'wrkspace' (did you mean 'workspace'?); 'pyro' has " + TOP + " (see 'pyro --help').",
                        new String[] {"wrkspace", "--help"}),
                Arguments.of("unknown command 'wrkspace' (did you mean 'workspace'?); 'pyro' has " + TOP + " (see 'pyro --help').",
                        new String[] {"help", "wrkspace"}),
                Arguments.of("unknown command 'lst' (did you mean 'list'?); 'pyro workspace service' has start, list, status, logs"
                        + " and stop (see 'pyro workspace service --help').", new String[] {"workspace", "service", "lst", "-h"}),
                Arguments.of("unknown option '--bogus' for 'pyro workspace create' (see 'pyro workspace create --help').",
                        new String[] {"workspace", "create", "--bogus", "debian:12"}),
                Arguments.of("unknown option '--nmae' for 'pyro workspace create' (did you mean '--name'?) (see 'pyro workspace"
                        + " create --help').", new String[] {"workspace", "create", "--nmae=x", "debian:12"}),
                Arguments.of("unexpected argument 'extra' for 'pyro workspace status', which takes WS (see 'pyro workspace status"
                        + " --help').", new String[] {"workspace", "status", "ws-000000000000", "extra"}),
                // values that are not numbers: the option and the value in one sentence
                Arguments.of("option --vcpu-count needs a whole number, not 'two' (see 'pyro workspace create --help').",
                        new String[] {"workspace", "create", "debian:12", "--vcpu-count", "two"}),
                Arguments.of("option --mem-mib needs a whole number, not '1G' (see 'pyro vm create --help').",
                        new String[] {"vm", "create", "debian:12", "--mem-mib", "1G"}),
                Arguments.of("option --ttl-seconds needs a whole number, not '10m' (see 'pyro workspace create --help').",
                        new String[] {"workspace", "create", "debian:12", "--ttl-seconds", "10m"}),
                Arguments.of("option --timeout-seconds needs a whole number, not 'soon' (see 'pyro workspace exec --help').",
                        new String[] {"workspace", "exec", "ws-000000000000", "--timeout-seconds", "soon", "--", "true"}),
                // run --ttl-seconds (the original tool's flag): checked before any VM
                Arguments.of("ttl 5 seconds is out of range: use 30 to 604800 seconds.",
                        new String[] {"run", "debian:12", "--ttl-seconds", "5", "--", "true"}),
                Arguments.of("ttl 60 seconds is shorter than the command's timeout of 120 seconds: the VM would be stopped"
                        + " under the command.", new String[] {"run", "debian:12", "--ttl-seconds", "60", "--timeout-seconds",
                            "120", "--", "true"}),
                // the original tool's flag names: the same checks as ours
                Arguments.of("give exactly one of --content TEXT (or --text) and --from-file HOST_FILE|- (or --text-file).",
                        new String[] {"workspace", "file", "write", "ws-000000000000", "a.txt", "--text", "x", "--text-file", "f"}),
                Arguments.of("give the patch exactly once: PATCH_FILE|-, --patch-file PATCH_FILE|- or --patch TEXT, not 2 of them.",
                        new String[] {"workspace", "patch", "apply", "ws-000000000000", "fix.diff", "--patch", "x"}),
                Arguments.of("give the patch exactly once: PATCH_FILE|-, --patch-file PATCH_FILE|- or --patch TEXT.",
                        new String[] {"workspace", "patch", "apply", "ws-000000000000"}),
                Arguments.of("network policy 'sometimes' is unknown: use off, egress, egress+published-ports.",
                        new String[] {"workspace", "create", "debian:12", "--network-policy", "sometimes"}),
                // numbers out of range (pyro's own sentences, checked before the environment or any VM)
                Arguments.of("vcpu count 0 is out of range: use 1 to 16.",
                        new String[] {"workspace", "create", "debian:12", "--vcpu-count", "0"}),
                Arguments.of("vcpu count 17 is out of range: use 1 to 16.",
                        new String[] {"vm", "create", "debian:12", "--vcpu-count", "17"}),
                Arguments.of("memory 128 MiB is out of range: use 256 to 32768 MiB.",
                        new String[] {"workspace", "create", "debian:12", "--mem-mib", "128"}),
                Arguments.of("memory 65536 MiB is out of range: use 256 to 32768 MiB.",
                        new String[] {"vm", "create", "debian:12", "--mem-mib", "65536"}),
                Arguments.of("ttl 5 seconds is out of range: use 30 to 604800 seconds.",
                        new String[] {"workspace", "create", "debian:12", "--ttl-seconds", "5"}),
                Arguments.of("ttl 999999999 seconds is out of range: use 30 to 604800 seconds.",
                        new String[] {"vm", "create", "debian:12", "--ttl-seconds", "999999999"}),
                Arguments.of("ttl -1 seconds is out of range: use 30 to 604800 seconds.",
                        new String[] {"vm", "create", "debian:12", "--ttl-seconds", "-1"}),
                // log cursors: checked before the workspace is looked up
                Arguments.of("log cursor '12' is invalid: use STDOUT_OFFSET:STDERR_OFFSET as printed by a previous logs call.",
                        new String[] {"workspace", "service", "logs", "ws-000000000000", "web", "--after", "12"}),
                Arguments.of("log cursor 'a:b' is invalid: use STDOUT_OFFSET:STDERR_OFFSET as printed by a previous logs call.",
                        new String[] {"workspace", "service", "logs", "ws-000000000000", "web", "--after", "a:b"}),
                Arguments.of("log cursor '-1:0' is invalid: use STDOUT_OFFSET:STDERR_OFFSET as printed by a previous logs call.",
                        new String[] {"workspace", "service", "logs", "ws-000000000000", "web", "--after=-1:0"}),
                Arguments.of("log cursor '1:2:3' is invalid: use STDOUT_OFFSET:STDERR_OFFSET as printed by a previous logs call.",
                        new String[] {"workspace", "service", "logs", "ws-000000000000", "web", "--after", "1:2:3"}),
                Arguments.of("stream 'both-ways' is invalid: use stdout, stderr or both.",
                        new String[] {"workspace", "service", "logs", "ws-000000000000", "web", "--stream", "both-ways"}),
                Arguments.of("tail lines -5 is out of range: use 0 to 100000.",
                        new String[] {"workspace", "service", "logs", "ws-000000000000", "web", "--tail-lines=-5"}),
                // service start arguments the CLI parses itself
                Arguments.of("--env 'DEBUG' is not K=V.",
                        new String[] {"workspace", "service", "start", "ws-000000000000", "web", "--env", "DEBUG", "--", "true"}),
                Arguments.of("--ready-tcp 'localhost:http' is not [HOST:]PORT.",
                        new String[] {"workspace", "service", "start", "ws-000000000000", "web", "--ready-tcp",
                            "localhost:http", "--", "true"}),
                // restart policy and start order (checked before the workspace is looked up)
                Arguments.of("restart policy 'sometimes' is unknown: use no, on-failure or always.",
                        new String[] {"workspace", "service", "start", "ws-000000000000", "web", "--restart", "sometimes",
                            "--", "true"}),
                Arguments.of("max restarts -1 is out of range: use 0 to 1000.",
                        new String[] {"workspace", "service", "start", "ws-000000000000", "web", "--restart", "always",
                            "--max-restarts=-1", "--", "true"}),
                Arguments.of("after condition 'up' in 'db:up' is unknown: use started, ready or exited-ok.",
                        new String[] {"workspace", "service", "start", "ws-000000000000", "web", "--after", "db:up", "--",
                            "true"}),
                Arguments.of("service 'web' cannot start after itself (after 'web:ready' is a cycle).",
                        new String[] {"workspace", "service", "start", "ws-000000000000", "web", "--after", "web:ready",
                            "--", "true"}),
                // missing required arguments
                Arguments.of("missing ENV for 'pyro workspace create' (see 'pyro workspace create --help').",
                        new String[] {"workspace", "create"}),
                Arguments.of("missing WS for 'pyro workspace status' (see 'pyro workspace status --help').",
                        new String[] {"workspace", "status"}),
                Arguments.of("missing --output HOST_PATH for 'pyro workspace export' (see 'pyro workspace export --help').",
                        new String[] {"workspace", "export", "ws-000000000000", "/workspace/out.txt"}),
                Arguments.of("missing --input TEXT for 'pyro workspace shell write' (see 'pyro workspace shell write --help').",
                        new String[] {"workspace", "shell", "write", "ws-000000000000", "sh-1"}),
                Arguments.of("missing WS and SOURCE for 'pyro workspace sync push' (see 'pyro workspace sync push --help').",
                        new String[] {"workspace", "sync", "push"}),
                // secrets (issue 23, rows 1 and 6: named, never echoed, before anything is made)
                Arguments.of("secret file /dev/zero for 'K' is not a regular file (a device, FIFO or folder is never read).",
                        new String[] {"workspace", "create", "debian:12", "--secret-file", "K=/dev/zero"}),
                Arguments.of("secret 'K' is shorter than 8 characters, too short to redact from output without rewriting"
                        + " unrelated text.", new String[] {"workspace", "create", "debian:12", "--secret", "K=e"}),
                // issue 23: a mistyped --secret is never echoed (it may be the value); NAME alone reads the environment
                Arguments.of("a --secret argument is neither NAME=VALUE nor a NAME (its text is not shown, in case it is"
                        + " the value).", new String[] {"workspace", "create", "debian:12", "--secret", "hunter2 hunter2"}),
                Arguments.of("--secret PYRO_TEST_UNSET_0123 takes its value from the environment variable"
                        + " PYRO_TEST_UNSET_0123, which is not set: export it first (or give NAME=VALUE).",
                        new String[] {"workspace", "create", "debian:12", "--secret", "PYRO_TEST_UNSET_0123"}),
                // PATH is set (and long enough): the secret is taken, and the create goes on to the next check
                Arguments.of("workspace name '-bad' is invalid: use 1-64 characters, first a letter or digit, then letters,"
                        + " digits, '.', '_' or '-'.", new String[] {"workspace", "create", "debian:12", "--secret", "PATH",
                            "--name=-bad"}),
                // names
                Arguments.of("workspace name '-bad' is invalid: use 1-64 characters, first a letter or digit, then letters,"
                        + " digits, '.', '_' or '-'.", new String[] {"workspace", "create", "debian:12", "--name=-bad"}),
                Arguments.of("workspace name 'ws-0123456789ab' looks like an id: choose another name.",
                        new String[] {"workspace", "create", "debian:12", "--name", "ws-0123456789ab"}));
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("invalid")
    void exitTwoWithOneSentenceNamingTheValue(String sentence, String[] args) {
        InProcessCli.Result r = InProcessCli.run(config, args);
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertEquals(java.util.List.of("pyro: " + sentence), r.errLines(), r.toString());
    }

    /**
     * Issue 23, row 10: the content of a file write and a patch were read whole, so /dev/zero or an
     * endless stdin ended in an OutOfMemoryError's stack trace. They are read up to the SDK's limit.
     */
    @Test
    void fileWriteFromDevZeroAndPatchFromEndlessStdinFailInOneSentence() {
        InProcessCli.Result file = InProcessCli.run(config, "workspace", "file", "write", "ws-000000000000", "big.bin",
                "--from-file", "/dev/zero");
        assertEquals(2, file.exit(), file.toString());
        assertEquals(java.util.List.of("pyro: the file from /dev/zero is over 8388608 bytes: one write carries at most 8 MiB"
                + " (push larger files with workspace sync push)."), file.errLines(), file.toString());
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.InputStream() {
                @Override
                public int read() {
                    return '+';
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    java.util.Arrays.fill(b, off, off + len, (byte) '+');
                    return len;
                }
            });
            InProcessCli.Result patch = InProcessCli.run(config, "workspace", "patch", "apply", "ws-000000000000", "-");
            assertEquals(2, patch.exit(), patch.toString());
            assertEquals(java.util.List.of("pyro: the patch from stdin is over 16777216 bytes: a patch may be at most 16 MiB"
                    + " (split it into smaller patches)."), patch.errLines(), patch.toString());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void twoReadinessProbesAtOnceAreAUsageError() {
        InProcessCli.Result r = InProcessCli.run(config, "workspace", "service", "start", "ws-000000000000", "web",
                "--ready-file", "ready", "--ready-tcp", "8080", "--", "true");
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("--ready-file") && r.err().contains("--ready-tcp"), r.toString());
        assertTrue(r.err().contains("mutually exclusive"), r.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void withJsonAUsageErrorIsTheErrorObject() throws Exception {
        InProcessCli.Result r = InProcessCli.run(config, "workspace", "create", "debian:12", "--json", "--mem-mib", "lots");
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out(), r.toString());
        Map<String, Object> err = (Map<String, Object>) JSON.std.mapFrom(r.err()).get("error");
        assertEquals("invalid_input", err.get("code"));
        assertEquals("option --mem-mib needs a whole number, not 'lots' (see 'pyro workspace create --help').",
                err.get("message"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void withJsonAnInvalidValueIsTheErrorObject() throws Exception {
        InProcessCli.Result r = InProcessCli.run(config, "vm", "create", "debian:12", "--vcpu-count", "99", "--json");
        assertEquals(2, r.exit(), r.toString());
        Map<String, Object> err = (Map<String, Object>) JSON.std.mapFrom(r.err()).get("error");
        assertEquals(Map.of("code", "invalid_input", "message", "vcpu count 99 is out of range: use 1 to 16."), err);
    }
}
