package pyro.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The output budget of an MCP tool result: the compact JSON text of a result is kept to at most
 * the call's {@code output_budget_chars} characters, else the server's {@link ResultLimit} (by default
 * 10,240 bytes and 256 lines), never more than {@link #MAX_CHARS} characters. When a result is larger, each of the tool's growable fields
 * ({@link Cut}) gives up a share: a text field keeps its head and its tail around one marker line that
 * says how many characters were cut and how to get them; a list keeps its first and last items. The
 * record then carries {@code <field>_truncated: true} and {@code <field>_dropped_chars} (text) or
 * {@code <field>_dropped_items} (list). Only the MCP face is budgeted: the CLI and the SDK return
 * everything.
 */
public final class Budget {
    /** The least a call may ask for: below this a record's own fields would not fit. */
    public static final int MIN_CHARS = ResultLimit.MIN_CHARS;
    /** The most a call may ask for with output_budget_chars. */
    public static final int MAX_CHARS = ResultLimit.MAX_CHARS;

    /** What a face without a result limit (the HTTP API) takes as a budget where one steers a read (shell_read). */
    static final int UNLIMITED_FACE_CHARS = 20_000;

    private Budget() {}

    /** A growable field of a tool's record: a text field with the hint its marker gives, or a list. */
    public record Cut(String field, boolean list, String hint) {
        public static Cut text(String field, String hint) {
            return new Cut(field, false, hint);
        }

        public static Cut list(String field) {
            return new Cut(field, true, null);
        }
    }

    /** The output_budget_chars argument every tool with growable fields takes. */
    static final Param PARAM = Param.integer("output_budget_chars",
            "Most characters of JSON this result may take; bigger text fields keep their head and tail "
                    + "around a marker saying what was cut (" + fmt(MIN_CHARS) + " to " + fmt(MAX_CHARS) + "). "
                    + "Default: the server's limit (" + ResultLimit.DEFAULT.describe() + " unless it was started with "
                    + "--max-result-chars).");

    /** The limit of one call: its output_budget_chars (checked against the hard cap), else the server's. */
    static ResultLimit of(String tool, Args args) {
        if (!args.has(PARAM.name())) {
            return args.limit() != null ? args.limit() : ResultLimit.chars(UNLIMITED_FACE_CHARS);
        }
        long v = args.longValue(PARAM.name());
        if (v < MIN_CHARS || v > MAX_CHARS) {
            throw pyro.core.PyroException.invalid("argument 'output_budget_chars' for " + tool + " must be between "
                    + MIN_CHARS + " and " + MAX_CHARS + ", got " + v + ".");
        }
        return ResultLimit.chars((int) v);
    }

    /**
     * {@code record} fitted to {@code limit}: cut to its characters; when its UTF-8 bytes or its lines
     * are still over, cut to the most characters that keep both within (a binary search: text keeps its
     * head and tail, so fewer characters are never more lines or bytes).
     */
    static Map<String, Object> fit(McpJsonMapper mapper, Map<String, Object> record, List<Cut> cuts, ResultLimit limit) {
        Map<String, Object> shaped = shape(mapper, record, cuts, limit.chars());
        if (fits(mapper, shaped, limit)) {
            return shaped;
        }
        int lo = 0;
        int hi = limit.chars();
        Map<String, Object> best = shape(mapper, record, cuts, 0);
        while (hi - lo > 16) {
            int mid = (lo + hi) >>> 1;
            Map<String, Object> s = shape(mapper, record, cuts, mid);
            if (fits(mapper, s, limit)) {
                lo = mid;
                best = s;
            } else {
                hi = mid;
            }
        }
        return best;
    }

    private static boolean fits(McpJsonMapper mapper, Map<String, Object> shaped, ResultLimit limit) {
        return lines(shaped) <= limit.lines()
                && compact(mapper, shaped).getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= limit.bytes();
    }

    /** One plus the line breaks in the string values of {@code value}, however deep. */
    static long lines(Object value) {
        return 1 + breaks(value);
    }

    private static long breaks(Object value) {
        return switch (value) {
            case String s -> s.chars().filter(c -> c == '\n').count();
            case Map<?, ?> m -> m.values().stream().mapToLong(Budget::breaks).sum();
            case List<?> l -> l.stream().mapToLong(Budget::breaks).sum();
            case null, default -> 0;
        };
    }

    static String fmt(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String compact(McpJsonMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code record} fitted to {@code budget} characters of compact JSON, cutting only the {@code cuts}
     * fields; the record itself when it fits already (or has nothing that can be cut).
     */
    static Map<String, Object> shape(McpJsonMapper mapper, Map<String, Object> record, List<Cut> cuts, int budget) {
        int whole = compact(mapper, record).length();
        List<Cut> present = cuts.stream().filter(c -> c.list()
                ? record.get(c.field()) instanceof List<?> l && !l.isEmpty()
                : record.get(c.field()) instanceof String s && !s.isEmpty()).toList();
        if (whole <= budget || present.isEmpty()) {
            return record;
        }
        // What the record takes with every growable field cut to nothing (its marker and flags only):
        // the rest of the budget is shared out.
        Map<String, Object> bare = new LinkedHashMap<>(record);
        for (Cut c : present) {
            if (c.list()) {
                int n = ((List<?>) record.get(c.field())).size();
                bare.put(c.field(), List.of());
                flag(bare, c, n);
            } else {
                int n = ((String) record.get(c.field())).length();
                bare.put(c.field(), marker(c, n, 0, 0, n));
                flag(bare, c, n);
            }
        }
        int fixed = compact(mapper, bare).length();
        long[] sizes = new long[present.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = compact(mapper, record.get(present.get(i).field())).length();
        }
        long available = Math.max(0, budget - fixed);
        Map<String, Object> shaped = record;
        for (int attempt = 0; attempt < 8; attempt++) {
            long[] shares = share(sizes, available);
            shaped = new LinkedHashMap<>(record);
            for (int i = 0; i < sizes.length; i++) {
                Cut c = present.get(i);
                if (shares[i] >= sizes[i]) {
                    continue;
                }
                if (c.list()) {
                    cutList(mapper, shaped, c, shares[i]);
                } else {
                    String s = (String) record.get(c.field());
                    // serialized characters per raw character (escapes such as \n or \u001b take more)
                    double ratio = (double) sizes[i] / s.length();
                    cutText(shaped, c, (int) Math.max(0, Math.floor(shares[i] / ratio)));
                }
            }
            int length = compact(mapper, shaped).length();
            if (length <= budget || available == 0) {
                return shaped;
            }
            available = Math.max(0, available - (length - budget) - 64);
        }
        return shaped;
    }

    /** Water-filling: small fields keep all they have; the others split what is left evenly. */
    static long[] share(long[] sizes, long available) {
        long[] out = new long[sizes.length];
        boolean[] done = new boolean[sizes.length];
        long left = available;
        int open = sizes.length;
        boolean changed = true;
        while (open > 0 && changed) {
            changed = false;
            long each = left / open;
            for (int i = 0; i < sizes.length; i++) {
                if (!done[i] && sizes[i] <= each) {
                    out[i] = sizes[i];
                    left -= sizes[i];
                    done[i] = true;
                    open--;
                    changed = true;
                }
            }
        }
        for (int i = 0; i < sizes.length; i++) {
            if (!done[i]) {
                out[i] = left / Math.max(1, open);
            }
        }
        return out;
    }

    /** Keeps the head and tail of a text field ({@code keep} characters in all) around the marker. */
    static void cutText(Map<String, Object> record, Cut c, int keep) {
        String s = (String) record.get(c.field());
        if (keep >= s.length()) {
            return;
        }
        int head = safeEnd(s, keep / 2);
        int tail = safeStart(s, s.length() - (keep - head));
        if (tail < head) {
            tail = head;
        }
        int dropped = tail - head;
        record.put(c.field(), s.substring(0, head) + marker(c, dropped, head, s.length() - tail, s.length())
                + s.substring(tail));
        flag(record, c, dropped);
    }

    /** The line that stands where a text field's middle was cut. */
    static String marker(Cut c, int dropped, int head, int tail, int length) {
        return "\n[... " + fmt(dropped) + " characters cut (" + fmt(head) + " kept from the start, " + fmt(tail)
                + " from the end, of " + fmt(length) + "): " + c.hint() + " ...]\n";
    }

    /** {@code <field>_truncated: true} and how much was dropped. */
    static void flag(Map<String, Object> record, Cut c, int dropped) {
        record.put(c.field() + "_truncated", true);
        record.put(c.field() + (c.list() ? "_dropped_items" : "_dropped_chars"), dropped);
    }

    /** Keeps the first and last items of a list field that fit into {@code keep} characters. */
    static void cutList(McpJsonMapper mapper, Map<String, Object> record, Cut c, long keep) {
        List<?> items = (List<?>) record.get(c.field());
        List<Object> head = new ArrayList<>();
        List<Object> tail = new ArrayList<>();
        long used = 2;
        int from = 0;
        int to = items.size() - 1;
        boolean front = true;
        while (from <= to) {
            Object item = front ? items.get(from) : items.get(to);
            long size = compact(mapper, item).length() + 1;
            if (used + size > keep) {
                break;
            }
            used += size;
            if (front) {
                head.add(item);
                from++;
            } else {
                tail.addFirst(item);
                to--;
            }
            front = !front;
        }
        head.addAll(tail);
        record.put(c.field(), head);
        flag(record, c, items.size() - head.size());
    }

    private static int safeEnd(String s, int i) {
        i = Math.max(0, Math.min(i, s.length()));
        return i > 0 && i < s.length() && Character.isHighSurrogate(s.charAt(i - 1)) ? i - 1 : i;
    }

    private static int safeStart(String s, int i) {
        i = Math.max(0, Math.min(i, s.length()));
        return i > 0 && i < s.length() && Character.isLowSurrogate(s.charAt(i)) ? i + 1 : i;
    }
}
