package pyro.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The bearer token every request must carry ({@code Authorization: Bearer TOKEN}): {@code PYRO_TOKEN}
 * when set at start, else the one in {@code STATE/serve/token} (mode 0600), made on the first start.
 * Compared in constant time.
 */
final class Token {
    private final byte[] expected;
    private final Path file;

    private Token(String value, Path file) {
        this.expected = value.getBytes(StandardCharsets.UTF_8);
        this.file = file;
    }

    /** The token from {@code env} (PYRO_TOKEN's value, or null) or from/into {@code file}. */
    static Token load(String env, Path file) throws IOException {
        if (env != null && !env.isBlank()) {
            if (env.strip().length() < 16) {
                throw pyro.core.PyroException.invalid("PYRO_TOKEN is " + env.strip().length()
                        + " characters: use at least 16 (or leave it unset and pyro serve makes one).");
            }
            return new Token(env.strip(), null);
        }
        if (Files.isRegularFile(file)) {
            String v = Files.readString(file).strip();
            if (v.length() >= 16) {
                return new Token(v, file);
            }
        }
        Files.createDirectories(file.getParent());
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String v = "pyro_" + HexFormat.of().formatHex(raw);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, v + "\n", StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.setPosixFilePermissions(file, Set.copyOf(PosixFilePermissions.fromString("rw-------")));
        return new Token(v, file);
    }

    /** Where the token was read from or written to; null when it came from PYRO_TOKEN. */
    Path file() {
        return file;
    }

    /** Whether {@code given} is the token (constant time). */
    boolean matches(String given) {
        return given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A secret derived from the token for {@code label} (HMAC-SHA256, hex): it proves the token's holder
     * issued it, opens only what the label names, and is the same after a restart.
     */
    String derive(String label) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(expected, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(label.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    void check(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || h.isBlank()) {
            throw new Exchanges.Unauthorized("this request carries no token: send 'Authorization: Bearer TOKEN' "
                    + "(PYRO_TOKEN, or the token file pyro serve printed at start).");
        }
        String given = h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : "";
        if (!MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            throw new Exchanges.Unauthorized("the token is wrong: send 'Authorization: Bearer TOKEN' with the server's token.");
        }
    }
}
