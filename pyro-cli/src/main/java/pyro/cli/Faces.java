package pyro.cli;

import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import pyro.core.PyroException;

/**
 * Loads a long-running face (the MCP server, the HTTP server) in a module layer made on demand, so
 * every other command starts without its classes and libraries.
 */
final class Faces {
    private Faces() {}

    static Class<?> load(String module, String mainClass, String what) throws ClassNotFoundException {
        if (!Faces.class.getModule().isNamed()) {
            return Class.forName(mainClass);
        }
        var existing = ModuleLayer.boot().findModule(module);
        if (existing.isPresent()) {
            return Class.forName(existing.get(), mainClass);
        }
        String mp = System.getProperty("jdk.module.path", "");
        List<Path> paths = Arrays.stream(mp.split(java.io.File.pathSeparator)).filter(s -> !s.isBlank())
                .map(Path::of).toList();
        ModuleFinder finder = ModuleFinder.of(paths.toArray(Path[]::new));
        if (finder.find(module).isEmpty()) {
            throw PyroException.host(what + " module " + module + " is not installed beside the CLI.");
        }
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolve(ModuleFinder.of(), finder, Set.of(module)); // boot-layer modules win over copies in the folder
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
        return Class.forName(layer.findModule(module).orElseThrow(), mainClass);
    }

    /** Calls a static entry point, rethrowing what it threw as itself. */
    static void invoke(Class<?> main, String method, Class<?>[] types, Object... args) throws Exception {
        try {
            main.getMethod(method, types).invoke(null, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
