package pyro.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A usage error in one sentence a person can act on, never the parser's words ("Unmatched argument
 * at index 0"): an unknown command with the nearest ones and the list, an unknown option with the
 * nearest, a value of the wrong type with the option and the value, what is missing; each ending
 * with where the command's help is.
 */
final class UsageErrors {
    private UsageErrors() {}

    static String sentence(CommandLine.ParameterException ex) {
        CommandSpec spec = ex.getCommandLine().getCommandSpec();
        String cmd = spec.qualifiedName();
        String see = " (see '" + cmd + " --help').";
        var unknownTopic = java.util.regex.Pattern.compile("Unknown subcommand '(.*)'\\.").matcher(String.valueOf(ex.getMessage()));
        if (unknownTopic.matches()) { // pyro help wrkspace
            CommandSpec parent = spec.subcommands().isEmpty() && spec.parent() != null ? spec.parent() : spec;
            return unknownCommand(unknownTopic.group(1), parent) + " (see '" + parent.qualifiedName() + " --help').";
        }
        return switch (ex) {
            case CommandLine.UnmatchedArgumentException u -> unmatched(u, spec) + see;
            case CommandLine.MissingParameterException m -> "missing " + missing(m) + " for '" + cmd + "'" + see;
            default -> {
                String typed = wrongType(ex);
                yield (typed != null ? typed : ex.getMessage().replaceAll("\\s+", " ").strip().replaceFirst("^Error: ", ""))
                        + see;
            }
        };
    }

    private static String unmatched(CommandLine.UnmatchedArgumentException u, CommandSpec spec) {
        List<String> args = u.getUnmatched();
        String first = args.isEmpty() ? "" : args.getFirst();
        String cmd = spec.qualifiedName();
        if (first.startsWith("-") && first.length() > 1) {
            String option = first.replaceFirst("=.*", "");
            List<String> names = spec.options().stream().flatMap(o -> java.util.Arrays.stream(o.names())).toList();
            return "unknown option '" + option + "' for '" + cmd + "'" + nearest(option, names);
        }
        if (!spec.subcommands().isEmpty()) {
            return unknownCommand(first, spec);
        }
        String takes = spec.positionalParameters().stream().filter(p -> !p.hidden()).map(ArgSpec::paramLabel)
                .collect(Collectors.joining(" "));
        return "unexpected argument '" + first + "' for '" + cmd + "', which takes " + (takes.isEmpty() ? "no arguments" : takes);
    }

    private static String unknownCommand(String typed, CommandSpec spec) {
        List<String> names = spec.subcommands().entrySet().stream()
                .filter(e -> e.getKey().equals(e.getValue().getCommandName())).map(e -> e.getKey()).toList();
        return "unknown command '" + typed + "'" + nearest(typed, names) + "; '" + spec.qualifiedName() + "' has "
                + String.join(", ", names.subList(0, names.size() - 1)) + (names.size() > 1 ? " and " : "") + names.getLast();
    }

    /** " (did you mean 'workspace'?)" for the names within a typo or two of {@code typed}, or "". */
    static String nearest(String typed, List<String> names) {
        int best = Integer.MAX_VALUE;
        List<String> near = new java.util.ArrayList<>();
        for (String n : names) {
            int d = distance(typed.toLowerCase(java.util.Locale.ROOT), n.toLowerCase(java.util.Locale.ROOT));
            boolean close = d <= Math.max(1, Math.min(3, n.length() / 3)) || (typed.length() >= 3 && n.startsWith(typed));
            if (!close) {
                continue;
            }
            if (d < best) {
                best = d;
                near.clear();
            }
            if (d == best && !near.contains(n)) {
                near.add(n);
            }
        }
        return near.isEmpty() ? "" : " (did you mean " + near.stream().limit(3).map(s -> "'" + s + "'")
                .collect(Collectors.joining(" or ")) + "?)";
    }

    /** Edit distance (insert, delete, replace, swap of neighbours). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** What is missing, from the names picocli's message quotes ('WS', 'SOURCE', '--output=HOST_PATH'). */
    private static String missing(CommandLine.MissingParameterException m) {
        List<String> names = java.util.regex.Pattern.compile("'([^']+)'").matcher(String.valueOf(m.getMessage())).results()
                .map(r -> r.group(1).replaceFirst("^(--[^=]+)=", "$1 ")).toList();
        if (names.size() <= 1) {
            return names.isEmpty() ? "an argument" : names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
    }

    /** "option --mem-mib needs a whole number, not '1G'", or null when the error is not about a value's type. */
    private static String wrongType(CommandLine.ParameterException ex) {
        ArgSpec a = ex.getArgSpec();
        String value = ex.getValue();
        if (a == null || value == null || !String.valueOf(ex.getMessage()).startsWith("Invalid value for ")) {
            return null;
        }
        Class<?> t = a.type();
        String kind = t == int.class || t == long.class || t == Integer.class || t == Long.class ? "a whole number"
                : t == Path.class ? "a path" : null;
        if (kind == null) {
            return null;
        }
        String what = a instanceof OptionSpec o ? "option " + o.longestName() : a.paramLabel();
        return what + " needs " + kind + ", not '" + value + "'";
    }
}
