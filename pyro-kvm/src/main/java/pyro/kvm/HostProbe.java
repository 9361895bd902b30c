package pyro.kvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Facts about this host, found by looking, not assumed: whether /dev/kvm can run a stock guest
 * kernel (hardware KVM through kvm_intel or kvm_amd) or not (absent, not accessible, or PVM, which
 * runs only PVM-built guest kernels), and which tools are installed.
 */
public final class HostProbe {
    private HostProbe() {}

    /** The acceleration decision and its reason. */
    public record Accel(String accel, String reason, boolean kvmDevice) {}

    public static Accel accel() {
        return accel(System.getenv("PYRO_ACCEL"), Path.of("/dev"), Path.of("/sys"));
    }

    /**
     * The decision over the given {@code /dev} and {@code /sys} roots, so that it can be checked
     * against real files in a scratch folder.
     */
    static Accel accel(String forced, Path devRoot, Path sysRoot) {
        Path dev = devRoot.resolve("kvm");
        Path modules = sysRoot.resolve("module");
        boolean device = Files.exists(dev);
        return accel(forced, device, device && Files.isReadable(dev) && Files.isWritable(dev),
                Files.exists(modules.resolve("kvm_pvm")), Files.exists(modules.resolve("kvm_intel")),
                Files.exists(modules.resolve("kvm_amd")));
    }

    /** The decision itself, over the facts probed: a pure function. */
    static Accel accel(String forced, boolean device, boolean accessible, boolean pvm, boolean intel, boolean amd) {
        if ("tcg".equals(forced)) {
            return new Accel("tcg", "PYRO_ACCEL=tcg forces software emulation", device);
        }
        if (!device) {
            return new Accel("tcg", "/dev/kvm is absent, so guests run under TCG software emulation", false);
        }
        if (!accessible) {
            return new Accel("tcg", "/dev/kvm exists but this user cannot open it (add the user to group kvm)", true);
        }
        if (pvm) {
            return new Accel("tcg", "/dev/kvm is provided by kvm_pvm, which only runs PVM-built guest kernels; "
                    + "stock Debian kernels hang under it, so guests run under TCG", true);
        }
        if (intel || amd) {
            return new Accel("kvm", "hardware KVM (" + (intel ? "kvm_intel" : "kvm_amd")
                    + ") runs stock guest kernels", true);
        }
        return new Accel("tcg", "/dev/kvm exists but neither kvm_intel nor kvm_amd is loaded, so stock guest "
                + "kernels may not boot under it; guests run under TCG", true);
    }

    /**
     * The {@code kvm} facts doctor reports: {@code device_present}; {@code stock_guests_boot};
     * {@code pvm}, true only when /dev/kvm exists and is PVM's (kvm_pvm loaded); and
     * {@code pvm_module_loaded}, true whenever kvm_pvm is loaded, with or without a /dev/kvm. A host
     * may load kvm_pvm and expose no /dev/kvm at all: there guests simply run under TCG, and nothing
     * about PVM applies.
     */
    public static Map<String, Object> kvmFacts(Accel accel, boolean stockGuestsBoot) {
        return kvmFacts(accel, stockGuestsBoot, Files.exists(Path.of("/sys/module/kvm_pvm")));
    }

    static Map<String, Object> kvmFacts(Accel accel, boolean stockGuestsBoot, boolean pvmModule) {
        Map<String, Object> kvm = new LinkedHashMap<>();
        kvm.put("device_present", accel.kvmDevice());
        kvm.put("stock_guests_boot", stockGuestsBoot);
        kvm.put("pvm", accel.kvmDevice() && pvmModule);
        kvm.put("pvm_module_loaded", pvmModule);
        return kvm;
    }

    /** Where scripts/install-host-packages unpacks vhost-device-vsock (Debian sid's package, not on PATH). */
    public static final Path VHOST_DEVICE_VSOCK_HOME = Path.of("/opt/pyro/vhost-device-vsock/usr/bin/vhost-device-vsock");

    /**
     * The vhost-user virtio-vsock device QEMU's vsock channel needs: {@code $PYRO_VHOST_DEVICE_VSOCK},
     * else where install-host-packages puts it, else {@code vhost-device-vsock} on PATH; null when none.
     */
    public static Path vhostDeviceVsock() {
        String env = System.getenv("PYRO_VHOST_DEVICE_VSOCK");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p) ? p : null;
        }
        return Files.isExecutable(VHOST_DEVICE_VSOCK_HOME) ? VHOST_DEVICE_VSOCK_HOME : which("vhost-device-vsock");
    }

    /**
     * The agent channel asked for: system property {@code pyro.channel}, else {@code $PYRO_CHANNEL}:
     * {@code vsock}, {@code virtio-serial}, or {@code auto} (also when unset: the backend's default).
     */
    public static String channelPreference() {
        String v = System.getProperty("pyro.channel", System.getenv("PYRO_CHANNEL"));
        return channelPreference(v);
    }

    static String channelPreference(String v) {
        if (v == null || v.isBlank()) {
            return "auto";
        }
        String t = v.trim();
        if (!t.equals("auto") && !t.equals("vsock") && !t.equals("virtio-serial")) {
            throw pyro.core.PyroException.invalid("PYRO_CHANNEL must be vsock, virtio-serial or auto, not '" + v + "'.");
        }
        return t;
    }

    /** Absolute path of {@code program} on PATH, or null. */
    public static Path which(String program) {
        return which(program, System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
    }

    /** As {@link #which(String)} over the given PATH value (then /usr/sbin and /sbin). */
    static Path which(String program, String path) {
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.add("/usr/sbin");
        dirs.add("/sbin");
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, program);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    /** First line of {@code program --version}, or null when it cannot run. */
    public static String version(Path program, String flag) {
        if (program == null) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(program.toString(), flag).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return out.lines().filter(l -> !l.isBlank()).findFirst().orElse("").trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The host's TSC frequency in kHz, which TCG microvm guests need on the kernel command line. */
    public static long tscKhz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) {
                    double mhz = Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                    return Math.round(mhz * 1000);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 2_000_000;
    }

    public static Map<String, Object> tool(String name, String versionFlag) {
        Path p = which(name);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("found", p != null);
        m.put("path", p == null ? null : p.toString());
        m.put("version", version(p, versionFlag));
        return m;
    }
}
