package pyro.kvm.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import pyro.core.internal.Files2;
import pyro.core.internal.Json;
import pyro.kvm.HostProbe;

/**
 * Proves an acceleration by booting with it: QEMU {@code microvm} with the environment's kernel and
 * initramfs and {@code rdinit=/bin/busybox}, so the first user-space program is busybox, which prints
 * its banner on the console and exits; the kernel then panics and, with {@code panic=-1} and
 * {@code -no-reboot}, QEMU ends. The probe booted when the banner reached the console: a real
 * kernel got all the way to user space. It takes about a second under TCG and much less on KVM; a
 * KVM that cannot run the kernel (PVM) either aborts QEMU at once or never gets there, and the short
 * timeout ends it.
 *
 * <p>Verdicts are kept in {@code CACHE/probes/}, keyed by the acceleration, the host's kernel, the
 * QEMU version and the guest kernel (its version and size), so one probe per change is paid.
 */
final class AccelProbe {
    static final String MARKER = "BusyBox v";
    static final long KVM_TIMEOUT_MS = 10_000;
    static final long TCG_TIMEOUT_MS = 60_000;

    /** One acceleration's verdict: did a probe guest reach user space, in how long, and if not, why. */
    record Verdict(String accel, boolean booted, long ms, String reason, boolean cached, String key) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accel", accel);
            m.put("booted", booted);
            m.put("ms", ms);
            m.put("reason", reason);
            m.put("cached", cached);
            return m;
        }
    }

    private final Path dir;
    private final Path qemu;
    private final LongSupplier tscKhz;

    AccelProbe(Path cacheDir, Path qemu, LongSupplier tscKhz) {
        this.dir = cacheDir.resolve("probes");
        this.qemu = qemu;
        this.tscKhz = tscKhz;
    }

    /** What a verdict depends on, as one line. */
    static String key(String accel, String hostKernel, String qemuVersion, String guestKernel) {
        return "accel=" + accel + " host=" + hostKernel + " qemu=" + qemuVersion + " guest=" + guestKernel;
    }

    String key(String accel, Path envDir) {
        return key(accel, readFirstLine(Path.of("/proc/sys/kernel/osrelease")), HostProbe.version(qemu, "--version"),
                guestKernel(envDir));
    }

    /** The environment's kernel version (env.json) and vmlinux size, or "unknown". */
    static String guestKernel(Path envDir) {
        try {
            Object v = Json.readMap(Files.readString(envDir.resolve("env.json"))).get("kernel_version");
            return v + "/" + Files.size(envDir.resolve("vmlinux"));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private Path file(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h, 0, 12) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cached verdict for this acceleration and environment's kernel, else a fresh probe (then cached). */
    Verdict verdict(String accel, Path envDir) {
        String key = key(accel, envDir);
        Path f = file(key);
        try {
            if (Files.isRegularFile(f)) {
                Map<String, Object> m = Json.readMap(Files.readString(f));
                if (key.equals(m.get("key")) && m.get("booted") instanceof Boolean b && m.get("ms") instanceof Number ms) {
                    return new Verdict(accel, b, ms.longValue(), (String) m.get("reason"), true, key);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // a broken entry is probed again
        }
        Verdict v = probe(accel, envDir, key);
        try {
            Files.createDirectories(dir);
            Map<String, Object> m = new LinkedHashMap<>(v.toMap());
            m.remove("cached");
            m.put("key", key);
            Files2.writeAtomically(f, Json.write(m).getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // not cached: the next use probes again
        }
        return v;
    }

    List<String> argv(String accel, Path envDir, Path console) {
        List<String> argv = new ArrayList<>(List.of(qemu.toString(), "-M", "microvm"));
        if ("kvm".equals(accel)) {
            argv.addAll(List.of("-accel", "kvm", "-cpu", "host"));
        } else {
            argv.addAll(List.of("-accel", "tcg"));
        }
        String append = "console=ttyS0 quiet panic=-1 reboot=t rdinit=/bin/busybox"
                + ("kvm".equals(accel) ? "" : " tsc_early_khz=" + tscKhz.getAsLong());
        argv.addAll(List.of("-no-reboot", "-nodefaults", "-no-user-config", "-display", "none", "-m", "256", "-smp", "1",
                "-serial", "file:" + console, "-kernel", envDir.resolve("vmlinux").toString(),
                "-initrd", envDir.resolve("initrd.img").toString(), "-append", append));
        return argv;
    }

    /** Boots the probe guest once. */
    Verdict probe(String accel, Path envDir, String key) {
        long limit = "kvm".equals(accel) ? KVM_TIMEOUT_MS : TCG_TIMEOUT_MS;
        Path work = null;
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
            work = Files.createTempDirectory(dir, "." + accel + "-");
            Path console = work.resolve("console.log");
            Path out = work.resolve("qemu.log");
            Process p = new ProcessBuilder(argv(accel, envDir, console)).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            boolean ended = p.waitFor(limit, TimeUnit.MILLISECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (!ended) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            String shown = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
            if (shown.contains(MARKER)) {
                return new Verdict(accel, true, ms, null, false, key);
            }
            String reason = !ended
                    ? "no user space within " + limit / 1000 + " s (the guest kernel hangs under " + accel + ")"
                    : "QEMU exited with status " + p.exitValue() + " before user space: " + tail(out, shown);
            return new Verdict(accel, false, ms, reason, false, key);
        } catch (IOException e) {
            return new Verdict(accel, false, (System.nanoTime() - t0) / 1_000_000, "the probe could not run: "
                    + e.getMessage(), false, key);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Verdict(accel, false, 0, "interrupted", false, key);
        } finally {
            try {
                if (work != null) {
                    Files2.deleteTree(work);
                }
            } catch (IOException ignored) {
                // a hidden leftover
            }
        }
    }

    private static String tail(Path qemuLog, String console) throws IOException {
        String q = Files.exists(qemuLog) ? Files.readString(qemuLog, StandardCharsets.ISO_8859_1).strip() : "";
        String s = !q.isEmpty() ? q : console.strip();
        List<String> lines = s.lines().toList();
        String t = String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        return t.isEmpty() ? "(no output)" : t;
    }

    private static String readFirstLine(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }
}
