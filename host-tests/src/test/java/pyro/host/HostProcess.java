package pyro.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import pyro.core.Pyro;
import pyro.core.PyroConfig;

/** Shared set-up: a Pyro client on {@link HostProcessBackend} with a private state folder. */
final class HostProcess {
    private HostProcess() {}

    static Path stateDir(String name) {
        try {
            // short: unix socket paths inside it must stay under 108 bytes
            Path base = Path.of("/tmp/pyro-ht");
            Files.createDirectories(base);
            return Files.createTempDirectory(base, name + "-");
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static Pyro pyro(Path stateDir) {
        return pyro(stateDir, 8);
    }

    static Pyro pyro(Path stateDir, int maxActive) {
        PyroConfig cfg = new PyroConfig(stateDir, stateDir.resolve("cache"), null, "host-process", maxActive);
        return Pyro.create(cfg, new HostProcessBackend());
    }

    /** Waits up to {@code limit} for {@code condition}; false when it never held. */
    static boolean within(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    static boolean alive(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
