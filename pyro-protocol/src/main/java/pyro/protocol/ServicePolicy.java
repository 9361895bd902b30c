package pyro.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A service's restart policy and start order: the names, defaults and backoff numbers, and the one check
 * of their shape, run by the host before it sends a service start and by the agent before it spawns
 * anything. Whether an {@code after} name exists and whether the order has a cycle is the agent's to
 * check (it knows the workspace's services).
 *
 * <p>Backoff: the first restart waits {@link #BACKOFF_START_MS}, each further one in a row
 * {@link #BACKOFF_FACTOR} times longer, at most {@link #BACKOFF_CAP_MS}; a run that stayed up (ready) for
 * {@link #RESET_AFTER_MS} resets the delay and the count of restarts in a row that
 * {@code max_restarts} limits.
 */
public final class ServicePolicy {
    // the wire names of Request.Restart, as constants (annotations take them)
    public static final String NO = "no";
    public static final String ON_FAILURE = "on-failure";
    public static final String ALWAYS = "always";
    public static final List<String> RESTARTS = List.of(NO, ON_FAILURE, ALWAYS);
    public static final String DEFAULT_RESTART = NO;
    public static final int DEFAULT_MAX_RESTARTS = 5;
    public static final int MAX_MAX_RESTARTS = 1000;
    public static final long BACKOFF_START_MS = 250;
    public static final long BACKOFF_FACTOR = 2;
    public static final long BACKOFF_CAP_MS = 30_000;
    public static final long RESET_AFTER_MS = 10_000;

    public static final String STARTED = "started";
    public static final String READY = "ready";
    public static final String EXITED_OK = "exited-ok";
    public static final List<String> CONDITIONS = List.of(STARTED, READY, EXITED_OK);
    public static final String DEFAULT_CONDITION = READY;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ServicePolicy() {}

    /** One {@code after} entry: start once service {@code name} is in {@code condition}. */
    public record Dependency(String name, String condition) {
        /** The canonical {@code NAME:CONDITION} form records show. */
        public String wire() {
            return name + ":" + condition;
        }
    }

    /** Null when {@code policy} is a known restart policy (or null: the default); else one sentence. */
    public static String restartProblem(String policy) {
        if (policy == null || Wire.find(Request.Restart.class, policy) != null) {
            return null;
        }
        return "restart policy '" + policy + "' is unknown: use no, on-failure or always.";
    }

    /** The restart policy named {@code policy} (null: the default); check it with {@link #restartProblem} first. */
    public static Request.Restart restart(String policy) {
        return policy == null ? Request.Restart.NO : Wire.find(Request.Restart.class, policy);
    }

    /** Null when {@code n} is a valid maximum number of restarts (or null: the default). */
    public static String maxRestartsProblem(Integer n) {
        if (n == null || n >= 0 && n <= MAX_MAX_RESTARTS) {
            return null;
        }
        return "max restarts " + n + " is out of range: use 0 to " + MAX_MAX_RESTARTS + ".";
    }

    /**
     * Parses {@code NAME[:started|ready|exited-ok]} (the condition defaults to ready); throws
     * IllegalArgumentException with one sentence naming the bad value.
     */
    public static Dependency parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("after entry '" + spec + "' is empty: use NAME[:started|ready|exited-ok].");
        }
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        String condition = colon < 0 ? DEFAULT_CONDITION : spec.substring(colon + 1);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("after entry '" + spec + "' does not name a service: use"
                    + " NAME[:started|ready|exited-ok] with a service name of 1-64 letters, digits, '.', '_' or '-'.");
        }
        if (!CONDITIONS.contains(condition)) {
            throw new IllegalArgumentException("after condition '" + condition + "' in '" + spec
                    + "' is unknown: use started, ready or exited-ok.");
        }
        return new Dependency(name, condition);
    }

    /**
     * Every entry of {@code after} parsed, for service {@code self}: a dependency on itself or the same
     * name twice is refused. Throws IllegalArgumentException with one sentence.
     */
    public static List<Dependency> parseAll(String self, List<String> after) {
        List<Dependency> out = new ArrayList<>();
        if (after == null) {
            return out;
        }
        for (String a : after) {
            Dependency d = parse(a);
            if (d.name().equals(self)) {
                throw new IllegalArgumentException("service '" + self + "' cannot start after itself (after '" + a
                        + "' is a cycle).");
            }
            for (Dependency e : out) {
                if (e.name().equals(d.name())) {
                    throw new IllegalArgumentException("after names service '" + d.name() + "' twice.");
                }
            }
            out.add(d);
        }
        return out;
    }

    /** The delay before restart number {@code inARow} (0 for the first after a reset) of a row. */
    public static long backoffMs(int inARow) {
        long d = BACKOFF_START_MS;
        for (int i = 0; i < inARow && d < BACKOFF_CAP_MS; i++) {
            d *= BACKOFF_FACTOR;
        }
        return Math.min(d, BACKOFF_CAP_MS);
    }
}
