package pyro.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pyro mcp serve}. The MCP server and its libraries are loaded only here, in a module layer
 * made on demand, so every other command starts without them.
 */
@Command(name = "mcp", description = "Model Context Protocol server.", subcommands = McpCommand.Serve.class,
        footer = {"%nExample:", "  pyro mcp serve --profile workspace-core"})
final class McpCommand {
    static final String MODULE = "pyro.mcp";
    static final String MAIN = "pyro.mcp.McpServer";

    @Command(name = "serve", description = "Serve pyro's tools over MCP on stdin/stdout.",
        footer = {"%nExamples:", "  pyro mcp serve", "  pyro mcp serve --profile workspace-full"})
    static final class Serve implements Callable<Integer> {
        @Option(names = "--profile", paramLabel = "NAME", defaultValue = "workspace-core",
                description = "Which tools to offer: vm-run (vm_run alone), workspace-core (the edit/test loop, "
                        + "15 tools) or workspace-full (every tool, shells and the raw VM lifecycle "
                        + "included).")
        String profile;

        @picocli.CommandLine.Mixin
        McpServeOptions more = new McpServeOptions();

        @Override
        public Integer call() throws Exception {
            // the MCP module checks the names and numbers (a bad one is invalid input, exit 2)
            more.serve(load(), profile);
            return 0;
        }
    }

    static Class<?> load() throws ClassNotFoundException {
        return Faces.load(MODULE, MAIN, "the MCP server");
    }
}
