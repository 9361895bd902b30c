package pyro.kvm.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import pyro.core.PyroException;
import pyro.core.internal.Files2;
import pyro.core.internal.Json;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.PruneResult;
import pyro.core.spi.ProgressSink;

/**
 * The environment cache: {@code CACHE/environments/NAME/} holds {@code vmlinux}, {@code initrd.img},
 * {@code rootfs.ext4} and, written last, {@code env.json} with each file's size and digest. An entry
 * without a valid {@code env.json}, with a file of the wrong size, or built for another guest agent
 * is broken and gets rebuilt, never used.
 */
public final class ImageStore {
    public static final List<String> FILES = List.of("vmlinux", "initrd.img", "rootfs.ext4");
    private static final String[] RESOURCES = {"build-env.sh", "debian-mirror.sh", "init", "sysinit", "inittab", "agent-launcher"};
    private final Path root;
    private final java.util.function.Supplier<Path> agentDir;

    public ImageStore(Path cacheDir, java.util.function.Supplier<Path> agentDir) {
        this.root = cacheDir.resolve("environments");
        this.agentDir = agentDir;
    }

    public Path dir(Catalog.Entry e) {
        return root.resolve(e.folder());
    }

    public static Catalog.Entry entry(String name) {
        return Catalog.find(name).orElseThrow(() -> PyroException.notFound(
                "unknown environment '" + name + "': use one of " + Catalog.names() + "."));
    }

    /** The entry's manifest if the entry is complete and sound, else null. Cheap: sizes only. */
    public Map<String, Object> verified(Catalog.Entry e) {
        Path dir = dir(e);
        Path manifest = dir.resolve("env.json");
        if (!Files.isRegularFile(manifest)) {
            return null;
        }
        try {
            Map<String, Object> m = Json.readMap(Files.readString(manifest));
            if (!(m.get("files") instanceof Map<?, ?> files)) {
                return null;
            }
            for (String f : FILES) {
                Object info = files.get(f);
                if (!(info instanceof Map<?, ?> fm) || !(fm.get("size") instanceof Number size)) {
                    return null;
                }
                Path p = dir.resolve(f);
                if (!Files.isRegularFile(p) || Files.size(p) != size.longValue()) {
                    return null;
                }
            }
            Path fp = dir.resolve("agent.sha256");
            String want = agentFingerprintOrNull();
            if (want != null && (!Files.exists(fp) || !Files.readString(fp).trim().equals(want))) {
                return null;
            }
            return m;
        } catch (IOException | RuntimeException ex) {
            return null;
        }
    }

    /** Full check: every file's sha256 against env.json (seconds for a 2.4 GB sparse rootfs). */
    public boolean digestsMatch(Catalog.Entry e, ProgressSink progress) {
        Map<String, Object> m = verified(e);
        if (m == null) {
            return false;
        }
        progress.line("verifying " + e.name() + " (sha256 of each file)");
        Map<?, ?> files = (Map<?, ?>) m.get("files");
        for (String f : FILES) {
            String want = String.valueOf(((Map<?, ?>) files.get(f)).get("sha256"));
            try (InputStream in = Files.newInputStream(dir(e).resolve(f))) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
                if (!HexFormat.of().formatHex(md.digest()).equals(want)) {
                    return false;
                }
            } catch (IOException | java.security.NoSuchAlgorithmException ex) {
                return false;
            }
        }
        return true;
    }

    /** Marks an entry broken (removes env.json) so the next pull rebuilds it. */
    public void invalidate(Catalog.Entry e) {
        try {
            Files.deleteIfExists(dir(e).resolve("env.json"));
        } catch (IOException ex) {
            throw PyroException.host("cannot update the image cache " + dir(e) + ": " + ex.getMessage() + ".");
        }
    }

    public EnvironmentInfo info(Catalog.Entry e) {
        Map<String, Object> m = verified(e);
        long size = 0;
        if (m != null) {
            for (String f : FILES) {
                size += ((Number) ((Map<?, ?>) ((Map<?, ?>) m.get("files")).get(f)).get("size")).longValue();
            }
        }
        return new EnvironmentInfo(e.name(), e.description(), e.packages(), m != null, dir(e).toString(),
                m == null ? null : String.valueOf(m.get("kernel_version")),
                m == null ? null : String.valueOf(m.get("built_at")), size);
    }

    public List<EnvironmentInfo> list() {
        return Catalog.ALL.stream().map(this::info).toList();
    }

    /** Builds the environment unless a sound entry exists. Concurrent pulls wait for each other. */
    public EnvironmentInfo pull(Catalog.Entry e, ProgressSink progress) {
        if (verified(e) != null) {
            return info(e);
        }
        try {
            Files.createDirectories(root);
        } catch (IOException ex) {
            throw PyroException.host("the image cache " + root + " is not writable: " + ex.getMessage() + ".");
        }
        if (!Files.isWritable(root)) {
            throw PyroException.host("the image cache " + root + " is not writable.");
        }
        Path lockFile = root.resolve("." + e.folder() + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = ch.lock()) {
            if (verified(e) != null) {
                return info(e); // another process built it while we waited
            }
            build(e, progress);
        } catch (IOException ex) {
            throw PyroException.host("cannot build environment " + e.name() + ": " + ex.getMessage() + ".");
        }
        if (verified(e) == null) {
            throw PyroException.host("the build of environment " + e.name() + " finished but its files in " + dir(e)
                    + " do not verify.");
        }
        return info(e);
    }

    private void build(Catalog.Entry e, ProgressSink progress) throws IOException {
        Path agent = agentDir.get();
        String stamp = agentFingerprint(agent);
        Path dir = dir(e);
        Path scripts = Files.createTempDirectory(root, ".scripts-");
        try {
            for (String r : RESOURCES) {
                try (InputStream in = ImageStore.class.getResourceAsStream(r)) {
                    if (in == null) {
                        throw new IOException("resource " + r + " is missing from pyro.kvm");
                    }
                    Files.copy(in, scripts.resolve(r));
                }
            }
            Files2.deleteTree(dir);
            progress.line("building environment " + e.name() + " into " + dir + " (once; later runs reuse it)");
            ProcessBuilder pb = new ProcessBuilder(
                    "bash", scripts.resolve("build-env.sh").toString(), e.name(), dir.toString(), agent.toString());
            pb.redirectErrorStream(true);
            pb.environment().put("LC_ALL", "C");
            // the catalog is the one list of each environment's packages: docs, doctor and the build agree
            pb.environment().put("PYRO_ENV_PACKAGES", String.join(" ", e.packages()));
            Process p = pb.start();
            List<String> tail = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    progress.line(line);
                    tail.add(line);
                    if (tail.size() > 20) {
                        tail.removeFirst();
                    }
                }
            }
            int rc = p.waitFor();
            if (rc != 0) {
                Files2.deleteTree(dir);
                throw PyroException.host("building environment " + e.name() + " failed (exit " + rc + "): "
                        + String.join(" | ", tail.subList(Math.max(0, tail.size() - 3), tail.size())));
            }
            Files2.writeAtomically(dir.resolve("agent.sha256"), (stamp + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw PyroException.host("building environment " + e.name() + " was interrupted.");
        } finally {
            Files2.deleteTree(scripts);
        }
    }

    private volatile String fingerprint;

    /**
     * The installed agent's fingerprint, hashed once per process: every boot checks the entry
     * several times (inspect, ensure, launch) and the agent's jars do not change under a running pyro.
     */
    private String agentFingerprintOrNull() {
        String f = fingerprint;
        if (f == null) {
            try {
                f = agentFingerprint(agentDir.get());
            } catch (RuntimeException | IOException e) {
                return null;
            }
            fingerprint = f;
        }
        return f;
    }

    /** sha256 over the agent's jars and the image scripts, so an image built by another pyro is refreshed. */
    static String agentFingerprint(Path agentDir) throws IOException {
        try (Stream<Path> s = Files.list(agentDir.resolve("lib"))) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path jar : s.sorted().toList()) {
                md.update(jar.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(jar));
            }
            // the guest-side scripts are part of what an image was built with, too
            for (String r : RESOURCES) {
                try (InputStream in = ImageStore.class.getResourceAsStream(r)) {
                    if (in != null) {
                        md.update(in.readAllBytes());
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Removes every cache entry that does not verify, and leftovers of interrupted builds. */
    /**
     * {@code env pull}: an environment whose files no longer match their digests is rebuilt, then it
     * is made sure to be there (every backend boots the same images).
     */
    public EnvironmentInfo pullVerified(String name, ProgressSink progress) {
        Catalog.Entry e = entry(name);
        if (verified(e) != null && !digestsMatch(e, progress)) {
            progress.line("environment " + name + " is corrupt (a file does not match its recorded sha256): rebuilding");
            invalidate(e);
        }
        return ensure(name, progress);
    }

    /** Builds the environment unless it is built; a missing build tool is named before anything starts. */
    public EnvironmentInfo ensure(String name, ProgressSink progress) {
        Catalog.Entry e = entry(name);
        if (verified(e) == null) {
            for (String tool : List.of("debootstrap", "mkfs.ext4", "apt-get", "dpkg-deb", "cpio", "xz")) {
                if (pyro.kvm.HostProbe.which(tool) == null) {
                    throw PyroException.host("building environment " + name + " needs " + tool
                            + ", which is not installed (see docs/host-requirements.md).");
                }
            }
        }
        return pull(e, progress);
    }

    /** Whether a built environment's files still match their digests (a damaged one is dropped); true when not built. */
    public boolean intact(String name) {
        Catalog.Entry e = entry(name);
        if (verified(e) == null || digestsMatch(e, ProgressSink.NONE)) {
            return true;
        }
        invalidate(e);
        return false;
    }

    public PruneResult prune() {
        List<String> removed = new ArrayList<>();
        long freed = 0;
        if (!Files.isDirectory(root)) {
            return new PruneResult(removed, 0);
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                // lock files, builds in progress, and the reusable Debian base of a known environment
                if (name.endsWith(".lock") || name.startsWith(".pyro-build.") || name.startsWith(".scripts-")) {
                    continue;
                }
                if (name.startsWith(".base-")
                        && Catalog.ALL.stream().anyMatch(e -> name.equals(".base-" + e.folder()))
                        && Files.exists(p.resolve("complete"))) {
                    continue;
                }
                boolean keep = Catalog.ALL.stream().anyMatch(e -> e.folder().equals(name) && verified(e) != null);
                if (!keep) {
                    freed += size(p);
                    Files2.deleteTree(p);
                    removed.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PruneResult(removed, freed);
    }

    private static long size(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }
}
