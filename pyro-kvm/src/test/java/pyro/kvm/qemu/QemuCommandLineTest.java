package pyro.kvm.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import pyro.protocol.ErrorCode;
import pyro.core.PyroConfig;
import pyro.core.PyroException;
import pyro.core.internal.Json;
import pyro.core.spi.LaunchSpec;
import pyro.kvm.HostProbe;

/**
 * The QEMU command line for one VM, for hardware KVM and for TCG, with the host facts (accel,
 * QEMU path, TSC frequency) given instead of probed. No VM is started: the argv is only built.
 */
class QemuCommandLineTest {
    static final HostProbe.Accel KVM = new HostProbe.Accel("kvm", "hardware KVM (kvm_intel) runs stock guest kernels", true);
    static final HostProbe.Accel TCG = new HostProbe.Accel("tcg", "/dev/kvm is absent", false);
    static final Path QEMU = Path.of("/opt/test/qemu-system-x86_64");
    static final long TSC_KHZ = 2_345_678;

    @TempDir
    Path tmp;

    private QemuBackend backend(HostProbe.Accel accel) {
        PyroConfig config = new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "qemu", 4);
        return new QemuBackend(config, accel, QEMU, () -> TSC_KHZ);
    }

    private List<String> argv(HostProbe.Accel accel, int vcpus, int memMib, boolean network) {
        Path dir = tmp.resolve("state/instances/ws-0123456789ab");
        LaunchSpec spec = new LaunchSpec("ws-0123456789ab", "debian:12", vcpus, memMib, network, dir);
        return backend(accel).argv(spec, tmp.resolve("env"), dir.resolve("overlay.qcow2"), dir.resolve("agent.sock"));
    }

    /** The values that follow each occurrence of {@code flag}. */
    static List<String> values(List<String> argv, String flag) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < argv.size() - 1; i++) {
            if (argv.get(i).equals(flag)) {
                out.add(argv.get(i + 1));
            }
        }
        return out;
    }

    static String kernelArgs(List<String> argv) {
        List<String> append = values(argv, "-append");
        assertEquals(1, append.size(), argv.toString());
        return append.getFirst();
    }

    @Test
    void kvmUsesTheHostCpuAndNoTscHint() {
        List<String> argv = argv(KVM, 2, 1024, false);
        assertEquals(QEMU.toString(), argv.getFirst());
        assertEquals(List.of("kvm"), values(argv, "-accel"));
        assertEquals(List.of("host"), values(argv, "-cpu"));
        assertFalse(kernelArgs(argv).contains("tsc_early_khz"), kernelArgs(argv));
        assertFalse(String.join(" ", argv).contains("thread=multi"), argv.toString());
    }

    @Test
    void tcgWithOneVcpuIsSingleThreadedAndGetsTheTscFrequency() {
        List<String> argv = argv(TCG, 1, 1024, false);
        assertEquals(List.of("tcg"), values(argv, "-accel"));
        assertEquals(List.of(), values(argv, "-cpu"));
        assertTrue(kernelArgs(argv).contains(" tsc_early_khz=" + TSC_KHZ), kernelArgs(argv));
    }

    @Test
    void tcgWithSeveralVcpusRunsOneThreadPerVcpu() {
        List<String> argv = argv(TCG, 4, 2048, false);
        assertEquals(List.of("tcg,thread=multi"), values(argv, "-accel"));
        assertEquals(List.of("4"), values(argv, "-smp"));
        assertEquals(List.of("2048"), values(argv, "-m"));
    }

    @Test
    void noNetworkMeansNoNetdevAndTheGuestIsToldSo() {
        List<String> argv = argv(TCG, 1, 1024, false);
        assertFalse(argv.contains("-netdev"), argv.toString());
        assertFalse(String.join(" ", argv).contains("virtio-net"), argv.toString());
        assertTrue(kernelArgs(argv).endsWith(" pyro.net=0"), kernelArgs(argv));
    }

    @Test
    void networkAddsANicOnPasstsSocketNeverQemuUserNetworking() {
        Path dir = tmp.resolve("state/instances/ws-0123456789ab");
        List<String> argv = argv(KVM, 1, 1024, true);
        assertEquals(List.of("stream,id=n0,server=off,addr.type=unix,addr.path=" + dir.resolve("net.sock")),
                values(argv, "-netdev"));
        assertFalse(String.join(" ", argv).contains("user,"), "QEMU's slirp maps 10.0.2.2 to the host's loopback: " + argv);
        assertTrue(values(argv, "-device").contains("virtio-net-device,netdev=n0"), argv.toString());
        assertTrue(kernelArgs(argv).endsWith(" pyro.net=1"), kernelArgs(argv));
    }

    /** Issue 14 item 11: the guest's gateway must not be the host's loopback, and nothing is forwarded in. */
    @Test
    void networkSidecarIsPasstWithTheGatewayNotMappedToTheHost() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("state/instances/ws-0123456789ab"));
        var net = QemuBackend.network(new pyro.core.spi.InstancePaths(dir), Path.of("/usr/bin/passt"));
        List<String> argv = net.argv();
        assertEquals("/usr/bin/passt", argv.getFirst());
        assertTrue(argv.contains("--no-map-gw"), argv.toString());
        assertEquals(List.of("none"), values(argv, "--tcp-ports"), argv.toString());
        assertEquals(List.of("none"), values(argv, "--udp-ports"), argv.toString());
        assertEquals(List.of(dir.resolve("net.sock").toString()), values(argv, "--socket"));
        assertEquals(dir.resolve("net.sock"), net.ready());
        assertTrue(argv.contains("--one-off"), "passt ends with its VM: " + argv);
        assertEquals(List.of(Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid")),
                values(argv, "--runas"), "passt runs as pyro's user, never dropped to nobody: " + argv);
        assertEquals(List.of("10.0.2.15"), values(argv, "--address"), "the address the guest's init sets");
        assertEquals(List.of("10.0.2.2"), values(argv, "--gateway"));
        assertEquals(List.of("10.0.2.3"), values(argv, "--dns-forward"));
    }

    @Test
    void networkWithoutPasstIsAHostErrorNamingThePackage() {
        PyroException e = assertThrows(PyroException.class,
                () -> QemuBackend.network(new pyro.core.spi.InstancePaths(tmp), null));
        assertEquals(ErrorCode.HOST_UNSUPPORTED, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("Debian package passt"), e.getMessage());
    }

    @Test
    void rootDiskIsTheOverlayAndTheAgentPortIsAVirtioSerialPortOnTheSocket() {
        Path dir = tmp.resolve("state/instances/ws-0123456789ab");
        List<String> argv = argv(TCG, 1, 1024, false);
        assertEquals(List.of("file=" + dir.resolve("overlay.qcow2") + ",format=qcow2,if=none,id=d0,cache=unsafe,werror=report,rerror=report"),
                values(argv, "-drive"));
        assertEquals(List.of("virtio-blk-device,drive=d0", "virtio-serial-device",
                "virtserialport,chardev=c0,name=" + QemuBackend.PORT_NAME), values(argv, "-device"));
        assertEquals(List.of("socket,path=" + dir.resolve("agent.sock") + ",id=c0"), values(argv, "-chardev"));
        assertEquals("pyro.agent", QemuBackend.PORT_NAME);
        assertEquals(List.of("file:" + dir.resolve("console.log")), values(argv, "-serial"));
        assertEquals(List.of(tmp.resolve("env/vmlinux").toString()), values(argv, "-kernel"));
        assertEquals(List.of(tmp.resolve("env/initrd.img").toString()), values(argv, "-initrd"));
        assertEquals(List.of("microvm"), values(argv, "-M"));
        assertEquals(List.of("ws-0123456789ab"), values(argv, "-name"));
        for (String flag : List.of("-no-reboot", "-nodefaults", "-no-user-config")) {
            assertTrue(argv.contains(flag), flag + " in " + argv);
        }
    }

    @Test
    void kernelCommandLineBootsQuietlyFromTheVirtioDisk() {
        assertEquals("console=ttyS0 quiet reboot=t panic=-1 root=/dev/vda pyro.net=0", kernelArgs(argv(KVM, 1, 1024, false)));
        assertEquals("console=ttyS0 quiet reboot=t panic=-1 root=/dev/vda tsc_early_khz=" + TSC_KHZ + " pyro.net=1",
                kernelArgs(argv(TCG, 1, 1024, true)));
    }

    @Test
    void withoutQemuTheCommandLineIsAHostErrorNamingThePackage() {
        PyroConfig config = new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "qemu", 4);
        QemuBackend b = new QemuBackend(config, TCG, null, () -> TSC_KHZ);
        LaunchSpec spec = new LaunchSpec("vm-0123456789ab", "debian:12", 1, 1024, false, tmp);
        PyroException e = assertThrows(PyroException.class,
                () -> b.argv(spec, tmp, tmp.resolve("o.qcow2"), tmp.resolve("a.sock")));
        assertEquals(ErrorCode.HOST_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("qemu-system-x86"), e.getMessage());
    }

    static LongStream seeds() {
        long base = Long.getLong("pyro.seed", 20261201L);
        return LongStream.range(0, 100).map(i -> base + i);
    }

    /** For random sizes, accel and networking, the invariants that hold for every command line. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void invariantsHoldForRandomSpecs(long seed) {
        Random r = new Random(seed);
        boolean kvm = r.nextBoolean();
        int vcpus = r.nextInt(4) == 0 ? 1 : 1 + r.nextInt(16); // one vCPU often: the thread=multi edge
        int mem = 256 + r.nextInt(32768 - 256);
        boolean net = r.nextBoolean();
        List<String> argv = argv(kvm ? KVM : TCG, vcpus, mem, net);
        String why = "seed " + seed + " (kvm=" + kvm + " vcpus=" + vcpus + " mem=" + mem + " net=" + net + "): " + argv;
        assertEquals(List.of(kvm ? "kvm" : vcpus > 1 ? "tcg,thread=multi" : "tcg"), values(argv, "-accel"), why);
        assertEquals(List.of(String.valueOf(vcpus)), values(argv, "-smp"), why);
        assertEquals(List.of(String.valueOf(mem)), values(argv, "-m"), why);
        assertEquals(!kvm, kernelArgs(argv).contains("tsc_early_khz="), why);
        assertEquals(net, argv.contains("-netdev"), why);
        assertEquals(List.of("virtserialport,chardev=c0,name=pyro.agent"),
                values(argv, "-device").stream().filter(d -> d.startsWith("virtserialport")).toList(), why);
        assertEquals(1, values(argv, "-drive").size(), why);
    }

    /** A real qemu-img run: the overlay is a qcow2 whose backing file is the raw image, not a copy of it. */
    @Test
    void overlayIsACopyOnWriteQcow2OverTheRawImage() throws IOException, InterruptedException {
        Path qemuImg = HostProbe.which("qemu-img");
        Assumptions.assumeTrue(qemuImg != null, "qemu-img is not installed (Debian package qemu-utils)");
        Path base = tmp.resolve("rootfs.ext4");
        try (var f = java.nio.channels.FileChannel.open(base, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(64L << 20);
            f.write(java.nio.ByteBuffer.wrap(new byte[] {1}), (64L << 20) - 1);
        }
        Path overlay = tmp.resolve("overlay.qcow2");
        QemuBackend.createOverlay(base, overlay);
        assertTrue(Files.size(overlay) < 1 << 20, "the overlay is small: " + Files.size(overlay));
        Process p = new ProcessBuilder(qemuImg.toString(), "info", "--output=json", overlay.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        var info = Json.readMap(out);
        assertEquals("qcow2", info.get("format"), out);
        assertEquals(base.toAbsolutePath().toString(), info.get("backing-filename"), out);
        assertEquals("raw", info.get("backing-filename-format"), out);
        assertEquals(64L << 20, ((Number) info.get("virtual-size")).longValue(), out);
    }

    @Test
    void overlayOverAMissingImageIsAHostErrorWithQemuImgsReason() {
        Assumptions.assumeTrue(HostProbe.which("qemu-img") != null, "qemu-img is not installed");
        PyroException e = assertThrows(PyroException.class,
                () -> QemuBackend.createOverlay(tmp.resolve("missing.ext4"), tmp.resolve("o.qcow2")));
        assertEquals(ErrorCode.HOST_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().startsWith("qemu-img could not create the disk overlay"), e.getMessage());
    }

    @Test
    void aVsockPlanHasAVhostUserDeviceOnMemfdMemoryItsSidecarAndConnectsWithHybridVsock() {
        Path dir = tmp.resolve("state/instances/ws-0123456789ab");
        LaunchSpec spec = new LaunchSpec("ws-0123456789ab", "debian:12", 1, 768, false, dir);
        Path device = Path.of("/opt/test/vhost-device-vsock");
        PyroConfig config = new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "qemu", 4);
        pyro.core.spi.LaunchPlan plan = new QemuBackend(config, TCG, QEMU, () -> TSC_KHZ, () -> device)
                .vsockPlan(spec, tmp.resolve("env"), device);
        List<String> argv = plan.vmmArgv();
        assertEquals(List.of("memory-backend-memfd,id=mem,size=768M,share=on"), values(argv, "-object"));
        assertEquals(List.of("memory-backend=mem"), values(argv, "-machine"));
        assertEquals(List.of("virtio-blk-device,drive=d0", "vhost-user-vsock-device,chardev=vc"), values(argv, "-device"));
        assertEquals(List.of("socket,id=vc,path=" + dir.resolve("vsock-vu.sock")), values(argv, "-chardev"));
        assertTrue((" " + kernelArgs(argv) + " ").contains(" pyro.channel=vsock:52 "), kernelArgs(argv));
        assertFalse(String.join(" ", argv).contains("virtserialport"), argv.toString());
        assertFalse(plan.warm() || plan.memorySnapshots(), "QEMU 7.2 cannot migrate vhost-user-vsock");
        assertTrue(plan.channel().connects());
        assertEquals(dir.resolve("vsock.sock"), plan.channel().socket());
        assertEquals(52, plan.channel().port());
        assertEquals("vsock", plan.channel().name());
        assertEquals(1, plan.sidecars().size());
        var sc = plan.sidecars().getFirst();
        assertEquals(List.of(device.toString(), "--guest-cid", String.valueOf(QemuBackend.guestCid(spec.instanceId())),
                "--socket", dir.resolve("vsock-vu.sock").toString(), "--uds-path", dir.resolve("vsock.sock").toString()),
                sc.argv());
        assertEquals(dir.resolve("vsock-vu.sock"), sc.ready(), "QEMU starts once the device's vhost-user socket exists");
    }

    @Test
    void theVirtioSerialCommandLineNamesItsChannelAndHasNoSharedMemory() {
        List<String> argv = argv(TCG, 1, 1024, false);
        assertTrue(values(argv, "-object").isEmpty(), argv.toString());
        assertFalse(kernelArgs(argv).contains("pyro.channel"), kernelArgs(argv));
        assertTrue(values(argv, "-device").contains("virtserialport,chardev=c0,name=pyro.agent"), argv.toString());
    }

    @ParameterizedTest
    @MethodSource("instanceIds")
    void guestCidsAreAboveTheReservedOnesAndFitInSignedThirtyTwoBits(String id) {
        long cid = QemuBackend.guestCid(id);
        assertTrue(cid >= 3 && cid < Integer.MAX_VALUE, id + " -> " + cid);
    }

    static List<String> instanceIds() {
        Random r = new Random(10);
        List<String> ids = new ArrayList<>(List.of("ws-0123456789ab", "vm-000000000000", ""));
        for (int i = 0; i < 200; i++) {
            ids.add("ws-" + Long.toHexString(r.nextLong()));
        }
        return ids;
    }
}
