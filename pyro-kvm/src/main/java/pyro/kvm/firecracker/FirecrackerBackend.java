package pyro.kvm.firecracker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import pyro.core.PyroConfig;
import pyro.core.PyroException;
import pyro.core.internal.Files2;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.PruneResult;
import pyro.protocol.Guest;
import pyro.core.spi.Backend;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.LaunchSpec;
import pyro.core.spi.ProgressSink;
import pyro.kvm.HostProbe;
import pyro.kvm.image.Catalog;
import pyro.kvm.image.ImageStore;

/**
 * Firecracker on hardware KVM: {@code firecracker --api-sock api.sock} run by the supervisor in the
 * instance folder, configured and started through its API (the plan's {@link LaunchPlan.ApiCall}s,
 * built by {@link FirecrackerApi}), the agent channel its virtio-vsock device (hybrid vsock on
 * {@code vsock.sock}). The environment is the same as QEMU's: Debian's PVH/ELF {@code vmlinux}, the
 * initramfs, and {@code rootfs.ext4}, which every VM shares read-only; each VM's writes go to its own
 * {@code overlay.ext4} (a fresh, sparse ext4 disk: 0.03-0.05 s and about 1 MB to make, where a
 * copy of the root costs 0.8-2.5 s and 340 MB on a filesystem without reflinks), which the
 * initramfs mounts over the root with overlayfs.
 *
 * <p>Saves ({@link FirecrackerControl}, called by the VM's supervisor) pause the VM, write
 * Firecracker's full snapshot (device state and memory) and copy the overlay disk; a restore starts a
 * fresh Firecracker and loads it. Networking is
 * not supported yet (it needs a TAP device); warm environment saves are QEMU's only.
 */
public final class FirecrackerBackend implements Backend {
    static final String STATE_FILE = "vmstate.bin";
    static final String MEMORY_FILE = "memory.bin";
    static final String DISK_FILE = "disk.ext4";
    /** Size of each VM's overlay disk (sparse: only what the guest writes takes space). */
    static final long OVERLAY_BYTES = 4L << 30;
    static final long CONNECT_TIMEOUT_MS = 120_000;
    static final long API_TIMEOUT_MS = 30_000;

    private final PyroConfig config;
    private final ImageStore images;
    private final Path firecracker;
    private final HostProbe.Accel accel;

    public FirecrackerBackend(PyroConfig config) {
        this(config, HostProbe.which("firecracker"), HostProbe.accel());
    }

    /** With the host facts given, so plans can be built and checked on hosts without Firecracker. */
    FirecrackerBackend(PyroConfig config, Path firecracker, HostProbe.Accel accel) {
        this.config = config;
        this.images = new ImageStore(config.cacheDir(), config::guestAgentDir);
        this.firecracker = firecracker;
        this.accel = accel;
    }

    @Override
    public String name() {
        return "firecracker";
    }

    @Override
    public String accel() {
        return "kvm";
    }

    /** Why Firecracker cannot run here, or an empty list. */
    public static List<String> problemsOf(Path firecracker, HostProbe.Accel accel) {
        return problems(firecracker, accel);
    }

    static List<String> problems(Path firecracker, HostProbe.Accel accel) {
        List<String> p = new ArrayList<>();
        if (firecracker == null) {
            p.add("firecracker is not installed (no distribution package: see docs/firecracker.md for its release binary)");
        }
        if (!"kvm".equals(accel.accel())) {
            p.add("Firecracker needs hardware KVM, and " + accel.reason());
        }
        return p;
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
        m.put("kvm", HostProbe.kvmFacts(accel, "kvm".equals(accel.accel())));
        m.put("backend", name());
        m.put("accel", "kvm");
        m.put("accel_reason", accel.reason());
        m.put("channel", LaunchPlan.AgentChannel.VSOCK);
        m.put("fallback", "none: Firecracker runs only on hardware KVM (PYRO_BACKEND=qemu runs under TCG)");
        List<Map<String, Object>> tools = new ArrayList<>();
        tools.add(HostProbe.tool("firecracker", "--version"));
        tools.add(HostProbe.tool("jailer", "--version"));
        tools.add(HostProbe.tool("mkfs.ext4", "-V"));
        m.put("tools", tools);
        m.put("network", "unsupported by the firecracker backend (it needs a TAP device); use the qemu backend");
        List<String> problems = problems(firecracker, accel);
        m.put("environments", images.list().stream().filter(EnvironmentInfo::installed).map(EnvironmentInfo::name).toList());
        m.put("guests_can_run", problems.isEmpty());
        m.put("problems", problems);
        return m;
    }

    @Override
    public void requireUsable() {
        List<String> p = problems(firecracker, accel);
        if (!p.isEmpty()) {
            throw PyroException.host("this host cannot run Firecracker guests: " + String.join("; ", p)
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
        return images.pullVerified(name, progress);
    }

    @Override
    public EnvironmentInfo ensureEnvironment(String name, ProgressSink progress) {
        return images.ensure(name, progress);
    }

    @Override
    public boolean environmentIntact(String name) {
        return images.intact(name);
    }

    @Override
    public PruneResult pruneEnvironments() {
        return images.prune();
    }

    @Override
    public LaunchPlan plan(LaunchSpec spec, ProgressSink progress) {
        requireUsable();
        if (spec.network()) {
            throw PyroException.host("--network is not supported by the firecracker backend yet (a guest NIC needs a"
                    + " TAP device): set PYRO_BACKEND=qemu for networked VMs.");
        }
        ensureEnvironment(spec.environment(), progress);
        Path envDir = images.dir(ImageStore.entry(spec.environment()));
        if (spec.restoreFrom() != null) {
            progress.line("restoring the saved machine " + spec.restoreFrom().getFileName() + " (firecracker)");
            return restorePlan(spec, spec.restoreFrom());
        }
        progress.line("booting " + spec.environment() + " (firecracker, kvm)");
        return coldPlan(spec, envDir);
    }

    /**
     * The command line: Firecracker with its API socket in the instance folder, named after the VM.
     * Sockets a killed Firecracker left behind are removed first: Firecracker refuses to bind over them.
     */
    List<String> argv(InstancePaths paths, String instanceId) {
        if (firecracker == null) {
            throw PyroException.host(problems(null, accel).getFirst() + ".");
        }
        for (Path stale : List.of(paths.apiSocket(), paths.vsockSocket())) {
            try {
                Files.deleteIfExists(stale);
            } catch (IOException e) {
                throw PyroException.host("cannot remove the stale socket " + stale + ": " + e.getMessage());
            }
        }
        return List.of(firecracker.toString(), "--api-sock", paths.apiSocket().toString(), "--id", vmId(instanceId));
    }

    /** Firecracker's {@code --id}: letters, digits and '-', at most 64. */
    static String vmId(String instanceId) {
        String s = instanceId.replaceAll("[^A-Za-z0-9-]", "-");
        return s.length() > 64 ? s.substring(0, 64) : s;
    }

    static String bootArgs(LaunchSpec spec) {
        return "console=ttyS0 quiet reboot=k panic=1 root=/dev/vda pyro.overlay=/dev/vdb pyro.net=0 pyro.channel=vsock:"
                + Guest.AGENT_VSOCK_PORT;
    }

    /** A cold boot: a fresh overlay disk, then the API conversation of {@link FirecrackerApi#coldBoot}. */
    LaunchPlan coldPlan(LaunchSpec spec, Path envDir) {
        InstancePaths paths = spec.paths();
        makeOverlay(paths.dir().resolve(FirecrackerApi.OVERLAY_FILE), OVERLAY_BYTES);
        return LaunchPlan.of(argv(paths, spec.instanceId()))
                .withChannel(LaunchPlan.AgentChannel.hybridVsock(paths.vsockSocket(), Guest.AGENT_VSOCK_PORT))
                .withChannelConnectTimeout(CONNECT_TIMEOUT_MS)
                .withApiCalls(paths.apiSocket(), FirecrackerApi.coldBoot(spec.vcpuCount(), spec.memMib(), envDir,
                        bootArgs(spec), pyro.kvm.qemu.QemuBackend.guestCid(spec.instanceId())))
                .withMemorySnapshots(true);
    }

    /**
     * A resume of a machine {@link FirecrackerControl#save} wrote: its disk copied (sparse) to the VM's overlay, and
     * a fresh Firecracker told to load the snapshot and resume. The snapshot names the overlay and the
     * vsock socket relative to the instance folder, so it restores in any folder.
     */
    LaunchPlan restorePlan(LaunchSpec spec, Path from) {
        for (String f : List.of(STATE_FILE, MEMORY_FILE, DISK_FILE)) {
            if (!Files.isRegularFile(from.resolve(f))) {
                throw PyroException.guest("the saved machine in " + from + " is incomplete (no " + f + "): it cannot be"
                        + " restored.");
            }
        }
        InstancePaths paths = spec.paths();
        copySparse(from.resolve(DISK_FILE), paths.dir().resolve(FirecrackerApi.OVERLAY_FILE));
        return LaunchPlan.restoring(argv(paths, spec.instanceId()))
                .withChannel(LaunchPlan.AgentChannel.hybridVsock(paths.vsockSocket(), Guest.AGENT_VSOCK_PORT))
                .withChannelConnectTimeout(CONNECT_TIMEOUT_MS)
                .withApiCalls(paths.apiSocket(), List.of(FirecrackerApi.snapshotLoad(from.resolve(STATE_FILE),
                        from.resolve(MEMORY_FILE))));
    }

    /**
     * The running VM's control calls on its API socket, for its supervisor (see
     * {@link pyro.core.spi.BackendProvider#control}): the plan's API socket, and the overlay disk in
     * its instance folder.
     */
    public static pyro.core.spi.VmmControl control(LaunchPlan plan, InstancePaths paths) {
        Path api = plan.apiSocket() != null ? plan.apiSocket() : paths.apiSocket();
        return new FirecrackerControl(api, paths.dir().resolve(FirecrackerApi.OVERLAY_FILE));
    }

    /** A fresh sparse ext4 disk for the VM's writes (mkfs with lazy init: no blocks written but the metadata). */
    static void makeOverlay(Path disk, long bytes) {
        try {
            Files.deleteIfExists(disk);
            Files2.touchPrivate(disk);
            try (var ch = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(0);
                ch.position(bytes - 1);
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]));
            }
            Path mkfs = HostProbe.which("mkfs.ext4");
            if (mkfs == null) {
                throw PyroException.host("mkfs.ext4 is not installed (Debian package e2fsprogs): it makes each Firecracker"
                        + " VM's overlay disk.");
            }
            run(List.of(mkfs.toString(), "-q", "-F", "-m", "0", "-L", "pyro-overlay",
                    "-E", "lazy_itable_init=1,lazy_journal_init=1", disk.toString()), "mkfs.ext4 of " + disk);
        } catch (IOException e) {
            throw PyroException.host("cannot make the overlay disk " + disk + ": " + e.getMessage());
        }
    }

    /** A copy that keeps holes (a reflink where the filesystem has them). */
    static void copySparse(Path from, Path to) {
        try {
            Files.deleteIfExists(to);
        } catch (IOException e) {
            throw PyroException.host("cannot replace " + to + ": " + e.getMessage());
        }
        run(List.of("cp", "--reflink=auto", "--sparse=always", from.toString(), to.toString()),
                "copying " + from + " to " + to);
        try {
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw PyroException.host("cannot make " + to + " private: " + e.getMessage());
        }
    }

    private static void run(List<String> cmd, String what) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw PyroException.host(what + " did not finish within 120 s");
            }
            if (p.exitValue() != 0) {
                throw PyroException.host(what + " failed (exit " + p.exitValue() + "): " + out.strip());
            }
        } catch (IOException e) {
            throw PyroException.host(what + " could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PyroException.host("interrupted: " + what);
        }
    }
}
