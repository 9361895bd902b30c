package pyro.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import pyro.core.PyroException;

/**
 * Workspace secrets on the host side: the rules for names and values, the names-and-digests the
 * record keeps (never a value), and the {@code --secret-env NAME[=ENV_VAR]} mappings of exec, shell
 * open and service start, checked against the names the workspace has.
 */
public final class WorkspaceSecrets {
    /** 1-64 characters, a letter or underscore first, then letters, digits or underscores. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    public static final String RULE = "1-64 letters, digits or underscores, a letter or underscore first";
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    /**
     * The shortest value: every occurrence of a value is replaced in all the agent returns, so a value
     * of a few characters would rewrite ids, states, paths and ordinary words; eight characters is as
     * short as a real token or password gets and longer than pyro's own short words.
     */
    public static final int MIN_VALUE_CHARS = 8;
    public static final int MAX_SECRETS = 64;
    static final String FIELD = "secrets";

    private WorkspaceSecrets() {}

    /** Refuses a bad name or value, by name (never echoing the value). */
    public static void check(Map<String, String> secrets) {
        if (secrets == null) {
            return;
        }
        if (secrets.size() > MAX_SECRETS) {
            throw PyroException.invalid(secrets.size() + " secrets are too many: at most " + MAX_SECRETS + ".");
        }
        for (var e : secrets.entrySet()) {
            checkName(e.getKey());
            String v = e.getValue();
            if (v == null || v.isEmpty()) {
                throw PyroException.invalid("secret '" + e.getKey() + "' has an empty value.");
            }
            if (v.codePointCount(0, v.length()) < MIN_VALUE_CHARS) {
                throw PyroException.invalid("secret '" + e.getKey() + "' is shorter than " + MIN_VALUE_CHARS
                        + " characters, too short to redact from output without rewriting unrelated text.");
            }
            if (v.indexOf('\0') >= 0) {
                throw PyroException.invalid("secret '" + e.getKey() + "' contains a NUL byte, which no environment"
                        + " variable can hold.");
            }
            if (v.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
                throw PyroException.invalid("secret '" + e.getKey() + "' is over " + MAX_VALUE_BYTES / 1024 + " KiB.");
            }
        }
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw PyroException.invalid("secret name '" + name + "' is invalid: use " + RULE + ".");
        }
    }

    /** What the host keeps: {@code {name, sha256}} per secret. */
    static List<Map<String, Object>> digests(Map<String, String> secrets) {
        List<Map<String, Object>> out = new ArrayList<>();
        secrets.keySet().stream().sorted().forEach(name -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("sha256", sha256(secrets.get(name)));
            out.add(m);
        });
        return out;
    }

    /**
     * The values, from the guest, of a workspace that has secrets (none otherwise): held in memory
     * only, for a reset that carries them into a fresh guest and to redact what the host itself
     * computes from guest files (a diff), which the agent's redaction never sees.
     */
    static Map<String, String> values(VmManager vms, Instance inst) {
        Map<String, String> out = new LinkedHashMap<>();
        if (names(inst).isEmpty()) {
            return out;
        }
        vms.call(inst, new pyro.protocol.Request.SecretsGet()).values()
                .forEach((k, v) -> out.put(k, new String(java.util.Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        return out;
    }

    /** The text with every value replaced by {@code [redacted:NAME]}, the longest first, as the agent does. */
    static String redact(String text, Map<String, String> values) {
        if (text == null || values.isEmpty()) {
            return text;
        }
        String out = text;
        List<Map.Entry<String, String>> longestFirst = new ArrayList<>(values.entrySet());
        longestFirst.sort((a, b) -> Integer.compare(b.getValue().length(), a.getValue().length()));
        for (var e : longestFirst) {
            out = out.replace(e.getValue(), "[redacted:" + e.getKey() + "]");
        }
        return out;
    }

    /** The secret names a record has. */
    public static List<String> names(Instance inst) {
        List<String> names = new ArrayList<>();
        if (inst.map().get(FIELD) instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && m.get("name") instanceof String n) {
                    names.add(n);
                }
            }
        }
        return names;
    }

    /**
     * {@code NAME[=ENV_VAR]} entries as {@code ENV_VAR -> NAME}; each name must be one of the
     * workspace's secrets, each variable a valid name, and no variable twice.
     */
    static Map<String, String> environment(Instance inst, List<String> specs) {
        Map<String, String> env = new LinkedHashMap<>();
        if (specs == null || specs.isEmpty()) {
            return env;
        }
        List<String> have = names(inst);
        for (String spec : specs) {
            String s = spec == null ? "" : spec.strip();
            int eq = s.indexOf('=');
            String name = eq < 0 ? s : s.substring(0, eq);
            String var = eq < 0 ? s : s.substring(eq + 1);
            if (!NAME.matcher(name).matches()) {
                throw PyroException.invalid("secret-env '" + spec + "' is invalid: the secret name must be " + RULE + ".");
            }
            if (!var.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw PyroException.invalid("secret-env '" + spec + "' is invalid: '" + var
                        + "' is not an environment variable name.");
            }
            if (!have.contains(name)) {
                throw PyroException.notFound("secret '" + name + "' is not set in workspace " + inst.id()
                        + (have.isEmpty() ? " (it has none: give them to workspace create with --secret)"
                                : " (it has " + String.join(", ", have) + ")") + ".");
            }
            if (env.put(var, name) != null) {
                throw PyroException.invalid("secret-env sets variable " + var + " twice.");
            }
        }
        return env;
    }

    private static String sha256(String v) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(v.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
