package pyro.core.internal;

/**
 * A terminal's output as a person would see it, for models: ANSI escape sequences (colours, cursor
 * moves, titles) removed, CR LF as a newline, a lone CR going back to the start of the line (so a
 * progress bar leaves only its last state), backspace stepping back, other control characters
 * dropped. Cursor movement other than CR and backspace is not emulated.
 */
public final class TerminalText {
    private TerminalText() {}

    public static String plain(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        StringBuilder line = new StringBuilder();
        int col = 0;
        int n = raw.length();
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == 0x1b) {
                i = skipEscape(raw, i);
                continue;
            }
            if (c == 0x9b) { // an 8-bit CSI
                i = skipCsi(raw, i + 1);
                continue;
            }
            switch (c) {
                case '\n' -> {
                    out.append(line).append('\n');
                    line.setLength(0);
                    col = 0;
                }
                case '\r' -> {
                    if (i + 1 < n && raw.charAt(i + 1) == '\n') {
                        continue; // CR LF: the LF ends the line
                    }
                    col = 0;
                }
                case '\b' -> col = Math.max(0, col - 1);
                case '\t' -> {
                    col = put(line, col, '\t');
                }
                default -> {
                    if (c >= 0x20 && c != 0x7f) {
                        col = put(line, col, c);
                    }
                }
            }
        }
        return out.append(line).toString();
    }

    private static int put(StringBuilder line, int col, char c) {
        if (col < line.length()) {
            line.setCharAt(col, c);
        } else {
            line.append(c);
        }
        return col + 1;
    }

    /** The index of the last character of the escape sequence starting at {@code i} (an ESC). */
    private static int skipEscape(String s, int i) {
        if (i + 1 >= s.length()) {
            return i;
        }
        char k = s.charAt(i + 1);
        if (k == '[') {
            return skipCsi(s, i + 2);
        }
        if (k == ']' || k == 'P' || k == '_' || k == '^') { // OSC, DCS, APC, PM: up to BEL or ESC \
            for (int j = i + 2; j < s.length(); j++) {
                if (s.charAt(j) == 0x07) {
                    return j;
                }
                if (s.charAt(j) == 0x1b && j + 1 < s.length() && s.charAt(j + 1) == '\\') {
                    return j + 1;
                }
            }
            return s.length() - 1;
        }
        if ((k == '(' || k == ')' || k == '*' || k == '+' || k == '#') && i + 2 < s.length()) {
            return i + 2; // character set selection: ESC ( B
        }
        return i + 1; // a two-character sequence: ESC =, ESC >, ESC 7 ...
    }

    /** Skips a CSI's parameters and intermediates to its final byte (0x40-0x7e). */
    private static int skipCsi(String s, int j) {
        for (; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c >= 0x40 && c <= 0x7e) {
                return j;
            }
        }
        return s.length() - 1;
    }
}
