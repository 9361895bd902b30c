package pyro.kvm.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import pyro.core.PyroConfig;
import pyro.core.PyroException;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.PruneResult;
import pyro.core.spi.Backend;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.LaunchSpec;
import pyro.core.spi.ProgressSink;
import pyro.kvm.HostProbe;
import pyro.kvm.image.Catalog;
import pyro.kvm.image.ImageStore;

/**
 * QEMU {@code microvm} with Debian's kernel booted directly (PVH {@code vmlinux}), the root disk a
 * qcow2 copy-on-write overlay over the environment's ext4 image, and the agent channel a
 * virtio-serial port on a unix socket the supervisor listens on. KVM where stock guests really
 * boot, TCG otherwise ({@link HostProbe#accel()}).
 */
public final class QemuBackend implements Backend {
    public static final String PORT_NAME = "pyro.agent";
    private final PyroConfig config;
    private final ImageStore images;
    private final HostProbe.Accel accel;
    private final Path qemu;
    private final LongSupplier tscKhz;

    public QemuBackend(PyroConfig config) {
        this(config, HostProbe.accel(), HostProbe.which("qemu-system-x86_64"), HostProbe::tscKhz);
    }

    private final WarmStore warm = new WarmStore(this);

    /** With the host facts given rather than probed, so the command line can be checked for kvm and tcg. */
    QemuBackend(PyroConfig config, HostProbe.Accel accel, Path qemu, LongSupplier tscKhz) {
        this.config = config;
        this.images = new ImageStore(config.cacheDir(), config::guestAgentDir);
        this.accel = accel;
        this.qemu = qemu;
        this.tscKhz = tscKhz;
    }

    @Override
    public String name() {
        return "qemu";
    }

    /** The QEMU binary (null when not installed). */
    Path qemuPath() {
        return qemu;
    }

    @Override
    public String accel() {
        return accel.accel();
    }

    @Override
    public Map<String, Object> doctor() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> platform = new LinkedHashMap<>();
        platform.put("os", System.getProperty("os.name"));
        platform.put("arch", System.getProperty("os.arch"));
        platform.put("kernel", System.getProperty("os.version"));
        platform.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("platform", platform);
        Map<String, Object> kvm = new LinkedHashMap<>();
        kvm.put("device_present", accel.kvmDevice());
        kvm.put("stock_guests_boot", "kvm".equals(accel.accel()));
        kvm.put("pvm", Files.exists(Path.of("/sys/module/kvm_pvm")));
        m.put("kvm", kvm);
        m.put("backend", name());
        m.put("accel", accel.accel());
        m.put("accel_reason", accel.reason());
        m.put("fallback", "kvm".equals(accel.accel()) ? "tcg if KVM fails" : "none needed: already TCG");
        List<Map<String, Object>> tools = new ArrayList<>();
        tools.add(HostProbe.tool("qemu-system-x86_64", "--version"));
        tools.add(HostProbe.tool("qemu-img", "--version"));
        tools.add(HostProbe.tool("debootstrap", "--version"));
        tools.add(HostProbe.tool("mkfs.ext4", "-V"));
        tools.add(HostProbe.tool("firecracker", "--version"));
        m.put("tools", tools);
        List<String> problems = problems();
        m.put("environments", images.list().stream().filter(EnvironmentInfo::installed).map(EnvironmentInfo::name)
                .toList());
        m.put("guests_can_run", problems.isEmpty());
        m.put("problems", problems);
        return m;
    }

    private List<String> problems() {
        List<String> p = new ArrayList<>();
        if (HostProbe.which("qemu-system-x86_64") == null) {
            p.add("qemu-system-x86_64 is not installed (Debian package qemu-system-x86)");
        }
        if (HostProbe.which("qemu-img") == null) {
            p.add("qemu-img is not installed (Debian package qemu-utils)");
        }
        return p;
    }

    @Override
    public void requireUsable() {
        List<String> p = problems();
        if (!p.isEmpty()) {
            throw PyroException.host("this host cannot run guests: " + String.join("; ", p)
                    + " (run 'pyro doctor' for details).");
        }
    }

    @Override
    public List<EnvironmentInfo> listEnvironments() {
        return images.list();
    }

    @Override
    public EnvironmentInfo inspectEnvironment(String name) {
        return images.info(ImageStore.entry(name));
    }

    @Override
    public EnvironmentInfo pullEnvironment(String name, ProgressSink progress) {
        Catalog.Entry e = ImageStore.entry(name);
        if (images.verified(e) != null && !images.digestsMatch(e, progress)) {
            progress.line("environment " + name + " is corrupt (a file does not match its recorded sha256): rebuilding");
            images.invalidate(e);
        }
        return ensureEnvironment(name, progress);
    }

    @Override
    public EnvironmentInfo ensureEnvironment(String name, ProgressSink progress) {
        Catalog.Entry e = ImageStore.entry(name);
        if (images.verified(e) == null) {
            for (String tool : List.of("debootstrap", "mkfs.ext4", "apt-get", "dpkg-deb", "cpio", "xz")) {
                if (HostProbe.which(tool) == null) {
                    throw PyroException.host("building environment " + name + " needs " + tool
                            + ", which is not installed (see docs/host-requirements.md).");
                }
            }
        }
        return images.pull(e, progress);
    }

    @Override
    public boolean environmentIntact(String name) {
        Catalog.Entry e = ImageStore.entry(name);
        if (images.verified(e) == null || images.digestsMatch(e, ProgressSink.NONE)) {
            return true;
        }
        images.invalidate(e);
        return false;
    }

    /** Where a built environment's vmlinux, initrd.img and rootfs.ext4 are. */
    public Path environmentDir(String name) {
        return images.dir(ImageStore.entry(name));
    }

    @Override
    public PruneResult pruneEnvironments() {
        PruneResult r = images.prune();
        List<String> removed = new ArrayList<>(r.removed());
        for (EnvironmentInfo e : images.list()) {
            if (e.installed()) {
                removed.addAll(warm.prune(images.dir(ImageStore.entry(e.name()))));
            }
        }
        return new PruneResult(removed, r.bytesFreed());
    }

    @Override
    public LaunchPlan plan(LaunchSpec spec, ProgressSink progress) {
        Catalog.Entry e = ImageStore.entry(spec.environment());
        ensureEnvironment(spec.environment(), progress);
        Path envDir = images.dir(e);
        InstancePaths paths = spec.paths();
        WarmStore.Saved saved = spec.cold() || spec.network() ? null : warm.find(envDir, spec);
        if (saved != null) {
            createOverlay(saved.disk(), "qcow2", paths.overlay());
        } else {
            createOverlay(envDir.resolve("rootfs.ext4"), paths.overlay());
        }
        try {
            // QEMU and qemu-img create files with the umask's mode; a VM's state is its user's alone
            Files.setPosixFilePermissions(paths.overlay(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            pyro.core.internal.Files2.touchPrivate(paths.consoleLog());
        } catch (java.io.IOException ex) {
            throw PyroException.host("cannot make the files of " + paths.dir() + " private: " + ex.getMessage());
        }
        List<String> argv = argv(spec, envDir, paths.overlay(), paths.agentSocket());
        if (saved != null) {
            progress.line("restoring a booted " + spec.environment() + " (" + accel.accel() + ", warm)");
            argv.addAll(List.of("-incoming", "exec:cat " + WarmStore.shellQuote(saved.memory().toString())));
            return LaunchPlan.restoring(argv);
        }
        progress.line("booting " + spec.environment() + " (" + accel.accel() + ")");
        return LaunchPlan.of(argv);
    }

    @Override
    public void warmFailed(LaunchSpec spec, String reason) {
        warm.discard(images.dir(ImageStore.entry(spec.environment())), spec, reason);
    }

    @Override
    public String warmEnvironment(String environment, int vcpus, int memMib, ProgressSink progress) {
        requireUsable();
        ensureEnvironment(environment, progress);
        Path envDir = images.dir(ImageStore.entry(environment));
        return warm.save(envDir, environment, vcpus, memMib, progress);
    }

    /** The VMM command line for one VM; public so the bench can boot the same VM by hand as the floor. */
    public List<String> argv(LaunchSpec spec, Path envDir, Path overlay, Path agentSock) {
        InstancePaths paths = spec.paths();
        List<String> argv = new ArrayList<>();
        if (qemu == null) {
            throw PyroException.host("qemu-system-x86_64 is not installed (Debian package qemu-system-x86).");
        }
        argv.add(qemu.toString());
        argv.addAll(List.of("-M", "microvm", "-name", spec.instanceId()));
        if ("kvm".equals(accel.accel())) {
            argv.addAll(List.of("-accel", "kvm", "-cpu", "host"));
        } else {
            argv.addAll(List.of("-accel", "tcg" + (spec.vcpuCount() > 1 ? ",thread=multi" : "")));
        }
        argv.addAll(List.of("-no-reboot", "-nodefaults", "-no-user-config", "-display", "none",
                "-m", String.valueOf(spec.memMib()), "-smp", String.valueOf(spec.vcpuCount()),
                "-serial", "file:" + paths.consoleLog(),
                "-kernel", envDir.resolve("vmlinux").toString(),
                "-initrd", envDir.resolve("initrd.img").toString(),
                "-append", kernelArgs(spec),
                "-drive", "file=" + overlay + ",format=qcow2,if=none,id=d0,cache=unsafe",
                "-device", "virtio-blk-device,drive=d0",
                "-device", "virtio-serial-device",
                "-chardev", "socket,path=" + agentSock + ",id=c0",
                "-device", "virtserialport,chardev=c0,name=" + PORT_NAME));
        if (spec.network()) {
            argv.addAll(List.of("-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"));
        }
        return argv;
    }

    private String kernelArgs(LaunchSpec spec) {
        StringBuilder sb = new StringBuilder("console=ttyS0 quiet reboot=t panic=-1 root=/dev/vda");
        if (!"kvm".equals(accel.accel())) {
            sb.append(" tsc_early_khz=").append(tscKhz.getAsLong());
        }
        sb.append(" pyro.net=").append(spec.network() ? 1 : 0);
        return sb.toString();
    }

    /** A qcow2 overlay over the environment's read-only ext4 image: copy-on-write, never a copy. */
    public static void createOverlay(Path base, Path overlay) {
        createOverlay(base, "raw", overlay);
    }

    /** A qcow2 overlay over {@code base} of {@code format} (raw for an environment, qcow2 for a saved guest's disk). */
    static void createOverlay(Path base, String format, Path overlay) {
        try {
            Process p = new ProcessBuilder(HostProbe.which("qemu-img").toString(), "create", "-q", "-f", "qcow2",
                            "-b", base.toAbsolutePath().toString(), "-F", format, overlay.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw PyroException.host("qemu-img could not create the disk overlay " + overlay + ": " + out.strip());
            }
        } catch (IOException e) {
            throw PyroException.host("qemu-img could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PyroException.host("interrupted while creating the disk overlay");
        }
    }
}
