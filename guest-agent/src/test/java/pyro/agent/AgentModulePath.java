package pyro.agent;

import java.io.File;
import java.lang.module.ResolvedModule;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The module path for the agent's own JVM in tests: the jars (or class folders) of pyro.agent and of
 * every module it reads, transitively, as this JVM resolved them. Derived from the module graph, so
 * a library that pyro.protocol starts to require is on it without anyone listing it (a fixed list of
 * classes once missed java-diff-utils, and the agent died before its hello).
 */
public final class AgentModulePath {
    private AgentModulePath() {}

    public static String get() {
        Module agent = Main.class.getModule();
        if (!agent.isNamed() || agent.getLayer() == null) {
            throw new IllegalStateException("the agent tests run on the module path");
        }
        ResolvedModule root = agent.getLayer().configuration().findModule(agent.getName()).orElseThrow();
        Set<ResolvedModule> seen = new LinkedHashSet<>();
        Deque<ResolvedModule> todo = new ArrayDeque<>();
        seen.add(root);
        todo.add(root);
        while (!todo.isEmpty()) {
            for (ResolvedModule m : todo.removeFirst().reads()) {
                if (seen.add(m)) {
                    todo.add(m);
                }
            }
        }
        return seen.stream()
                .flatMap(m -> m.reference().location().stream())
                .filter(u -> "file".equals(u.getScheme())) // system modules (jrt:) come with the JVM
                .map(URI::getPath)
                .map(p -> Path.of(p).toString())
                .distinct()
                .collect(Collectors.joining(File.pathSeparator));
    }
}
