package pyro.cli.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import pyro.core.PyroException;

/**
 * What {@code pyro host doctor} finds for one host: not connected (no file, or no pyro entry), ok, or
 * broken with the problems named. A pyro entry is ok when its launcher is an absolute path to an
 * executable file and starting it with the entry's arguments, stdin closed, ends with status 0 (the
 * real MCP server starts, checks its options and exits on end of input).
 */
record HostCheck(Host host, Path file, Status status, ServerCommand server, List<String> problems) {
    enum Status {
        OK("ok"),
        NOT_CONNECTED("not connected"),
        BROKEN("broken");

        final String text;

        Status(String text) {
            this.text = text;
        }
    }

    /** How long a configured server may take to start and exit on a closed stdin. */
    static final long START_TIMEOUT_SECONDS = 60;

    static HostCheck of(Host host, HostEnv env) {
        ConfigFile cf = new ConfigFile(host.configFile(env));
        if (!cf.exists()) {
            return new HostCheck(host, cf.path(), Status.NOT_CONNECTED, null, List.of());
        }
        Object entry;
        try {
            String text = cf.read();
            entry = Connector.entry(host, text, cf.path().toString());
        } catch (PyroException e) {
            return new HostCheck(host, cf.path(), Status.BROKEN, null, List.of(e.getMessage()));
        }
        if (entry == null) {
            return new HostCheck(host, cf.path(), Status.NOT_CONNECTED, null, List.of());
        }
        ServerCommand server = host.read(entry);
        if (server == null) {
            return new HostCheck(host, cf.path(), Status.BROKEN, null,
                    List.of("pyro's entry has no command pyro can read: run pyro host repair " + host.wireName + "."));
        }
        List<String> problems = problems(host, entry, server);
        return new HostCheck(host, cf.path(), problems.isEmpty() ? Status.OK : Status.BROKEN, server, problems);
    }

    static List<String> problems(Host host, Object entry, ServerCommand server) {
        List<String> out = new ArrayList<>();
        if (entry instanceof java.util.Map<?, ?> m) {
            Object type = m.get("type");
            String want = host == Host.OPENCODE ? "local" : "stdio";
            if ((host == Host.OPENCODE || type != null) && !want.equals(type)) {
                out.add("the entry's type is " + (type == null ? "missing" : "'" + type + "'") + ", not '" + want + "'.");
            }
        }
        if (!server.servesMcp()) {
            out.add("the arguments are not 'mcp serve ...': " + server.display() + ".");
        }
        out.addAll(launcherProblems(server.command()));
        if (out.isEmpty()) {
            String failed = tryStart(server);
            if (failed != null) {
                out.add(failed);
            }
        }
        return out;
    }

    /** Why {@code command} is no launcher a host can start (empty when it is one). */
    static List<String> launcherProblems(String command) {
        Path p = Path.of(command);
        if (!p.isAbsolute()) {
            return List.of("the launcher '" + command + "' is not an absolute path (a host may start it with another PATH).");
        }
        if (!Files.exists(p)) {
            return List.of("the launcher " + command + " does not exist.");
        }
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            return List.of("the launcher " + command + " is not an executable file.");
        }
        return List.of();
    }

    /** Starts the server as the host would, stdin closed; null when it ran and exited 0, else why not. */
    static String tryStart(ServerCommand server) {
        List<String> argv = new ArrayList<>();
        argv.add(server.command());
        argv.addAll(server.args());
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            java.io.ByteArrayOutputStream errBuf = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[8192];
                try (var in = p.getErrorStream()) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        synchronized (errBuf) {
                            if (errBuf.size() < 64 * 1024) {
                                errBuf.write(buf, 0, n);
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process ended or was killed: what was read is what there is
                }
            });
            if (!p.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "'" + server.display() + "' did not end within " + START_TIMEOUT_SECONDS
                        + " s of a closed stdin.";
            }
            if (p.exitValue() == 0) {
                return null;
            }
            reader.join(java.time.Duration.ofSeconds(5));
            byte[] err;
            synchronized (errBuf) {
                err = errBuf.toByteArray();
            }
            String last = new String(err, StandardCharsets.UTF_8).strip().lines()
                    .filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("(nothing on stderr)");
            return "'" + server.display() + "' exited with status " + p.exitValue() + ": " + last;
        } catch (IOException e) {
            return "cannot start " + server.command() + ": " + e.getMessage() + ".";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while starting " + server.command() + ".";
        }
    }
}
