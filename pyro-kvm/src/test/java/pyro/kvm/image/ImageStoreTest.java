package pyro.kvm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;
import pyro.core.internal.Json;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.PruneResult;
import pyro.core.spi.ProgressSink;

/**
 * Which cache entries are trusted and which are rebuilt, over real files in a temp cache folder.
 * Entries are written the way build-env.sh and ImageStore write them (the three images, env.json
 * with sizes and sha256, agent.sha256); nothing is built here and debootstrap never runs.
 */
class ImageStoreTest {
    static final Catalog.Entry ENV = ImageStore.entry("debian:12-base");

    @TempDir
    Path tmp;

    Path cache;
    Path agent;
    ImageStore store;
    List<String> progress = new ArrayList<>();
    ProgressSink sink = progress::add;

    @BeforeEach
    void setUp() throws IOException {
        cache = tmp.resolve("cache");
        agent = tmp.resolve("guest");
        Files.createDirectories(agent.resolve("jre/bin"));
        Files.createDirectories(agent.resolve("lib"));
        Files.writeString(agent.resolve("lib/pyro.agent.jar"), "agent classes v1");
        Files.writeString(agent.resolve("lib/pyro.core.jar"), "core classes v1");
        store = new ImageStore(cache, () -> agent);
    }

    /** A complete entry as a finished build leaves it; returns its folder. */
    Path writeEntry(Catalog.Entry e) throws IOException {
        Path dir = cache.resolve("environments").resolve(e.folder());
        Files.createDirectories(dir);
        Map<String, Object> files = new LinkedHashMap<>();
        for (String f : ImageStore.FILES) {
            byte[] content = (f + " of " + e.name() + "\n").repeat(100).getBytes(StandardCharsets.UTF_8);
            Files.write(dir.resolve(f), content);
            files.put(f, Map.of("size", content.length, "sha256", sha256(content)));
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("environment", e.name());
        manifest.put("kernel_version", "6.1.0-test-amd64");
        manifest.put("built_at", "2026-12-01T00:00:00Z");
        manifest.put("files", files);
        Files.writeString(dir.resolve("env.json"), Json.write(manifest));
        Files.writeString(dir.resolve("agent.sha256"), ImageStore.agentFingerprint(agent) + "\n");
        return dir;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void aCompleteEntryWithMatchingSizesIsTrustedAndNotRebuilt() throws IOException {
        Path dir = writeEntry(ENV);
        assertNotNull(store.verified(ENV));
        assertTrue(store.digestsMatch(ENV, sink));
        EnvironmentInfo info = store.info(ENV);
        assertTrue(info.installed());
        assertEquals("6.1.0-test-amd64", info.kernelVersion());
        long size = 0;
        for (String f : ImageStore.FILES) {
            size += Files.size(dir.resolve(f));
        }
        assertEquals(size, info.sizeBytes());
        // pull of a sound entry returns at once: no lock file, no build scratch, no progress lines
        EnvironmentInfo pulled = store.pull(ENV, sink);
        assertTrue(pulled.installed());
        assertEquals(List.of(), progress.stream().filter(l -> l.startsWith("building")).toList());
        assertFalse(Files.exists(cache.resolve("environments/." + ENV.folder() + ".lock")));
    }

    @Test
    void aMissingFileMeansRebuild() throws IOException {
        for (String f : ImageStore.FILES) {
            Path dir = writeEntry(ENV);
            Files.delete(dir.resolve(f));
            assertNull(store.verified(ENV), f + " missing");
            assertFalse(store.info(ENV).installed(), f + " missing");
            assertFalse(store.digestsMatch(ENV, sink), f + " missing");
        }
    }

    @Test
    void aSizeMismatchMeansRebuild() throws IOException {
        for (String f : ImageStore.FILES) {
            Path dir = writeEntry(ENV);
            Files.writeString(dir.resolve(f), "x", java.nio.file.StandardOpenOption.APPEND);
            assertNull(store.verified(ENV), f + " grew by a byte");
        }
        Path dir = writeEntry(ENV);
        Files.write(dir.resolve("rootfs.ext4"), new byte[0]);
        assertNull(store.verified(ENV), "truncated rootfs");
    }

    /** The cheap check (sizes) cannot see a flipped byte; the digest check must, and pull then rebuilds. */
    @Test
    void aSameSizeCorruptByteIsCaughtByTheDigestCheckAndInvalidated() throws IOException {
        for (String f : ImageStore.FILES) {
            Path dir = writeEntry(ENV);
            byte[] b = Files.readAllBytes(dir.resolve(f));
            b[b.length / 2] ^= 0x01;
            Files.write(dir.resolve(f), b);
            assertNotNull(store.verified(ENV), "sizes still match for " + f);
            assertFalse(store.digestsMatch(ENV, sink), f + " has a flipped byte");
            store.invalidate(ENV);
            assertFalse(Files.exists(dir.resolve("env.json")), "invalidate removes the manifest");
            assertNull(store.verified(ENV), "an invalidated entry is rebuilt");
            assertTrue(Files.exists(dir.resolve(f)), "invalidate keeps the files for the rebuild to replace");
        }
        assertTrue(progress.contains("verifying debian:12-base (sha256 of each file)"), progress.toString());
    }

    @Test
    void invalidateOfAnAbsentEntryIsHarmless() {
        store.invalidate(ENV);
        assertNull(store.verified(ENV));
    }

    @Test
    void anEntryBuiltForAnotherAgentIsStale() throws IOException {
        Path dir = writeEntry(ENV);
        Files.writeString(dir.resolve("agent.sha256"), "0".repeat(64) + "\n");
        assertNull(store.verified(ENV), "another agent's fingerprint");
        Files.delete(dir.resolve("agent.sha256"));
        assertNull(store.verified(ENV), "no fingerprint at all");
    }

    /** A new pyro (new agent jars) sees the entries an older one built as stale. */
    @Test
    void changingAnAgentJarMakesTheEntryStaleForTheNextProcess() throws IOException {
        writeEntry(ENV);
        assertNotNull(store.verified(ENV));
        Files.writeString(agent.resolve("lib/pyro.agent.jar"), "agent classes v2");
        assertNotNull(store.verified(ENV), "the fingerprint is hashed once per process (per store)");
        assertNull(new ImageStore(cache, () -> agent).verified(ENV), "a new process hashes the new jars");
    }

    @Test
    void fingerprintCoversJarNamesAndBytesInAFixedOrder() throws IOException {
        String a = ImageStore.agentFingerprint(agent);
        assertEquals(64, a.length());
        assertEquals(a, ImageStore.agentFingerprint(agent), "deterministic");
        Path other = tmp.resolve("other");
        Files.createDirectories(other.resolve("lib"));
        // the same files written in the other order: the listing is sorted, so the same digest
        Files.writeString(other.resolve("lib/pyro.core.jar"), "core classes v1");
        Files.writeString(other.resolve("lib/pyro.agent.jar"), "agent classes v1");
        assertEquals(a, ImageStore.agentFingerprint(other));
        Files.move(other.resolve("lib/pyro.core.jar"), other.resolve("lib/pyro.core-2.jar"));
        assertNotEquals(a, ImageStore.agentFingerprint(other), "a renamed jar changes the fingerprint");
        assertThrows(IOException.class, () -> ImageStore.agentFingerprint(tmp.resolve("nowhere")));
    }

    /** Without PYRO_HOME there is no agent to compare with; a sound entry is still usable. */
    @Test
    void withoutAnInstalledAgentTheFingerprintIsNotChecked() throws IOException {
        Path dir = writeEntry(ENV);
        Files.delete(dir.resolve("agent.sha256"));
        ImageStore noAgent = new ImageStore(cache, () -> {
            throw PyroException.host("pyro's installation folder is unknown: set PYRO_HOME.");
        });
        assertNotNull(noAgent.verified(ENV));
    }

    @Test
    void aBrokenManifestMeansRebuild() throws IOException {
        Path dir = writeEntry(ENV);
        Files.writeString(dir.resolve("env.json"), "{\"files\": ");
        assertNull(store.verified(ENV), "truncated json");
        Files.writeString(dir.resolve("env.json"), "{\"environment\": \"debian:12-base\"}");
        assertNull(store.verified(ENV), "no files");
        Files.writeString(dir.resolve("env.json"),
                "{\"files\": {\"vmlinux\": {\"sha256\": \"x\"}, \"initrd.img\": {}, \"rootfs.ext4\": {}}}");
        assertNull(store.verified(ENV), "no sizes");
        Files.delete(dir.resolve("env.json"));
        Files.createDirectory(dir.resolve("env.json"));
        assertNull(store.verified(ENV), "env.json is a folder");
    }

    @Test
    void pruneRemovesBrokenAndUnknownEntriesAndKeepsSoundOnesLocksAndCompleteBases() throws IOException {
        writeEntry(ENV);
        Path broken = writeEntry(ImageStore.entry("debian:12"));
        Files.delete(broken.resolve("vmlinux"));
        long brokenBytes = Files.size(broken.resolve("initrd.img")) + Files.size(broken.resolve("rootfs.ext4"))
                + Files.size(broken.resolve("env.json")) + Files.size(broken.resolve("agent.sha256"));
        Path envs = cache.resolve("environments");
        Files.writeString(envs.resolve("ubuntu_24"), ""); // unknown
        Files.createDirectories(envs.resolve(".base-debian_12-base"));
        Files.writeString(envs.resolve(".base-debian_12-base/complete"), "debian:12-base format-1\n");
        Files.createDirectories(envs.resolve(".base-debian_12-build")); // no 'complete': an interrupted base
        Files.writeString(envs.resolve(".debian_12.lock"), "");
        Files.createDirectories(envs.resolve(".pyro-build.abcdefgh"));
        PruneResult r = store.prune();
        assertEquals(Set.of("debian_12", "ubuntu_24", ".base-debian_12-build"), Set.copyOf(r.removed()));
        assertEquals(brokenBytes, r.bytesFreed());
        assertNotNull(store.verified(ENV));
        assertTrue(Files.exists(envs.resolve(".base-debian_12-base/complete")));
        assertTrue(Files.exists(envs.resolve(".debian_12.lock")));
        assertTrue(Files.isDirectory(envs.resolve(".pyro-build.abcdefgh")));
        assertFalse(Files.exists(broken));
    }

    @Test
    void pruneOfAnEmptyCacheRemovesNothing() {
        PruneResult r = store.prune();
        assertEquals(List.of(), r.removed());
        assertEquals(0, r.bytesFreed());
    }

    @Test
    void unknownEnvironmentIsNotFoundAndListsTheKnownOnes() {
        PyroException e = assertThrows(PyroException.class, () -> ImageStore.entry("debian:13"));
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertEquals("unknown environment 'debian:13': use one of debian:12, debian:12-base, debian:12-build.",
                e.getMessage());
    }

    @Test
    void listShowsEveryCatalogEntryWithItsState() throws IOException {
        writeEntry(ENV);
        Map<String, Boolean> installed = new LinkedHashMap<>();
        store.list().forEach(i -> installed.put(i.name(), i.installed()));
        assertEquals(Map.of("debian:12", false, "debian:12-base", true, "debian:12-build", false), installed);
        assertEquals(cache.resolve("environments/debian_12-base").toString(), store.info(ENV).cachePath());
    }
}
