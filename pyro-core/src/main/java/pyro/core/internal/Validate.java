package pyro.core.internal;

import java.util.List;
import java.util.regex.Pattern;
import pyro.core.PyroException;

/** Input checks shared by every face. Each failure is one sentence naming the bad value. */
public final class Validate {
    public static final int MAX_VCPUS = 16;
    public static final int MIN_MEM_MIB = 256;
    public static final int MAX_MEM_MIB = 32768;
    public static final long MAX_TIMEOUT_SECONDS = 24 * 3600;
    public static final long MIN_TTL_SECONDS = 30;
    public static final long MAX_TTL_SECONDS = 7 * 24 * 3600;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ID = Pattern.compile("(vm|ws)-[0-9a-f]{12}");

    private Validate() {}

    public static int vcpus(int n) {
        if (n < 1 || n > MAX_VCPUS) {
            throw PyroException.invalid("vcpu count " + n + " is out of range: use 1 to " + MAX_VCPUS + ".");
        }
        return n;
    }

    public static int memMib(int n) {
        if (n < MIN_MEM_MIB || n > MAX_MEM_MIB) {
            throw PyroException.invalid(
                    "memory " + n + " MiB is out of range: use " + MIN_MEM_MIB + " to " + MAX_MEM_MIB + " MiB.");
        }
        return n;
    }

    public static long timeoutSeconds(long n) {
        if (n < 1 || n > MAX_TIMEOUT_SECONDS) {
            throw PyroException.invalid(
                    "timeout " + n + " seconds is out of range: use 1 to " + MAX_TIMEOUT_SECONDS + " seconds.");
        }
        return n;
    }

    public static long ttlSeconds(long n) {
        if (n < MIN_TTL_SECONDS || n > MAX_TTL_SECONDS) {
            throw PyroException.invalid("ttl " + n + " seconds is out of range: use " + MIN_TTL_SECONDS + " to "
                    + MAX_TTL_SECONDS + " seconds.");
        }
        return n;
    }

    public static List<String> command(List<String> argv) {
        if (argv == null || argv.isEmpty() || argv.get(0).isBlank()) {
            throw PyroException.invalid("the command is empty: give the program to run after '--'.");
        }
        return List.copyOf(argv);
    }

    /** Workspace and service names: 1-64 chars, first [A-Za-z0-9], then [A-Za-z0-9._-]. */
    public static String name(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw PyroException.invalid(what + " name '" + name
                    + "' is invalid: use 1-64 characters, first a letter or digit, then letters, digits, '.', '_' or '-'.");
        }
        return name;
    }

    public static boolean looksLikeId(String s) {
        return s != null && ID.matcher(s).matches();
    }
}
