package pyro.cli.host;

import java.util.ArrayList;
import java.util.List;

/**
 * How a host starts pyro's MCP server: the launcher's absolute path and its arguments
 * ({@code mcp serve [--profile NAME] [--mode NAME]}).
 */
record ServerCommand(String command, List<String> args) {
    ServerCommand {
        args = List.copyOf(args);
    }

    static ServerCommand of(String launcher, String profile, String mode) {
        List<String> args = new ArrayList<>(List.of("mcp", "serve"));
        if (profile != null) {
            args.addAll(List.of("--profile", profile));
        }
        if (mode != null) {
            args.addAll(List.of("--mode", mode));
        }
        return new ServerCommand(launcher, args);
    }

    /** Whether the arguments start pyro's MCP server at all. */
    boolean servesMcp() {
        return args.size() >= 2 && args.get(0).equals("mcp") && args.get(1).equals("serve");
    }

    /** The value of {@code --name VALUE} (or {@code --name=VALUE}) in the arguments, or null. */
    String option(String name) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(name) && i + 1 < args.size()) {
                return args.get(i + 1);
            }
            if (args.get(i).startsWith(name + "=")) {
                return args.get(i).substring(name.length() + 1);
            }
        }
        return null;
    }

    /** The command line as a person would type it. */
    String display() {
        StringBuilder b = new StringBuilder(quote(command));
        args.forEach(a -> b.append(' ').append(quote(a)));
        return b.toString();
    }

    private static String quote(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || "/._-=:+@".indexOf(c) >= 0) ? s
                : "'" + s.replace("'", "'\\''") + "'";
    }
}
