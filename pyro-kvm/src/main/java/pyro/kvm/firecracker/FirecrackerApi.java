package pyro.kvm.firecracker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.internal.Json;
import pyro.core.spi.LaunchPlan.ApiCall;

/**
 * The requests pyro makes on Firecracker's API socket, built in one place so that their shapes can
 * be checked against Firecracker's published API description (src/firecracker/swagger/firecracker.yaml;
 * written against the v1 API as described for 1.x releases, see docs/firecracker.md). Bodies are
 * JSON objects with only the fields pyro sets; paths of per-VM files are relative to the
 * instance folder, Firecracker's working directory, so that a snapshot taken in one folder restores
 * in another (Firecracker records drive and vsock paths in its snapshot).
 */
public final class FirecrackerApi {
    /** The drive ids (and so, in this order, /dev/vda and /dev/vdb in the guest). */
    public static final String ROOT_DRIVE = "rootfs";
    public static final String OVERLAY_DRIVE = "overlay";
    /** The per-VM writable disk and the vsock socket, relative to the instance folder. */
    public static final String OVERLAY_FILE = "overlay.ext4";
    public static final String VSOCK_FILE = "vsock.sock";

    private FirecrackerApi() {}

    static String json(Map<String, Object> body) {
        return Json.writeCompact(body);
    }

    /** {@code PUT /machine-config} (MachineConfiguration: vcpu_count 1-32, mem_size_mib). */
    public static ApiCall machineConfig(int vcpus, int memMib) {
        if (vcpus < 1 || vcpus > 32) {
            throw new IllegalArgumentException("Firecracker runs 1 to 32 vCPUs, not " + vcpus);
        }
        if (memMib < 128) {
            throw new IllegalArgumentException("a Firecracker guest needs at least 128 MiB, not " + memMib);
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("vcpu_count", vcpus);
        b.put("mem_size_mib", memMib);
        b.put("smt", false);
        b.put("track_dirty_pages", false);
        return new ApiCall("PUT", "/machine-config", json(b));
    }

    /** {@code PUT /boot-source} (BootSource): the environment's PVH/ELF vmlinux, initramfs and kernel command line. */
    public static ApiCall bootSource(Path vmlinux, Path initrd, String bootArgs) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("kernel_image_path", vmlinux.toAbsolutePath().toString());
        b.put("initrd_path", initrd.toAbsolutePath().toString());
        b.put("boot_args", bootArgs);
        return new ApiCall("PUT", "/boot-source", json(b));
    }

    /** {@code PUT /drives/{drive_id}} (Drive, virtio-block). */
    public static ApiCall drive(String id, String pathOnHost, boolean root, boolean readOnly) {
        if (!id.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("a Firecracker drive id is letters, digits and _, not '" + id + "'");
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("drive_id", id);
        b.put("path_on_host", pathOnHost);
        b.put("is_root_device", root);
        b.put("is_read_only", readOnly);
        b.put("cache_type", "Unsafe");
        return new ApiCall("PUT", "/drives/" + id, json(b));
    }

    /** {@code PUT /vsock} (Vsock: guest_cid at least 3, uds_path where Firecracker listens for host connections). */
    public static ApiCall vsock(long guestCid, String udsPath) {
        if (guestCid < 3 || guestCid > 0xFFFF_FFFEL) {
            throw new IllegalArgumentException("a guest CID must be from 3 to 2^32-2, not " + guestCid);
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("guest_cid", guestCid);
        b.put("uds_path", udsPath);
        return new ApiCall("PUT", "/vsock", json(b));
    }

    /** {@code PUT /actions} with {@code InstanceStart} (InstanceActionInfo). */
    public static ApiCall instanceStart() {
        return new ApiCall("PUT", "/actions", json(Map.of("action_type", "InstanceStart")));
    }

    /** {@code PATCH /vm} (Vm: Paused or Resumed). */
    public static ApiCall vmState(boolean paused) {
        return new ApiCall("PATCH", "/vm", json(Map.of("state", paused ? "Paused" : "Resumed")));
    }

    /** {@code PUT /snapshot/create} (SnapshotCreateParams): a full snapshot of a paused VM. */
    public static ApiCall snapshotCreate(Path state, Path memory) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("snapshot_type", "Full");
        b.put("snapshot_path", state.toAbsolutePath().toString());
        b.put("mem_file_path", memory.toAbsolutePath().toString());
        return new ApiCall("PUT", "/snapshot/create", json(b));
    }

    /** {@code PUT /snapshot/load} (SnapshotLoadParams): memory from a file, resumed at once. */
    public static ApiCall snapshotLoad(Path state, Path memory) {
        Map<String, Object> backend = new LinkedHashMap<>();
        backend.put("backend_type", "File");
        backend.put("backend_path", memory.toAbsolutePath().toString());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("snapshot_path", state.toAbsolutePath().toString());
        b.put("mem_backend", backend);
        b.put("resume_vm", true);
        return new ApiCall("PUT", "/snapshot/load", json(b));
    }

    /**
     * The cold boot: machine, kernel, the shared read-only root (vda) and the VM's own writable disk
     * (vdb, which the initramfs overlays on the root), the vsock device, start.
     */
    public static List<ApiCall> coldBoot(int vcpus, int memMib, Path envDir, String bootArgs, long guestCid) {
        return List.of(
                machineConfig(vcpus, memMib),
                bootSource(envDir.resolve("vmlinux"), envDir.resolve("initrd.img"), bootArgs),
                drive(ROOT_DRIVE, envDir.resolve("rootfs.ext4").toAbsolutePath().toString(), true, true),
                drive(OVERLAY_DRIVE, OVERLAY_FILE, false, false),
                vsock(guestCid, VSOCK_FILE),
                instanceStart());
    }
}
