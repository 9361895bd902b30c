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
 * virtio-serial port on a unix socket the supervisor listens on, or, when asked for with
 * {@code PYRO_CHANNEL=vsock} and vhost-device-vsock is installed, a virtio-vsock device
 * ({@code vhost-user-vsock-device} on memfd shared memory, the device a vhost-device-vsock sidecar
 * per VM) that the supervisor reaches with the hybrid-vsock handshake. KVM where stock guests really
 * boot, TCG otherwise ({@link HostProbe#accel()}).
 *
 * <p>virtio-serial stays the default because QEMU 7.2 cannot migrate a vhost-user-vsock device
 * ("non-migratable device"): a vsock VM boots cold and cannot be saved, so warm starts, snapshots,
 * stop/start and fork need a virtio-serial VM.
 */
public final class QemuBackend implements Backend {
    public static final String PORT_NAME = "pyro.agent";
    private final PyroConfig config;
    private final ImageStore images;
    /** The acceleration in use: the host facts' decision, turned to TCG once a KVM probe guest failed to boot. */
    private volatile HostProbe.Accel accel;
    /** Whether a KVM decision must be proven by booting a probe guest before it is used (off when the facts are given). */
    private final boolean prove;
    private volatile boolean proven;
    private final AccelProbe probe;
    private static final java.util.concurrent.atomic.AtomicBoolean FALLBACK_SAID = new java.util.concurrent.atomic.AtomicBoolean();
    private final Path qemu;
    private final LongSupplier tscKhz;

    public QemuBackend(PyroConfig config) {
        this(config, HostProbe.accel(), HostProbe.which("qemu-system-x86_64"), HostProbe::tscKhz,
                HostProbe::vhostDeviceVsock, true);
    }

    private final java.util.function.Supplier<Path> vhostVsock;

    private final WarmStore warm = new WarmStore(this);

    /** With the host facts given rather than probed, so the command line can be checked for kvm and tcg. */
    QemuBackend(PyroConfig config, HostProbe.Accel accel, Path qemu, LongSupplier tscKhz) {
        this(config, accel, qemu, tscKhz, () -> null);
    }

    /** As above, with where vhost-device-vsock is (null: not installed). */
    QemuBackend(PyroConfig config, HostProbe.Accel accel, Path qemu, LongSupplier tscKhz,
            java.util.function.Supplier<Path> vhostVsock) {
        this(config, accel, qemu, tscKhz, vhostVsock, false);
    }

    private QemuBackend(PyroConfig config, HostProbe.Accel accel, Path qemu, LongSupplier tscKhz,
            java.util.function.Supplier<Path> vhostVsock, boolean prove) {
        this.prove = prove;
        this.probe = new AccelProbe(config.cacheDir(), qemu, tscKhz);
        this.vhostVsock = vhostVsock;
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
        return decision().accel();
    }

    /**
     * The acceleration to boot with. Where the host facts say KVM, that is proven first with a probe
     * guest (once per host kernel, QEMU and guest kernel: the verdict is cached); a KVM that does not
     * boot it turns into TCG, said once on stderr, instead of a VM that hangs. Without a built
     * environment there is no kernel to probe with, and the facts' decision stands until there is.
     */
    HostProbe.Accel decision() {
        HostProbe.Accel a = accel;
        if (!prove || proven || !"kvm".equals(a.accel()) || qemu == null) {
            return a;
        }
        synchronized (this) {
            if (proven) {
                return accel;
            }
            Path env = anyEnvironment();
            if (env == null) {
                return a;
            }
            AccelProbe.Verdict v = probe.verdict("kvm", env);
            proven = true;
            if (!v.booted()) {
                accel = new HostProbe.Accel("tcg", "KVM did not boot a probe guest (" + v.reason()
                        + "), so guests run under TCG", a.kvmDevice());
                if (FALLBACK_SAID.compareAndSet(false, true)) {
                    System.err.println("pyro: KVM did not boot a probe guest (" + v.reason() + "); using TCG instead");
                }
            }
            return accel;
        }
    }

    /** The folder of some built environment (they all boot the same kernel), or null. */
    private Path anyEnvironment() {
        for (EnvironmentInfo e : images.list()) {
            if (e.installed()) {
                return images.dir(ImageStore.entry(e.name()));
            }
        }
        return null;
    }

    /**
     * Boots the probe guest under each acceleration this host could use (KVM first where /dev/kvm
     * exists, then TCG), reusing cached verdicts; each says booted or not, how long, and why not.
     */
    List<Map<String, Object>> probeAccelerations() {
        Path env = anyEnvironment();
        List<Map<String, Object>> out = new ArrayList<>();
        if (env == null || qemu == null) {
            return out;
        }
        List<String> accels = new ArrayList<>();
        if (accel.kvmDevice() || "kvm".equals(accel.accel())) {
            accels.add("kvm");
        }
        accels.add("tcg");
        for (String a : accels) {
            out.add(probe.verdict(a, env).toMap());
        }
        return out;
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
        m.put("kvm", HostProbe.kvmFacts(accel, "kvm".equals(decision().accel())));
        m.put("backend", name());
        List<Map<String, Object>> probes = probeAccelerations();
        HostProbe.Accel decided = decision();
        m.put("accel", decided.accel());
        m.put("accel_reason", decided.reason());
        m.put("fallback", "kvm".equals(decided.accel()) ? "tcg if a KVM probe guest does not boot" : "none needed: already TCG");
        m.put("accel_probes", probes);
        if (probes.isEmpty()) {
            m.put("accel_probes_note", "not run: no environment is built yet to boot a probe guest with (pyro env pull debian:12)");
        }
        List<Map<String, Object>> tools = new ArrayList<>();
        tools.add(HostProbe.tool("qemu-system-x86_64", "--version"));
        tools.add(HostProbe.tool("qemu-img", "--version"));
        tools.add(HostProbe.tool("debootstrap", "--version"));
        tools.add(HostProbe.tool("mkfs.ext4", "-V"));
        tools.add(HostProbe.tool("firecracker", "--version"));
        tools.add(HostProbe.tool("passt", "--version"));
        Path vsockDevice = vhostVsock.get();
        Map<String, Object> vd = new LinkedHashMap<>();
        vd.put("name", "vhost-device-vsock");
        vd.put("found", vsockDevice != null);
        vd.put("path", vsockDevice == null ? null : vsockDevice.toString());
        vd.put("version", HostProbe.version(vsockDevice, "--version"));
        tools.add(vd);
        m.put("tools", tools);
        String pref;
        try {
            pref = HostProbe.channelPreference();
        } catch (PyroException e) {
            pref = null;
            m.put("channel_problem", e.getMessage());
        }
        m.put("channel", VSOCK.equals(pref) && vsockDevice != null ? VSOCK : VIRTIO_SERIAL);
        m.put("vsock", vsockDevice == null
                ? "unavailable: vhost-device-vsock is not installed (scripts/install-host-packages fetches it)"
                : VSOCK.equals(pref) ? "in use (PYRO_CHANNEL=vsock): VMs boot cold and cannot be saved (QEMU 7.2 cannot"
                        + " migrate vhost-user-vsock)"
                        : "available: PYRO_CHANNEL=vsock uses it (such VMs boot cold and cannot be saved: QEMU 7.2 cannot"
                        + " migrate vhost-user-vsock)");
        m.put("network", HostProbe.which("passt") != null
                ? "passt: egress only, the host's loopback unreachable from the guest"
                : "unavailable: --network needs passt (Debian package passt)");
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
        LaunchPlan.Sidecar net = spec.network() ? network(paths, HostProbe.which("passt")) : null;
        if (spec.restoreFrom() != null) {
            // a saved machine keeps the devices it was saved with: virtio-serial (vsock VMs are never saved)
            return restorePlan(spec, envDir, net, progress);
        }
        boolean vsock = vsockChannel();
        if (vsock) {
            createOverlay(envDir.resolve("rootfs.ext4"), paths.overlay());
            try {
                makePrivate(paths);
            } catch (java.io.IOException ex) {
                throw PyroException.host("cannot make the files of " + paths.dir() + " private: " + ex.getMessage());
            }
            progress.line("booting " + spec.environment() + " (" + decision().accel() + ", agent channel vsock, cold: QEMU"
                    + " cannot save a vsock VM)");
            LaunchPlan plan = vsockPlan(spec, envDir, vhostVsock.get());
            return net == null ? plan : plan.withSidecar(net);
        }
        WarmStore.Saved saved = spec.cold() || spec.network() ? null : warm.find(envDir, spec);
        if (saved != null) {
            createOverlay(saved.disk(), "qcow2", paths.overlay());
        } else {
            createOverlay(envDir.resolve("rootfs.ext4"), paths.overlay());
        }
        try {
            makePrivate(paths);
        } catch (java.io.IOException ex) {
            throw PyroException.host("cannot make the files of " + paths.dir() + " private: " + ex.getMessage());
        }
        if (saved != null) {
            progress.line("restoring a booted " + spec.environment() + " (" + decision().accel() + ", warm)");
            return incoming(spec, envDir, saved.memory(), net);
        }
        progress.line("booting " + spec.environment() + " (" + decision().accel() + ", " + coldBecause(spec) + ")");
        LaunchPlan plan = LaunchPlan.of(argv(spec, envDir, paths.overlay(), paths.agentSocket()))
                .withChannel(LaunchPlan.AgentChannel.listening(VIRTIO_SERIAL));
        return net == null ? plan : plan.withSidecar(net);
    }

    /** Why a boot is cold, in the words a user acts on: asked for, a network device, or no save of this size. */
    static String coldBecause(LaunchSpec spec) {
        if (spec.cold()) {
            return "cold: asked for";
        }
        if (spec.network()) {
            return "cold: a guest with a network device is never restored from a save";
        }
        return "cold: no saved guest for " + spec.vcpuCount() + " vCPU/" + spec.memMib() + " MiB: pyro env warm "
                + spec.environment() + " --vcpu-count " + spec.vcpuCount() + " --mem-mib " + spec.memMib();
    }

    static final String VSOCK = LaunchPlan.AgentChannel.VSOCK;
    static final String VIRTIO_SERIAL = LaunchPlan.AgentChannel.VIRTIO_SERIAL;
    /** How long a vsock guest may take from QEMU's start until its agent accepts (the whole boot). */
    static final long VSOCK_CONNECT_TIMEOUT_MS = 180_000;

    /** Whether this VM's agent channel is vsock: asked for, and vhost-device-vsock is there (else an error naming it). */
    boolean vsockChannel() {
        if (!VSOCK.equals(HostProbe.channelPreference())) {
            return false;
        }
        if (vhostVsock.get() == null) {
            throw PyroException.host("PYRO_CHANNEL=vsock needs vhost-device-vsock (a vhost-user virtio-vsock device from"
                    + " Debian's package archive, sid), which is not installed: run scripts/install-host-packages, or set"
                    + " PYRO_VHOST_DEVICE_VSOCK to its path.");
        }
        return true;
    }

    /**
     * A cold boot whose agent channel is virtio-vsock: a vhost-device-vsock sidecar serves the device
     * (vhost-user on {@code vsock-vu.sock}) and the guest's ports on {@code vsock.sock}, where the
     * supervisor connects with {@code CONNECT 52}. Never warm and never saved: QEMU 7.2 refuses to
     * migrate a vhost-user-vsock device.
     */
    LaunchPlan vsockPlan(LaunchSpec spec, Path envDir, Path vhostDeviceVsock) {
        InstancePaths paths = spec.paths();
        try {
            Files.deleteIfExists(paths.vsockSocket()); // left by a killed sidecar: the device binds it afresh
        } catch (IOException e) {
            throw PyroException.host("cannot remove the stale socket " + paths.vsockSocket() + ": " + e.getMessage());
        }
        List<String> argv = argv(spec, envDir, paths.overlay(), null);
        LaunchPlan.Sidecar device = new LaunchPlan.Sidecar("vsock", List.of(vhostDeviceVsock.toString(),
                "--guest-cid", String.valueOf(guestCid(spec.instanceId())),
                "--socket", paths.vhostUserVsockSocket().toString(),
                "--uds-path", paths.vsockSocket().toString()), paths.vhostUserVsockSocket(), 5_000);
        return LaunchPlan.of(argv)
                .withChannel(LaunchPlan.AgentChannel.hybridVsock(paths.vsockSocket(), pyro.protocol.Guest.AGENT_VSOCK_PORT))
                .withChannelConnectTimeout(VSOCK_CONNECT_TIMEOUT_MS)
                .withSidecar(device);
    }

    /**
     * A guest CID for the VM, from its id: 3 and up (0-2 are reserved), below 2^31. Each VM has its own
     * vsock device, so CIDs need not be unique on the host; distinct ones keep logs unambiguous.
     */
    public static long guestCid(String instanceId) {
        return 3 + Math.floorMod(instanceId.hashCode(), Integer.MAX_VALUE - 3);
    }

    /** QEMU and qemu-img create files with the umask's mode; a VM's state is its user's alone. */
    private static void makePrivate(InstancePaths paths) throws IOException {
        Files.setPosixFilePermissions(paths.overlay(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        pyro.core.internal.Files2.touchPrivate(paths.consoleLog());
    }

    /** The VM's command line resuming the machine streamed from {@code memory} (its disk is already the overlay). */
    private LaunchPlan incoming(LaunchSpec spec, Path envDir, Path memory, LaunchPlan.Sidecar net) {
        List<String> argv = argv(spec, envDir, spec.paths().overlay(), spec.paths().agentSocket());
        argv.addAll(List.of("-incoming", "exec:cat " + WarmStore.shellQuote(memory.toString())));
        LaunchPlan plan = LaunchPlan.restoring(argv).withChannel(LaunchPlan.AgentChannel.listening(VIRTIO_SERIAL));
        return net == null ? plan : plan.withSidecar(net);
    }

    /** A machine its supervisor saved ({@link QemuControl}): its disk copied to the VM's overlay, its memory streamed in. */
    private LaunchPlan restorePlan(LaunchSpec spec, Path envDir, LaunchPlan.Sidecar net, ProgressSink progress) {
        Path from = spec.restoreFrom();
        InstancePaths paths = spec.paths();
        if (!Files.isRegularFile(from.resolve(MACHINE_MEMORY)) || !Files.isRegularFile(from.resolve(MACHINE_DISK))) {
            throw PyroException.guest("the saved machine in " + from + " is incomplete (no " + MACHINE_MEMORY + " or "
                    + MACHINE_DISK + "): it cannot be restored.");
        }
        try {
            // a copy, so the saved machine stays as it was for the next restore
            Files.copy(from.resolve(MACHINE_DISK), paths.overlay(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            makePrivate(paths);
        } catch (IOException e) {
            throw PyroException.host("cannot copy the saved disk of " + from + ": " + e.getMessage());
        }
        progress.line("restoring the saved machine " + from.getFileName() + " (" + decision().accel() + ")");
        return incoming(spec, envDir, from.resolve(MACHINE_MEMORY), net);
    }

    /** The files of a saved machine ({@link QemuControl#save} writes them, {@link #restorePlan} reads them). */
    static final String MACHINE_MEMORY = "memory.bin";
    static final String MACHINE_DISK = "disk.qcow2";

    /** The running VM's control calls (QMP), for its supervisor: see {@link pyro.core.spi.BackendProvider#control}. */
    public static pyro.core.spi.VmmControl control(LaunchPlan plan, InstancePaths paths) {
        return new QemuControl(paths, plan);
    }

    @Override
    public void warmFailed(LaunchSpec spec, String reason) {
        warm.discard(images.dir(ImageStore.entry(spec.environment())), spec, reason);
    }

    @Override
    public List<Map<String, Object>> warmStates(String environment, int defaultVcpus, int defaultMemMib) {
        ImageStore.entry(environment); // an unknown name is refused by name
        if (!inspectEnvironment(environment).installed()) {
            return List.of(Map.of("environment", environment, "vcpu_count", defaultVcpus, "mem_mib", defaultMemMib,
                    "state", "cold", "fix", "pyro env pull " + environment));
        }
        return warm.states(images.dir(ImageStore.entry(environment)), environment, defaultVcpus, defaultMemMib);
    }

    @Override
    public String warmEnvironment(String environment, int vcpus, int memMib, ProgressSink progress) {
        requireUsable();
        ensureEnvironment(environment, progress);
        Path envDir = images.dir(ImageStore.entry(environment));
        return warm.save(envDir, environment, vcpus, memMib, progress);
    }

    /**
     * The VMM command line for one VM; public so the bench can boot the same VM by hand as the floor.
     * With {@code agentSock} null the agent channel is a vhost-user-vsock device on
     * {@link InstancePaths#vhostUserVsockSocket()} (memfd memory) instead of a virtio-serial port.
     */
    public List<String> argv(LaunchSpec spec, Path envDir, Path overlay, Path agentSock) {
        InstancePaths paths = spec.paths();
        List<String> argv = new ArrayList<>();
        if (qemu == null) {
            throw PyroException.host("qemu-system-x86_64 is not installed (Debian package qemu-system-x86).");
        }
        argv.add(qemu.toString());
        argv.addAll(List.of("-M", "microvm", "-name", spec.instanceId()));
        if ("kvm".equals(decision().accel())) {
            argv.addAll(List.of("-accel", "kvm", "-cpu", "host"));
        } else {
            argv.addAll(List.of("-accel", "tcg" + (spec.vcpuCount() > 1 ? ",thread=multi" : "")));
        }
        argv.addAll(List.of("-no-reboot", "-nodefaults", "-no-user-config", "-display", "none",
                "-m", String.valueOf(spec.memMib()), "-smp", String.valueOf(spec.vcpuCount()),
                "-serial", "file:" + paths.consoleLog(),
                "-kernel", envDir.resolve("vmlinux").toString(),
                "-initrd", envDir.resolve("initrd.img").toString(),
                "-append", kernelArgs(spec, agentSock == null),
                // werror/rerror=report: a full host disk is an I/O error in the guest, not a VM paused for good
                "-drive", "file=" + overlay + ",format=qcow2,if=none,id=d0,cache=unsafe,werror=report,rerror=report",
                "-device", "virtio-blk-device,drive=d0"));
        if (agentSock != null) {
            argv.addAll(List.of("-device", "virtio-serial-device",
                    "-chardev", "socket,path=" + agentSock + ",id=c0",
                    "-device", "virtserialport,chardev=c0,name=" + PORT_NAME));
        } else {
            // vhost-user needs the guest's memory shared with the device process
            argv.addAll(List.of("-object", "memory-backend-memfd,id=mem,size=" + spec.memMib() + "M,share=on",
                    "-machine", "memory-backend=mem",
                    "-chardev", "socket,id=vc,path=" + paths.vhostUserVsockSocket(),
                    "-device", "vhost-user-vsock-device,chardev=vc"));
        }
        argv.addAll(List.of("-qmp", "unix:" + paths.qmpSocket() + ",server=on,wait=off"));
        if (spec.network()) {
            argv.addAll(List.of("-netdev", "stream,id=n0,server=off,addr.type=unix,addr.path=" + paths.netSocket(),
                    "-device", "virtio-net-device,netdev=n0"));
        }
        return argv;
    }

    /**
     * The guest's network: passt, a user-mode TCP/IP stack, one per VM, reached by QEMU over a unix
     * socket. Unlike QEMU's own user networking (slirp), which maps the gateway 10.0.2.2 to the host's
     * 127.0.0.1, passt is told not to map the gateway to the host ({@code --no-map-gw}), so nothing
     * listening on the host's loopback is reachable from the guest. The guest keeps the addresses its
     * init sets (10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3, which passt forwards to the host's resolver);
     * no port is forwarded in, IPv4 only, and passt quits when QEMU goes ({@code -1}). It runs as the
     * user pyro runs as (passt would otherwise drop a root user to nobody, who cannot enter the 0700
     * state folder) inside its own namespaces and seccomp sandbox.
     */
    static LaunchPlan.Sidecar network(InstancePaths paths, Path passt) {
        if (passt == null) {
            throw PyroException.host("--network needs passt, the user-mode network stack that keeps the guest off"
                    + " the host's loopback, and it is not installed (Debian package passt).");
        }
        String owner;
        try {
            owner = Files.getAttribute(paths.dir(), "unix:uid") + ":" + Files.getAttribute(paths.dir(), "unix:gid");
        } catch (IOException | UnsupportedOperationException e) {
            throw PyroException.host("cannot read the owner of " + paths.dir() + ": " + e.getMessage());
        }
        return new LaunchPlan.Sidecar("net", List.of(passt.toString(), "--foreground", "--quiet", "--one-off", "-4",
                "--runas", owner, "--socket", paths.netSocket().toString(), "--no-map-gw",
                "--address", "10.0.2.15", "--netmask", "24", "--gateway", "10.0.2.2", "--dns-forward", "10.0.2.3",
                "--no-dhcp", "--tcp-ports", "none", "--udp-ports", "none"), paths.netSocket(), 5_000);
    }

    private String kernelArgs(LaunchSpec spec) {
        StringBuilder sb = new StringBuilder("console=ttyS0 quiet reboot=t panic=-1 root=/dev/vda");
        if (!"kvm".equals(decision().accel())) {
            sb.append(" tsc_early_khz=").append(tscKhz.getAsLong());
        }
        sb.append(" pyro.net=").append(spec.network() ? 1 : 0);
        return sb.toString();
    }

    private String kernelArgs(LaunchSpec spec, boolean vsock) {
        return kernelArgs(spec) + (vsock ? " pyro.channel=vsock:" + pyro.protocol.Guest.AGENT_VSOCK_PORT : "");
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
