package pyro.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options of {@code pyro mcp serve} beyond its profile: a task-shaped mode instead of a profile,
 * and the size of tool results for hosts that take more than the default. The MCP module checks the
 * values (a bad one is invalid input, exit 2).
 */
final class McpServeOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--mode", paramLabel = "NAME",
            description = "A task-shaped tool set instead of a profile: repro-fix, inspect, cold-start or review-eval.")
    String mode;

    @Option(names = "--max-result-chars", paramLabel = "N",
            description = "Tool results up to N characters (2000 to 100000) for hosts that take more; default: "
                    + "10,240 bytes and 256 lines, which every host keeps whole.")
    long maxResultChars;

    /** Starts the server loaded from the MCP module, with {@code profile} unless a mode was given instead. */
    void serve(Class<?> main, String profile) throws Exception {
        boolean profileGiven = mixee.commandLine().getParseResult().hasMatchedOption("--profile");
        Faces.invoke(main, "serve", new Class<?>[] {String.class, String.class, long.class},
                mode != null && !profileGiven ? null : profile, mode, maxResultChars);
    }
}
