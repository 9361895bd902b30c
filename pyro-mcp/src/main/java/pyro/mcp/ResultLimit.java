package pyro.mcp;

import pyro.core.PyroException;

/**
 * How big a tool result may be: characters of its compact JSON text, UTF-8 bytes of that text, and
 * lines (one plus the line breaks inside its string values, i.e. the lines its output takes when a
 * host prints them). The default fits the smallest host: Codex keeps about 10 KiB or 256 lines of a
 * tool result and cuts the rest unseen; {@code pyro mcp serve --max-result-chars N} is for hosts that
 * take more (Claude Code takes about 25,000 tokens), and a call's {@code output_budget_chars} for one
 * result. Either is characters only, with no byte or line cap.
 */
public record ResultLimit(int chars, int bytes, int lines) {
    /** What a result of {@code pyro mcp serve} may take unless told otherwise. */
    public static final ResultLimit DEFAULT = new ResultLimit(10_240, 10_240, 256);
    /** The least a server or call may set: below this a record's own fields would not fit. */
    public static final int MIN_CHARS = 2_000;
    /** The most a server or call may set. */
    public static final int MAX_CHARS = 100_000;

    /** A limit of {@code n} characters and nothing else. */
    public static ResultLimit chars(int n) {
        return new ResultLimit(n, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** {@code --max-result-chars N}: checked against the range, or DEFAULT for 0 (not given). */
    public static ResultLimit serverOption(long n) {
        if (n == 0) {
            return DEFAULT;
        }
        if (n < MIN_CHARS || n > MAX_CHARS) {
            throw PyroException.invalid("--max-result-chars must be between " + MIN_CHARS + " and " + MAX_CHARS
                    + ", got " + n + ".");
        }
        return chars((int) n);
    }

    boolean capsLines() {
        return lines != Integer.MAX_VALUE;
    }

    /** The limit in words, for the server's instructions. */
    String describe() {
        return capsLines() ? Budget.fmt(bytes) + " bytes and " + lines + " lines" : Budget.fmt(chars) + " characters";
    }
}
