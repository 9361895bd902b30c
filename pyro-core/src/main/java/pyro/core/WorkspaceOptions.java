package pyro.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to create a workspace, for {@link Pyro#createWorkspace(WorkspaceOptions)}: start from
 * {@link #of(String)} and change what differs from the defaults.
 *
 * <pre>{@code
 * pyro.createWorkspace(WorkspaceOptions.of("debian:12").name("api").seed(Path.of("repo")).memMib(2048)
 *         .network(NetworkPolicy.EGRESS_PUBLISHED_PORTS).secret("API_TOKEN", token));
 * }</pre>
 *
 * @param secrets secret names to values: kept in the guest only (the host records names and digests),
 *     given to processes by {@code secret_env}, and redacted from every output
 */
public record WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib,
        long ttlSeconds, NetworkPolicy networkPolicy, boolean cold, Map<String, String> secrets) {
    public WorkspaceOptions {
        networkPolicy = networkPolicy == null ? NetworkPolicy.OFF : networkPolicy;
        secrets = secrets == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
    }

    public WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            NetworkPolicy networkPolicy, boolean cold) {
        this(environment, name, seedPath, vcpus, memMib, ttlSeconds, networkPolicy, cold, Map.of());
    }

    public WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            boolean network, boolean cold) {
        this(environment, name, seedPath, vcpus, memMib, ttlSeconds, NetworkPolicy.of(network), cold, Map.of());
    }

    public WorkspaceOptions(String environment, String name, Path seedPath, int vcpus, int memMib, long ttlSeconds,
            boolean network) {
        this(environment, name, seedPath, vcpus, memMib, ttlSeconds, NetworkPolicy.of(network), false, Map.of());
    }

    /** Whether the guest has outbound networking (any policy but {@code off}). */
    public boolean network() {
        return networkPolicy.egress();
    }

    /** Boot the VM cold even when its environment has a saved guest to restore (for comparison). */
    public WorkspaceOptions cold(boolean on) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, ttlSeconds, networkPolicy, on, secrets);
    }

    /** The defaults: no name, empty /workspace, {@link Pyro#DEFAULT_VCPUS}, {@link Pyro#DEFAULT_MEM_MIB}, {@link Pyro#DEFAULT_TTL_SECONDS}, no network, no secrets. */
    public static WorkspaceOptions of(String environment) {
        return new WorkspaceOptions(environment, null, null, Pyro.DEFAULT_VCPUS, Pyro.DEFAULT_MEM_MIB,
                Pyro.DEFAULT_TTL_SECONDS, NetworkPolicy.OFF, false, Map.of());
    }

    /** A unique name calls may use instead of the id. */
    public WorkspaceOptions name(String n) {
        return new WorkspaceOptions(environment, n, seedPath, vcpus, memMib, ttlSeconds, networkPolicy, cold, secrets);
    }

    /** A host folder or tar archive to seed /workspace from (it becomes the diff baseline). */
    public WorkspaceOptions seed(Path p) {
        return new WorkspaceOptions(environment, name, p, vcpus, memMib, ttlSeconds, networkPolicy, cold, secrets);
    }

    public WorkspaceOptions vcpus(int n) {
        return new WorkspaceOptions(environment, name, seedPath, n, memMib, ttlSeconds, networkPolicy, cold, secrets);
    }

    public WorkspaceOptions memMib(int n) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, n, ttlSeconds, networkPolicy, cold, secrets);
    }

    public WorkspaceOptions ttlSeconds(long n) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, n, networkPolicy, cold, secrets);
    }

    /** Guest egress ({@link NetworkPolicy#EGRESS}) or none ({@link NetworkPolicy#OFF}). */
    public WorkspaceOptions network(boolean on) {
        return network(NetworkPolicy.of(on));
    }

    /** The network policy: off (the default), egress, or egress with ports services may publish. */
    public WorkspaceOptions network(NetworkPolicy policy) {
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, ttlSeconds, policy, cold, secrets);
    }

    /** One more secret (a name given twice keeps the last value). */
    public WorkspaceOptions secret(String secretName, String value) {
        Map<String, String> m = new LinkedHashMap<>(secrets);
        m.put(secretName, value);
        return new WorkspaceOptions(environment, name, seedPath, vcpus, memMib, ttlSeconds, networkPolicy, cold, m);
    }

    /** One more secret whose value is a host file's content (UTF-8; one trailing newline dropped). */
    public WorkspaceOptions secretFile(String secretName, Path file) {
        return secret(secretName, readSecretFile(secretName, file));
    }

    /**
     * A secret file's value, or a clear error naming the file (never its content). Only a regular file
     * (a link to one is followed) is read, and never more than the limit plus one byte: a device such
     * as /dev/zero reports size 0 and never ends, and opening a FIFO waits for a writer.
     */
    public static String readSecretFile(String secretName, Path file) {
        int limit = pyro.core.internal.WorkspaceSecrets.MAX_VALUE_BYTES;
        String what = "secret file " + file + " for '" + secretName + "'";
        try {
            if (!Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile()) {
                throw PyroException.invalid(what + " is not a regular file (a device, FIFO or folder is never read).");
            }
            byte[] b;
            try (var in = Files.newInputStream(file)) {
                b = in.readNBytes(limit + 1);
            }
            if (b.length > limit) {
                throw PyroException.invalid(what + " is over " + limit / 1024 + " KiB.");
            }
            String v = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
            return v.endsWith("\r\n") ? v.substring(0, v.length() - 2) : v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw PyroException.invalid(what + " is not UTF-8 text.");
        } catch (IOException e) {
            throw PyroException.invalid(what + " cannot be read: "
                    + (e instanceof java.nio.file.NoSuchFileException ? "it does not exist" : e.getMessage()) + ".");
        }
    }
}
