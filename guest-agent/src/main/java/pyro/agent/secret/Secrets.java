package pyro.agent.secret;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The workspace's secrets, inside the guest only: one file per secret under a tmpfs folder
 * ({@code /run/pyro/secrets}, mode 0700, files 0600: in memory, so neither the guest's disk nor the
 * host's copy of it ever holds a value), loaded again when the agent restarts. They reach a process
 * only as the environment variables a request names ({@code secret_env}), and every reply the agent
 * sends, every service log line and every shell byte has their values replaced by
 * {@code [redacted:NAME]}.
 */
public final class Secrets {
    public static final Path DEFAULT_ROOT = Path.of("/run/pyro/secrets");
    /** The documented rule: 1-64 characters, a letter or underscore first, then letters, digits or underscores. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static volatile Secrets instance = new Secrets(DEFAULT_ROOT);

    private final Path root;
    private volatile Map<String, byte[]> values = Map.of();

    private Secrets(Path root) {
        this.root = root;
    }

    public static Secrets get() {
        return instance;
    }

    /** Uses {@code root} (the host-process tests give a folder of the instance) and loads what it holds. */
    public static void init(Path root) {
        Secrets s = new Secrets(root);
        s.load();
        instance = s;
    }

    private void load() {
        if (!Files.isDirectory(root)) {
            return;
        }
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (NAME.matcher(name).matches()) {
                    m.put(name, Files.readAllBytes(p));
                }
            }
        } catch (IOException e) {
            System.err.println("pyro-agent: cannot load secrets from " + root + ": " + e.getMessage());
        }
        values = Map.copyOf(m);
    }

    /** Stores the values (replacing secrets of the same names); returns the names now set. */
    public synchronized List<String> put(Map<String, String> given) throws IOException {
        for (String name : given.keySet()) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("secret name '" + name + "' is invalid: use 1-64 letters, digits"
                        + " or underscores, a letter or underscore first");
            }
            String v = given.get(name);
            if (v == null || v.isEmpty() || v.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("secret '" + name + "' needs a non-empty value without NUL bytes");
            }
        }
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Map<String, byte[]> m = new LinkedHashMap<>(values);
        for (var e : given.entrySet()) {
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            Path tmp = root.resolve("." + e.getKey() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, v, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, root.resolve(e.getKey()), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            m.put(e.getKey(), v);
        }
        values = Map.copyOf(m);
        return new ArrayList<>(values.keySet()).stream().sorted().toList();
    }

    /** Names to base64 values (for a reset that carries them into a fresh guest). */
    public Map<String, String> encoded() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, java.util.Base64.getEncoder().encodeToString(v)));
        return out;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /**
     * The environment a request asks for: {@code ENV_VAR -> secret name} becomes {@code ENV_VAR -> value};
     * an unknown name is refused by name.
     */
    public Map<String, String> environment(Map<String, String> secretEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        if (secretEnv == null) {
            return env;
        }
        Map<String, byte[]> now = values;
        for (var e : secretEnv.entrySet()) {
            byte[] v = now.get(e.getValue());
            if (v == null) {
                throw new IllegalArgumentException("secret '" + e.getValue() + "' is not set in this workspace"
                        + (now.isEmpty() ? " (it has none)" : " (it has " + String.join(", ", now.keySet().stream().sorted().toList()) + ")"));
            }
            env.put(e.getKey(), new String(v, StandardCharsets.UTF_8));
        }
        return env;
    }

    /** The text with every secret's value replaced by {@code [redacted:NAME]}. */
    public String redact(String text) {
        Map<String, byte[]> now = values;
        if (text == null || now.isEmpty()) {
            return text;
        }
        String out = text;
        for (var e : longestFirst(now)) {
            String v = new String(e.getValue(), StandardCharsets.UTF_8);
            if (out.contains(v)) {
                out = out.replace(v, "[redacted:" + e.getKey() + "]");
            }
        }
        return out;
    }

    /**
     * The bytes with every value replaced by {@code [redacted:NAME]}: for content sent encoded (a
     * base64 file read), which the redaction of a reply's text cannot see.
     */
    public byte[] redact(byte[] data) {
        byte[] out = data;
        for (var e : longestFirst(values)) {
            out = replace(out, e.getValue(), ("[redacted:" + e.getKey() + "]").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static byte[] replace(byte[] data, byte[] value, byte[] marker) {
        java.io.ByteArrayOutputStream out = null;
        int from = 0;
        for (int i = 0; i + value.length <= data.length;) {
            if (java.util.Arrays.equals(data, i, i + value.length, value, 0, value.length)) {
                out = out != null ? out : new java.io.ByteArrayOutputStream(data.length);
                out.write(data, from, i - from);
                out.write(marker, 0, marker.length);
                i += value.length;
                from = i;
            } else {
                i++;
            }
        }
        if (out == null) {
            return data;
        }
        out.write(data, from, data.length - from);
        return out.toByteArray();
    }

    /**
     * A frame's header with every string value of its fields redacted, but never a map key, nor the
     * frame's own words: its {@code id}, its {@code type} and an error's {@code code}. Redacting those
     * would make the reply unreadable to the host instead of hiding anything.
     */
    public Map<String, Object> redactHeader(Map<String, Object> header) {
        if (values.isEmpty()) {
            return header;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        header.forEach((k, v) -> out.put(k, FRAME_WORDS.contains(k) ? v : redactAll(v)));
        return out;
    }

    private static final java.util.Set<String> FRAME_WORDS = java.util.Set.of("id", "type", "code");

    /** Every string in a reply's fields redacted (maps and lists walked; keys kept). */
    public Object redactAll(Object value) {
        if (values.isEmpty()) {
            return value;
        }
        return switch (value) {
            case String s -> redact(s);
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put(k, redactAll(v)));
                yield out;
            }
            case List<?> l -> l.stream().map(this::redactAll).toList();
            case null -> null;
            default -> value;
        };
    }

    /** A filter for one output stream, or null when there is nothing to redact. */
    public SecretFilter filter(SecretFilter.Sink sink, long idleFlushMs) {
        Map<String, byte[]> now = values;
        return now.isEmpty() ? null : new SecretFilter(longestFirst(now), sink, idleFlushMs);
    }

    private static List<Map.Entry<String, byte[]>> longestFirst(Map<String, byte[]> m) {
        List<Map.Entry<String, byte[]>> l = new ArrayList<>(m.entrySet());
        l.sort((a, b) -> Integer.compare(b.getValue().length, a.getValue().length));
        return l;
    }
}
