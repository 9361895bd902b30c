package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/**
 * Exit statuses and error sentences of the packaged CLI are a contract (CONTRACT.md): 2 usage or
 * invalid input, 3 not found, 4 host cannot run guests, 5 guest failure or timeout. None of these
 * needs a guest: every one must fail before a VM is started.
 */
class CliContractTest {
    static Path state;

    @BeforeAll
    static void setUp() {
        state = Guests.newStateDir("contract");
    }

    private static void expect(int code, String fragment, String... args) {
        Cli.Result r = Cli.run(state, 60, args);
        assertEquals(code, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains(fragment), "stderr should name '" + fragment + "': " + r);
        assertTrue(!r.stderr().contains("\tat ") && !r.stderr().contains("Exception"), "no stack trace: " + r);
        assertEquals(1, r.stderr().strip().lines().count(), "one sentence: " + r);
    }

    @Test
    void version() {
        Cli.Result r = Cli.run(state, 60, "--version");
        assertEquals(0, r.exitCode());
        assertEquals("pyro 2.8.0", r.stdout().strip());
    }

    @Test
    void unknownEnvironmentIsNotFound() {
        expect(3, "'nope:1'", "run", "nope:1", "--", "true");
    }

    @Test
    void emptyCommandIsInvalid() {
        expect(2, "command is empty", "run", "debian:12");
    }

    @Test
    void absurdSizesAreInvalid() {
        expect(2, "memory 5 MiB", "run", "debian:12", "--mem-mib", "5", "--", "true");
        expect(2, "vcpu count 999", "run", "debian:12", "--vcpu-count", "999", "--", "true");
        expect(2, "vcpu count -1", "run", "debian:12", "--vcpu-count", "-1", "--", "true");
        expect(2, "timeout -3 seconds", "run", "debian:12", "--timeout-seconds", "-3", "--", "true");
        expect(2, "timeout 99999999 seconds", "run", "debian:12", "--timeout-seconds", "99999999", "--", "true");
    }

    @Test
    void usageErrorsAreExitTwo() {
        expect(2, "--no-such-flag", "run", "--no-such-flag", "debian:12", "--", "true");
        expect(2, "'abc'", "run", "debian:12", "--mem-mib", "abc", "--", "true");
    }

    @Test
    void unknownVmIsNotFoundAndNamed() {
        expect(3, "'vm-000000000000'", "vm", "status", "vm-000000000000");
        expect(3, "'garbage'", "vm", "exec", "garbage", "--", "true");
    }

    @Test
    void jsonErrorsHaveCodeAndMessage() {
        Cli.Result r = Cli.run(state, 60, "run", "nope:1", "--json", "--", "true");
        assertEquals(3, r.exitCode());
        @SuppressWarnings("unchecked")
        Map<String, Object> err = (Map<String, Object>) Json.readMap(r.stderr()).get("error");
        assertEquals("not_found", err.get("code"));
        assertTrue(err.get("message").toString().contains("nope:1"));
    }

    @Test
    void missingQemuIsExitFourWithTheReason() {
        // A fake PATH without QEMU stands in for a host without it (the real host has it installed).
        ProcessBuilder pb = new ProcessBuilder(Cli.dist().resolve("bin/pyro").toString(), "run", "debian:12", "--", "true");
        Cli.env(pb.environment(), state);
        try {
            Path bin = java.nio.file.Files.createTempDirectory(state, "bin");
            for (String tool : new String[] {"readlink", "dirname", "cat"}) {
                java.nio.file.Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool));
            }
            pb.environment().put("PATH", bin.toString());
            Process p = pb.start();
            String err = new String(p.getErrorStream().readAllBytes());
            assertEquals(4, p.waitFor(), err);
            assertTrue(err.contains("qemu-system-x86_64 is not installed"), err);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
