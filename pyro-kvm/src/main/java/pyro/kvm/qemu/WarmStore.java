package pyro.kvm.qemu;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import pyro.core.PyroException;
import pyro.core.internal.Channels2;
import pyro.core.internal.Files2;
import pyro.core.internal.Json;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;
import pyro.core.spi.LaunchSpec;
import pyro.core.spi.ProgressSink;

/**
 * Saved, booted guests for warm starts, one per environment and VM size:
 * {@code ENVDIR/warm/v<vcpus>-m<mem>-<fingerprint>/} holds {@code disk.qcow2} (the guest's disk at
 * the moment of the save, over the environment's rootfs), {@code memory.bin} (QEMU's migration
 * stream of the whole machine) and {@code saved.json}, written last. A restore gets its own qcow2
 * overlay over {@code disk.qcow2}, so the disk always matches the saved memory (and page cache).
 *
 * <p>The fingerprint covers everything a restore depends on: the environment's files (their
 * digests in env.json), the agent, the QEMU binary, machine type, accel, vCPUs, memory and the
 * device set. Anything else (a stale or missing fingerprint, a memory file of the wrong size) means
 * no saved guest, and a restore that fails discards the save; either way the VM boots cold.
 */
final class WarmStore {
    static final String MEMORY = "memory.bin";
    static final String DISK = "disk.qcow2";
    static final String SAVED = "saved.json";
    /** Boot, sync and save together may take this long (TCG on a loaded host) before the save is abandoned. */
    static final long SAVE_LIMIT_SECONDS = 300;
    private final QemuBackend qemu;

    record Saved(Path dir, Path disk, Path memory) {}

    WarmStore(QemuBackend qemu) {
        this.qemu = qemu;
    }

    /** The saved guest a VM of this size can restore, or null. */
    Saved find(Path envDir, LaunchSpec spec) {
        try {
            Path dir = dirFor(envDir, spec.vcpuCount(), spec.memMib());
            Path saved = dir.resolve(SAVED);
            if (!Files.isRegularFile(saved)) {
                return null;
            }
            Map<String, Object> m = Json.readMap(Files.readString(saved));
            Path memory = dir.resolve(MEMORY);
            if (!(m.get("memory_bytes") instanceof Number n) || !Files.isRegularFile(memory)
                    || Files.size(memory) != n.longValue() || !Files.isRegularFile(dir.resolve(DISK))) {
                return null;
            }
            return new Saved(dir, dir.resolve(DISK), memory);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Per size: warm (restorable), stale (only an outdated save), or cold (none); the default size always. */
    List<Map<String, Object>> states(Path envDir, String environment, int defaultVcpus, int defaultMemMib) {
        Map<String, Map<String, Object>> bySize = new java.util.TreeMap<>();
        Path warm = envDir.resolve("warm");
        if (Files.isDirectory(warm)) {
            try (var s = Files.list(warm)) {
                for (Path d : s.toList()) {
                    var m = java.util.regex.Pattern.compile("v(\\d+)-m(\\d+)-[0-9a-f]{16}").matcher(d.getFileName().toString());
                    if (!m.matches() || !Files.isRegularFile(d.resolve(SAVED))) {
                        continue;
                    }
                    int vcpus = Integer.parseInt(m.group(1));
                    int mem = Integer.parseInt(m.group(2));
                    LaunchSpec shape = new LaunchSpec("vm-shape", environment, vcpus, mem, false, Path.of("/INSTANCE"));
                    boolean current = d.equals(dirFor(envDir, vcpus, mem)) && find(envDir, shape) != null;
                    String key = String.format("%04d-%08d", vcpus, mem);
                    if (current || !bySize.containsKey(key)) {
                        bySize.put(key, state(environment, vcpus, mem, current ? "warm" : "stale"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable save folder reads as no save
            }
        }
        bySize.putIfAbsent(String.format("%04d-%08d", defaultVcpus, defaultMemMib),
                state(environment, defaultVcpus, defaultMemMib, "cold"));
        return List.copyOf(bySize.values());
    }

    private static Map<String, Object> state(String environment, int vcpus, int memMib, String state) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("environment", environment);
        m.put("vcpu_count", vcpus);
        m.put("mem_mib", memMib);
        m.put("state", state);
        m.put("fix", state.equals("warm") ? null : "pyro env warm " + environment + " --vcpu-count " + vcpus + " --mem-mib " + memMib);
        return m;
    }

    void discard(Path envDir, LaunchSpec spec, String reason) {
        try {
            Path dir = dirFor(envDir, spec.vcpuCount(), spec.memMib());
            Files.deleteIfExists(dir.resolve(SAVED)); // unusable at once; the files go with the next save
        } catch (IOException | RuntimeException ignored) {
            // a save that cannot be read is not used either
        }
    }

    Path dirFor(Path envDir, int vcpus, int memMib) throws IOException {
        return envDir.resolve("warm").resolve("v" + vcpus + "-m" + memMib + "-" + fingerprint(envDir, vcpus, memMib));
    }

    /** The first 16 hex digits of the sha256 over everything a restore depends on. */
    String fingerprint(Path envDir, int vcpus, int memMib) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(Files.readAllBytes(envDir.resolve("env.json")));
        Path agent = envDir.resolve("agent.sha256");
        if (Files.exists(agent)) {
            md.update(Files.readAllBytes(agent));
        }
        Path bin = qemu.qemuPath();
        if (bin != null) {
            md.update((bin.toRealPath() + ":" + Files.size(bin) + ":" + Files.getLastModifiedTime(bin)).getBytes());
        }
        LaunchSpec shape = new LaunchSpec("vm-shape", "x", vcpus, memMib, false, Path.of("/INSTANCE"));
        for (String a : qemu.argv(shape, envDir, Path.of("/INSTANCE/overlay.qcow2"), Path.of("/INSTANCE/agent.sock"))) {
            md.update(a.replaceAll("tsc_early_khz=\\d+", "tsc").getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }

    /**
     * Boots a guest cold, waits for its agent, syncs its disks, saves the running machine with QEMU's
     * migration to a file, and installs the save for later restores. Returns a line for the user.
     */
    String save(Path envDir, String environment, int vcpus, int memMib, ProgressSink progress) {
        Path dir;
        try {
            dir = dirFor(envDir, vcpus, memMib);
            if (Files.isRegularFile(dir.resolve(SAVED))) {
                // boots trust the size; an explicit warm or pull checks the digest
                Map<String, Object> m = Json.readMap(Files.readString(dir.resolve(SAVED)));
                if (sha256(dir.resolve(MEMORY)).equals(m.get("memory_sha256"))) {
                    return "a booted " + environment + " (" + vcpus + " vCPU, " + memMib + " MiB) is already saved in "
                            + dir;
                }
                progress.line("the saved " + environment + " in " + dir + " is corrupt (its memory file does not "
                        + "match its sha256): saving it again");
                Files.deleteIfExists(dir.resolve(SAVED));
            }
        } catch (IOException e) {
            throw PyroException.host("cannot read the environment " + envDir + ": " + e.getMessage() + ".");
        }
        Path work = dir.resolveSibling("." + dir.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Process vm = null;
        long t0 = System.nanoTime();
        try {
            Files2.deleteTree(work);
            Files2.privateDir(work);
            QemuBackend.createOverlay(envDir.resolve("rootfs.ext4"), "raw", work.resolve(DISK));
            Path agentSock = work.resolve("agent.sock");
            LaunchSpec spec = new LaunchSpec("vm-warm", environment, vcpus, memMib, false, work, true);
            Path qmpSock = spec.paths().qmpSocket();
            List<String> argv = qemu.argv(spec, envDir, work.resolve(DISK), agentSock);
            progress.line("saving a booted " + environment + " for warm starts (" + vcpus + " vCPU, " + memMib
                    + " MiB): booting it once");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(agentSock));
                vm = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(work.resolve("vmm.log").toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                // nothing here may wait forever on a guest: past the boot limit the VM is ended, which
                // ends every read below with an error
                Process watched = vm;
                Thread watchdog = Thread.ofVirtual().start(() -> {
                    try {
                        if (!watched.waitFor(SAVE_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                            watched.destroyForcibly();
                        }
                    } catch (InterruptedException ignored) {
                        // the save finished
                    }
                });
                SocketChannel agent = Channels2.acceptFrom(server, vm, 30_000,
                        () -> "QEMU exited at start (status " + watched.exitValue() + ")",
                        () -> "QEMU did not connect the agent channel within 30000 ms");
                InputStream in = new BufferedInputStream(Channels.newInputStream(agent));
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(agent));
                Frame hello = FrameCodec.read(in);
                if (hello == null || !Messages.isHello(hello)) {
                    throw new IOException("the guest agent sent " + hello + " instead of hello");
                }
                long bootMs = (System.nanoTime() - t0) / 1_000_000;
                // the disk must hold what the page cache holds: write everything back before the save
                FrameCodec.write(out, Messages.frame(1, new Request.Exec(List.of("sync"), null, Map.of(), 30_000L, null)));
                Frame synced = FrameCodec.read(in);
                Messages.reply(synced, Reply.ExecResult.class);
                Thread.sleep(500); // let the agent settle into its read loop
                progress.line("saving the booted guest's memory");
                long t1 = System.nanoTime();
                migrate(qmpSock, work.resolve(MEMORY));
                long saveMs = (System.nanoTime() - t1) / 1_000_000;
                vm.waitFor(10, TimeUnit.SECONDS);
                watchdog.interrupt();
                agent.close();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("environment", environment);
                m.put("vcpu_count", vcpus);
                m.put("mem_mib", memMib);
                m.put("fingerprint", dir.getFileName().toString());
                m.put("memory_bytes", Files.size(work.resolve(MEMORY)));
                m.put("memory_sha256", sha256(work.resolve(MEMORY)));
                m.put("boot_ms", bootMs);
                m.put("save_ms", saveMs);
                m.put("saved_at", Instant.now().toString());
                for (String f : List.of("agent.sock", "qmp.sock")) {
                    Files.deleteIfExists(work.resolve(f));
                }
                // a guest's memory can hold anything the guest had: the save is its user's alone
                for (String f : List.of(MEMORY, DISK, "vmm.log")) {
                    if (Files.exists(work.resolve(f))) {
                        Files.setPosixFilePermissions(work.resolve(f),
                                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                    }
                }
                Files2.writeAtomically(work.resolve(SAVED), Json.write(m).getBytes(StandardCharsets.UTF_8));
                Files.createDirectories(dir.getParent());
                if (Files.exists(dir)) {
                    Files2.deleteTree(dir); // an unusable earlier save of the same fingerprint
                }
                Files.move(work, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return "saved a booted " + environment + " (" + vcpus + " vCPU, " + memMib + " MiB) in " + saveMs
                        + " ms after a " + bootMs + " ms boot: VMs of this size now restore it";
            }
        } catch (IOException e) {
            throw PyroException.guest("saving a booted " + environment + " failed: " + e.getMessage() + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PyroException.guest("interrupted while saving a booted " + environment + ".");
        } finally {
            if (vm != null && vm.isAlive()) {
                vm.destroyForcibly();
            }
            try {
                Files2.deleteTree(work);
            } catch (IOException ignored) {
                // a leftover temp folder is ignored by find()
            }
        }
    }

    /** QMP: migrate the running machine into {@code file}, wait until it completed, then quit QEMU. */
    private static void migrate(Path qmpSock, Path file) throws IOException, InterruptedException {
        try (Qmp q = Qmp.connect(qmpSock)) {
            q.migrateTo(file, 120_000);
            q.execute("quit", null);
        }
    }

    /**
     * Removes saves that can no longer be used (discarded, left by an interrupted save, or of an
     * older build, agent or QEMU) unless a running VM still has their disk open. Returns the names.
     */
    List<String> prune(Path envDir) {
        List<String> removed = new java.util.ArrayList<>();
        Path warm = envDir.resolve("warm");
        if (!Files.isDirectory(warm)) {
            return removed;
        }
        java.util.Set<Path> open = openFiles();
        try (var s = Files.list(warm)) {
            for (Path d : s.toList()) {
                String name = d.getFileName().toString();
                boolean current = false;
                var m = java.util.regex.Pattern.compile("v(\\d+)-m(\\d+)-[0-9a-f]{16}").matcher(name);
                if (m.matches() && Files.isRegularFile(d.resolve(SAVED))) {
                    current = d.equals(dirFor(envDir, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
                }
                boolean inUse = open.stream().anyMatch(p -> p.startsWith(d));
                if (!current && !inUse) {
                    Files2.deleteTree(d);
                    removed.add(envDir.getFileName() + "/warm/" + name);
                }
            }
        } catch (IOException | RuntimeException e) {
            // what cannot be read stays; prune is best effort for saves
        }
        return removed;
    }

    /** Files this user's processes have open (QEMU keeps a save's disk open as an overlay's backing). */
    private static java.util.Set<Path> openFiles() {
        java.util.Set<Path> out = new java.util.HashSet<>();
        ProcessHandle.allProcesses().forEach(h -> {
            try (var fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(h.pid()), "fd"))) {
                for (Path fd : fds) {
                    try {
                        out.add(Files.readSymbolicLink(fd));
                    } catch (IOException | UnsupportedOperationException ignored) {
                        // gone meanwhile
                    }
                }
            } catch (IOException | SecurityException ignored) {
                // another user's process, or gone
            }
        });
        return out;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
