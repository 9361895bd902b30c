package pyro.cli;

import java.io.PrintStream;
import picocli.CommandLine;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;
import pyro.core.model.JsonRecord;

/** How every command prints records and errors; one place so all commands agree. */
final class Output {
    private Output() {}

    /** A byte count for people: B, KiB, MiB or GiB with one decimal. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static void json(JsonRecord record) {
        System.out.println(record.toJson());
    }

    static void error(boolean json, PyroException e) {
        PrintStream err = System.err;
        if (json) {
            err.println(e.toJson());
        } else {
            err.println("pyro: " + e.getMessage());
        }
    }

    static int handleException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        boolean json = parsed != null && hasJson(parsed);
        PyroException pe = switch (ex) {
            case PyroException p -> p;
            case java.io.UncheckedIOException u -> new PyroException(ErrorCode.HOST_UNSUPPORTED,
                    "an I/O error stopped the command: " + u.getCause().getMessage() + ".");
            default -> new PyroException(ErrorCode.GUEST_FAILURE, "unexpected failure: " + ex + ".");
        };
        error(json, pe);
        if (!(ex instanceof PyroException) && System.getenv("PYRO_DEBUG") != null) {
            ex.printStackTrace();
        }
        return pe.code().exitStatus();
    }

    private static boolean hasJson(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult p = parsed;
        while (p != null) {
            if (p.hasMatchedOption("--json")) {
                return true;
            }
            p = p.subcommand();
        }
        return false;
    }

    static int handleUsageError(CommandLine.ParameterException ex, String[] args) {
        boolean json = java.util.Arrays.asList(args).contains("--json");
        error(json, PyroException.invalid(UsageErrors.sentence(ex)));
        return ErrorCode.INVALID_INPUT.exitStatus();
    }

    /** Progress lines for long work go to stderr, prefixed, so stdout stays clean for --json. */
    static void progress(String line) {
        System.err.println("[pyro] " + line);
    }
}
