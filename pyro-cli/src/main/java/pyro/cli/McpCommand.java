package pyro.cli;

import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.lang.reflect.InvocationTargetException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import pyro.core.PyroException;

/**
 * {@code pyro mcp serve}. The MCP server and its libraries are loaded only here, in a module layer
 * made on demand, so every other command starts without them.
 */
@Command(name = "mcp", description = "Model Context Protocol server.", subcommands = McpCommand.Serve.class)
final class McpCommand {
    static final String MODULE = "pyro.mcp";
    static final String MAIN = "pyro.mcp.McpServer";

    @Command(name = "serve", description = "Serve pyro's tools over MCP on stdin/stdout.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--profile", paramLabel = "NAME", defaultValue = "workspace-core",
                description = "Which tools to offer: vm-run (vm_run alone), workspace-core (the edit/test loop, "
                        + "15 tools; the default) or workspace-full (every tool, shells and the raw VM lifecycle "
                        + "included).")
        String profile;

        @Override
        public Integer call() throws Exception {
            Class<?> main = load();
            try {
                // the MCP module checks the name (an unknown one is invalid input, exit 2)
                main.getMethod("serve", String.class).invoke(null, profile);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
            return 0;
        }
    }

    static Class<?> load() throws ClassNotFoundException {
        if (!McpCommand.class.getModule().isNamed()) {
            return Class.forName(MAIN);
        }
        var existing = ModuleLayer.boot().findModule(MODULE);
        if (existing.isPresent()) {
            return Class.forName(existing.get(), MAIN);
        }
        String mp = System.getProperty("jdk.module.path", "");
        List<Path> paths = Arrays.stream(mp.split(java.io.File.pathSeparator)).filter(s -> !s.isBlank())
                .map(Path::of).toList();
        ModuleFinder finder = ModuleFinder.of(paths.toArray(Path[]::new));
        if (finder.find(MODULE).isEmpty()) {
            throw PyroException.host("the MCP server module pyro.mcp is not installed beside the CLI.");
        }
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolve(ModuleFinder.of(), finder, Set.of(MODULE)); // boot-layer modules win over copies in the folder
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
        return Class.forName(layer.findModule(MODULE).orElseThrow(), MAIN);
    }
}
