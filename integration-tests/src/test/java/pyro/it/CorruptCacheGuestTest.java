package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hostile-guest issue, item 10: a cached environment corrupted without changing any file's size
 * passes the size check every boot makes; the boot then fails, and the user must be told the cache
 * is corrupt and how to rebuild it, not "the guest agent sent null instead of hello".
 */
class CorruptCacheGuestTest {
    @Test
    void item10_aSameSizeCorruptionOfTheCacheIsNamedAfterTheFailedBoot() throws Exception {
        Guests.requireGuests();
        Path state = Guests.newStateDir("corrupt");
        Guests.pull(state);
        Path real = Guests.cacheDir().resolve("environments/debian_12");
        Path cache = Files.createTempDirectory(Path.of("/tmp/pyro-it"), "cache-");
        Path env = Files.createDirectories(cache.resolve("environments/debian_12"));
        for (String f : new String[] {"env.json", "agent.sha256", "vmlinux", "initrd.img"}) {
            Files.copy(real.resolve(f), env.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.createLink(env.resolve("rootfs.ext4"), real.resolve("rootfs.ext4")); // read only: QEMU backs an overlay on it
        try (RandomAccessFile initrd = new RandomAccessFile(env.resolve("initrd.img").toFile(), "rw")) {
            long mid = initrd.length() / 2;
            initrd.seek(mid);
            initrd.write(new byte[64 * 1024]); // zeros in the middle of the compressed initramfs: same size
        }
        ProcessBuilder pb = new ProcessBuilder(Cli.dist().resolve("bin/pyro").toString(), "run", Guests.ENV, "--",
                "true");
        Cli.env(pb.environment(), state);
        pb.environment().put("PYRO_CACHE_DIR", cache.toString());
        Process p = pb.start();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "pyro run did not end");
        String stderr = new String(err, StandardCharsets.UTF_8);
        assertEquals(5, p.exitValue(), stderr);
        assertTrue(stderr.contains("is corrupt") && stderr.contains("pyro env pull debian:12"), stderr);
        assertFalse(Files.exists(env.resolve("env.json")), "the corrupt entry should be discarded");
        try (var walk = Files.walk(cache)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
