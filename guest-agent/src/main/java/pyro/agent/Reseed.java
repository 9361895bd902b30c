package pyro.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * Makes a guest restored from a memory snapshot its own machine: every restore starts with the same
 * RNG pool, clock, hostname and machine id as the saved guest. Only inside a guest: the agent run
 * as a host process (tests) must not touch the host's clock or name.
 */
final class Reseed {
    private Reseed() {}

    static Reply.ReseedResult apply(Request.Reseed r, boolean guest) {
        if (!guest) {
            return new Reply.ReseedResult(false, false, false, null);
        }
        boolean mixed = false;
        if (r.entropy() != null) {
            try {
                // writing to the pool mixes the bytes in: every restored guest's output diverges at once
                Files.write(Path.of("/dev/urandom"), Base64.getDecoder().decode(r.entropy()));
                mixed = true;
            } catch (IOException | IllegalArgumentException e) {
                Log.error("cannot mix host entropy into the guest's RNG", e);
            }
        }
        Long skew = null;
        boolean clock = false;
        if (r.epochMs() != null) {
            skew = r.epochMs() - System.currentTimeMillis();
            long ms = r.epochMs();
            String at = "@" + ms / 1000 + "." + String.format("%03d", ms % 1000);
            clock = run("date", "-u", "-s", at);
        }
        boolean named = false;
        try {
            if (r.hostname() != null && r.hostname().matches("[a-z0-9-]{1,63}")) {
                Files.writeString(Path.of("/proc/sys/kernel/hostname"), r.hostname(), StandardCharsets.US_ASCII);
                named = true;
            }
            if (r.machineId() != null && r.machineId().matches("[0-9a-f]{32}")) {
                Files.writeString(Path.of("/etc/machine-id"), r.machineId() + "\n", StandardCharsets.US_ASCII);
            }
        } catch (IOException e) {
            Log.error("cannot set the hostname or machine id", e);
        }
        return new Reply.ReseedResult(mixed, clock, named, skew);
    }

    private static boolean run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
