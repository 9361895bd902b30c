package pyro.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/** Words for people: relative times and commands quoted the way a shell would read them back. */
final class Human {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Human() {}

    /** "just now", "42 s ago", "3 min ago", "2 h ago", "5 days ago"; for a future time "in 7 min". Null: "-". */
    static String ago(Object iso, Instant now) {
        if (iso == null) {
            return "-";
        }
        Instant t;
        try {
            t = Instant.parse(iso.toString());
        } catch (DateTimeParseException e) {
            return iso.toString();
        }
        Duration d = Duration.between(t, now);
        boolean future = d.isNegative();
        long s = Math.abs(d.toSeconds());
        if (s < 2) {
            return future ? "now" : "just now";
        }
        String span = s < 60 ? s + " s" : s < 3600 ? s / 60 + " min" : s < 172_800 ? s / 3600 + " h" : s / 86_400 + " days";
        return future ? "in " + span : span + " ago";
    }

    static String ago(Object iso) {
        return ago(iso, Instant.now());
    }

    /** A command (an argv list) as shell words: {@code sh -c 'sleep 1; touch ready'}; anything else as is. */
    static String words(Object command) {
        if (!(command instanceof List<?> argv)) {
            return command == null ? "-" : command.toString();
        }
        StringBuilder sb = new StringBuilder();
        for (Object o : argv) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(quote(String.valueOf(o)));
        }
        return sb.toString();
    }

    /** One word, single-quoted unless it needs no quotes ({@code it's} becomes {@code 'it'\''s'}). */
    static String quote(String word) {
        if (!word.isEmpty() && PLAIN.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
