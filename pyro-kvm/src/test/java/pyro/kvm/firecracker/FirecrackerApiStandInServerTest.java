package pyro.kvm.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.PyroConfig;
import pyro.core.PyroException;
import pyro.core.internal.UnixHttp;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.LaunchPlan;
import pyro.core.spi.LaunchSpec;
import pyro.kvm.HostProbe;

/**
 * The Firecracker API conversation, request by request, against a stand-in API server on a unix
 * socket ({@link FirecrackerStandIn}) that checks each request against the shapes of Firecracker's
 * published API description. The HTTP client is the one the supervisor uses for the plan's calls;
 * the overlay disk is made by the real mkfs.ext4. Only the Firecracker process is not real (it needs
 * hardware KVM): FirecrackerSmokeTest runs the same conversation against it where it can.
 */
class FirecrackerApiStandInServerTest {
    static final HostProbe.Accel KVM = new HostProbe.Accel("kvm", "hardware KVM (kvm_intel) runs stock guest kernels", true);

    @TempDir
    Path tmp;

    Path instance;
    InstancePaths paths;
    FirecrackerBackend backend;

    @BeforeEach
    void setUp() throws IOException {
        instance = Files.createDirectories(tmp.resolve("state/instances/ws-0123456789ab"));
        paths = new InstancePaths(instance);
        backend = new FirecrackerBackend(new PyroConfig(tmp.resolve("state"), tmp.resolve("cache"), null, "firecracker", 4),
                Path.of("/opt/test/firecracker"), KVM);
    }

    LaunchSpec spec(int vcpus, int mem) {
        return new LaunchSpec("ws-0123456789ab", "debian:12", vcpus, mem, false, instance);
    }

    /** Makes each of the plan's calls the way the supervisor does, stopping at the first refusal. */
    static void callAll(Path api, List<LaunchPlan.ApiCall> calls) throws IOException {
        for (LaunchPlan.ApiCall c : calls) {
            UnixHttp.Response r = UnixHttp.call(api, c.method(), c.path(), c.body(), 5_000);
            assertEquals(204, r.status(), c + " -> " + r);
        }
    }

    @Test
    void aColdBootIsMachineBootSourceTwoDrivesVsockThenStartEachWellFormed() throws IOException {
        Path env = tmp.resolve("env");
        LaunchPlan plan = backend.coldPlan(spec(2, 1024), env);
        assertEquals(List.of("/opt/test/firecracker", "--api-sock", paths.apiSocket().toString(), "--id", "ws-0123456789ab"),
                plan.vmmArgv());
        assertEquals(paths.apiSocket(), plan.apiSocket());
        assertTrue(plan.channel().connects());
        assertEquals(instance.resolve("vsock.sock"), plan.channel().socket(), "where Firecracker listens: uds_path in the instance folder");
        assertEquals(52, plan.channel().port());
        assertTrue(plan.memorySnapshots());
        assertFalse(plan.warm());
        try (FirecrackerStandIn fc = new FirecrackerStandIn(paths.apiSocket())) {
            callAll(paths.apiSocket(), plan.apiCalls());
            assertEquals(List.of(), fc.refusals);
            assertEquals(List.of("PUT /machine-config", "PUT /boot-source", "PUT /drives/rootfs", "PUT /drives/overlay",
                    "PUT /vsock", "PUT /actions"), fc.requests.stream().map(r -> r.method() + " " + r.path()).toList());
            var req = fc.requests;
            assertEquals(Map.of("vcpu_count", 2, "mem_size_mib", 1024, "smt", false, "track_dirty_pages", false), req.get(0).body());
            Map<String, Object> boot = req.get(1).body();
            assertEquals(env.resolve("vmlinux").toAbsolutePath().toString(), boot.get("kernel_image_path"));
            assertEquals(env.resolve("initrd.img").toAbsolutePath().toString(), boot.get("initrd_path"));
            String args = " " + boot.get("boot_args") + " ";
            for (String a : List.of("console=ttyS0", "root=/dev/vda", "pyro.overlay=/dev/vdb", "pyro.channel=vsock:52", "pyro.net=0")) {
                assertTrue(args.contains(" " + a + " "), a + " in " + args);
            }
            assertEquals(Map.of("drive_id", "rootfs", "path_on_host", env.resolve("rootfs.ext4").toAbsolutePath().toString(),
                    "is_root_device", true, "is_read_only", true, "cache_type", "Unsafe"), req.get(2).body(),
                    "the environment's root is shared read-only by every VM");
            assertEquals(Map.of("drive_id", "overlay", "path_on_host", "overlay.ext4", "is_root_device", false,
                    "is_read_only", false, "cache_type", "Unsafe"), req.get(3).body(),
                    "the VM's own disk, relative to the instance folder (Firecracker's working directory)");
            Map<String, Object> vsock = req.get(4).body();
            assertEquals("vsock.sock", vsock.get("uds_path"));
            assertEquals(pyro.kvm.qemu.QemuBackend.guestCid("ws-0123456789ab"), ((Number) vsock.get("guest_cid")).longValue());
            assertEquals(Map.of("action_type", "InstanceStart"), req.get(5).body());
            for (var r : req) {
                assertEquals("application/json", r.headers().get("content-type"), r.toString());
            }
        }
    }

    @Test
    void theOverlayDiskIsAFreshSparseExt4OfTheVmsOwn() throws IOException {
        backend.coldPlan(spec(1, 512), tmp.resolve("env"));
        Path disk = instance.resolve("overlay.ext4");
        assertEquals(FirecrackerBackend.OVERLAY_BYTES, Files.size(disk));
        Process stat = new ProcessBuilder("stat", "-c", "%b", disk.toString()).start();
        long allocated = Long.parseLong(new String(stat.getInputStream().readAllBytes()).strip()); // 512-byte blocks
        assertTrue(allocated * 512 < 32L << 20, "sparse: " + allocated * 512 + " bytes allocated");
        ByteBuffer magic = ByteBuffer.allocate(2);
        try (FileChannel ch = FileChannel.open(disk)) {
            ch.read(magic, 1024 + 56); // ext4 superblock s_magic
        }
        assertEquals(0xEF53, Short.toUnsignedInt(magic.order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort(0)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(disk)));
    }

    @Test
    void aSaveIsPauseThenSnapshotCreateAndTheFolderHoldsStateMemoryAndDiskThenResumeRunsItAgain() throws Exception {
        LaunchPlan plan = backend.coldPlan(spec(1, 512), tmp.resolve("env"));
        Files.writeString(instance.resolve("overlay.ext4"), "the VM's writes");
        Path dir = Files.createDirectories(instance.resolve("snapshots/.s1.partial"));
        try (FirecrackerStandIn fc = new FirecrackerStandIn(paths.apiSocket())) {
            pyro.core.spi.VmmControl control = FirecrackerBackend.control(plan, paths);
            control.save(dir, 30_000);
            assertEquals(List.of("PATCH /vm", "PUT /snapshot/create"),
                    fc.requests.stream().map(r -> r.method() + " " + r.path()).toList(), "the guest is left paused");
            control.resume();
            assertEquals(List.of(), fc.refusals);
            assertEquals(Map.of("state", "Paused"), fc.requests.get(0).body());
            assertEquals("Full", fc.requests.get(1).body().get("snapshot_type"));
            assertEquals(dir.resolve("vmstate.bin").toString(), fc.requests.get(1).body().get("snapshot_path"));
            assertEquals(Map.of("state", "Resumed"), fc.requests.get(2).body());
        }
        assertEquals("the VM's writes", Files.readString(dir.resolve("disk.ext4")));
    }

    @Test
    void aRefusedSnapshotQuotesFirecrackerAndTheRollBackResumesTheGuest() throws Exception {
        LaunchPlan plan = backend.coldPlan(spec(1, 512), tmp.resolve("env"));
        Path dir = Files.createDirectories(instance.resolve("snapshots/.s2.partial"));
        try (FirecrackerStandIn fc = new FirecrackerStandIn(paths.apiSocket())) {
            fc.forceFault = k -> k.equals("PUT /snapshot/create") ? "Cannot create snapshot: no space left" : null;
            pyro.core.spi.VmmControl control = FirecrackerBackend.control(plan, paths);
            IOException e = assertThrows(IOException.class, () -> control.save(dir, 30_000));
            assertTrue(e.getMessage().contains("Firecracker refused PUT /snapshot/create (HTTP 400): Cannot create snapshot:"
                    + " no space left"), e.getMessage());
            assertTrue(control.rollBack());
            assertEquals("PATCH /vm", fc.requests.getLast().method() + " " + fc.requests.getLast().path());
            assertEquals(Map.of("state", "Resumed"), fc.requests.getLast().body(), "the guest is not left paused");
        }
    }

    @Test
    void aRestoreCopiesTheSavedDiskAndLoadsTheSnapshotResumed() throws IOException {
        Path saved = Files.createDirectories(tmp.resolve("saved"));
        Files.writeString(saved.resolve("vmstate.bin"), "s");
        Files.writeString(saved.resolve("memory.bin"), "m");
        Files.writeString(saved.resolve("disk.ext4"), "saved disk");
        LaunchPlan plan = backend.restorePlan(spec(1, 1024), saved);
        assertTrue(plan.warm(), "the agent said hello before the save: the supervisor pings and reseeds");
        assertEquals("saved disk", Files.readString(instance.resolve("overlay.ext4")));
        try (FirecrackerStandIn fc = new FirecrackerStandIn(paths.apiSocket())) {
            callAll(paths.apiSocket(), plan.apiCalls());
            assertEquals(1, fc.requests.size());
            assertEquals(Map.of("snapshot_path", saved.resolve("vmstate.bin").toString(),
                    "mem_backend", Map.of("backend_type", "File", "backend_path", saved.resolve("memory.bin").toString()),
                    "resume_vm", true), fc.requests.getFirst().body());
        }
        Files.delete(saved.resolve("memory.bin"));
        PyroException e = assertThrows(PyroException.class, () -> backend.restorePlan(spec(1, 1024), saved));
        assertTrue(e.getMessage().contains("no memory.bin"), e.getMessage());
    }

    /** The stand-in's checks can fail: a request off the description is refused with the reason. */
    @Test
    void theStandInRefusesRequestsOffTheApiDescription() throws IOException {
        try (FirecrackerStandIn fc = new FirecrackerStandIn(paths.apiSocket())) {
            Path api = paths.apiSocket();
            assertEquals(400, UnixHttp.call(api, "PUT", "/machine-config", "{\"vcpu_count\":1}", 5_000).status());
            assertEquals(400, UnixHttp.call(api, "PUT", "/vsock", "{\"guest_cid\":2,\"uds_path\":\"v\"}", 5_000).status());
            assertEquals(400, UnixHttp.call(api, "PUT", "/drives/a", "{\"drive_id\":\"b\",\"is_root_device\":true}", 5_000).status());
            assertEquals(400, UnixHttp.call(api, "PUT", "/actions", "{\"action_type\":\"Start\"}", 5_000).status());
            assertEquals(400, UnixHttp.call(api, "PUT", "/snapshot/load", "{\"snapshot_path\":\"s\"}", 5_000).status());
            assertEquals(400, UnixHttp.call(api, "PUT", "/boot-source", "{\"kernel_image_path\":\"k\",\"bootargs\":\"x\"}", 5_000).status());
            UnixHttp.Response r = UnixHttp.call(api, "PUT", "/machine-config", "{\"vcpu_count\":\"1\",\"mem_size_mib\":128}", 5_000);
            assertTrue(r.body().contains("vcpu_count must be integer"), r.body());
            assertEquals(7, fc.refusals.size(), fc.refusals.toString());
        }
    }

    @Test
    void badSizesAndIdsAreRefusedNamingTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FirecrackerApi.machineConfig(33, 1024))
                .getMessage().contains("33"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FirecrackerApi.machineConfig(1, 64))
                .getMessage().contains("64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FirecrackerApi.vsock(2, "v"))
                .getMessage().contains("not 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FirecrackerApi.drive("a/b", "p", false, false))
                .getMessage().contains("'a/b'"));
        assertEquals("ws-0123-x", FirecrackerBackend.vmId("ws-0123_x"));
    }

    @Test
    void onAHostWithoutFirecrackerOrHardwareKvmEveryPlanSaysWhatIsMissing() {
        var pvm = new HostProbe.Accel("tcg", "/dev/kvm is provided by kvm_pvm, which only runs PVM-built guest kernels", true);
        FirecrackerBackend here = new FirecrackerBackend(new PyroConfig(tmp.resolve("s"), tmp.resolve("c"), null, "firecracker", 4),
                null, pvm);
        PyroException e = assertThrows(PyroException.class, () -> here.plan(spec(1, 1024), pyro.core.spi.ProgressSink.NONE));
        assertTrue(e.getMessage().contains("firecracker is not installed") && e.getMessage().contains("kvm_pvm"), e.getMessage());
        assertEquals(List.of(), FirecrackerBackend.problems(Path.of("/x/firecracker"), KVM));
        assertEquals(false, here.doctor().get("guests_can_run"));
    }
}
