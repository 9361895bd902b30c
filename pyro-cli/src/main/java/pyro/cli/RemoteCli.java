package pyro.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import pyro.core.PyroException;
import pyro.core.model.JsonRecord;
import pyro.core.remote.PyroServeClient;

/**
 * The CLI with {@code PYRO_URL} set: the command runs as the remote host's own {@code pyro} (so its
 * output and exit status are exactly a local CLI's there), with what names this machine's disk
 * handled here: a seed, a sync source, a secret file, a file to write or a patch is uploaded first
 * and named by its upload; stdin ({@code -}) is sent along; {@code workspace export} downloads to
 * {@code --output} here. {@code serve}, {@code mcp}, help and the version run locally.
 */
final class RemoteCli {
    private static final Set<String> LOCAL = Set.of("serve", "mcp", "help", "--help", "-h", "--version", "-V");
    /** A file a command reads whole from stdin is bounded like one read from disk. */
    static final int STDIN_MAX = 16 << 20;

    private RemoteCli() {}

    /** Whether this call goes to a remote server. */
    static boolean applies(String[] args) {
        String url = System.getenv("PYRO_URL");
        return url != null && !url.isBlank() && args.length > 0 && !LOCAL.contains(args[0]);
    }

    static int run(CommandLine cl, String[] args) {
        CommandLine.ParseResult parsed;
        try {
            parsed = cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return -1; // a usage error: the local CLI says it exactly as the remote one would
        }
        CommandLine.ParseResult leaf = parsed;
        while (leaf.subcommand() != null) {
            leaf = leaf.subcommand();
        }
        if (leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested()) {
            return -1;
        }
        String command = leaf.commandSpec().qualifiedName(" ").replaceFirst("^pyro ", "");
        PyroServeClient server = PyroServeClient.fromEnvironment();
        List<String> argv = new ArrayList<>(List.of(args));
        byte[] stdin = null;
        switch (command) {
            case "workspace export" -> {
                return export(server, leaf);
            }
            case "workspace create" -> {
                uploadOption(server, argv, "--seed-path", v -> server.upload(Path.of(v)));
                uploadOption(server, argv, "--secret-file", v -> {
                    int eq = v.indexOf('=');
                    return eq < 0 ? v : v.substring(0, eq + 1) + server.upload(Path.of(v.substring(eq + 1)));
                });
            }
            case "workspace sync push" -> replaceLast(argv, leaf.matchedPositional(1).originalStringValues().getFirst(),
                    v -> server.upload(Path.of(v)));
            case "workspace file write" -> {
                if ("-".equals(leaf.matchedOptionValue("--from-file", null))) {
                    stdin = readStdin();
                } else {
                    for (String name : new String[] {"--from-file", "--text-file"}) { // ours and the original tool's
                        uploadOption(server, argv, name, v -> server.upload(Path.of(v)));
                    }
                }
            }
            case "workspace patch apply" -> {
                var positional = leaf.matchedPositional(1);
                String file = positional == null ? null : positional.originalStringValues().getFirst();
                if ("-".equals(file) || "-".equals(leaf.matchedOptionValue("--patch-file", null))) {
                    stdin = readStdin();
                } else if (file != null) {
                    replaceLast(argv, file, v -> server.upload(Path.of(v)));
                } else {
                    uploadOption(server, argv, "--patch-file", v -> server.upload(Path.of(v)));
                }
            }
            default -> { }
        }
        return server.cli(argv, stdin, System.out, System.err);
    }

    private interface Rewrite {
        String apply(String value);
    }

    /** Rewrites each value of {@code option} ({@code --opt VALUE} or {@code --opt=VALUE}). */
    private static void uploadOption(PyroServeClient server, List<String> argv, String option, Rewrite r) {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("--")) {
                return; // what follows is the guest's argv
            }
            if (a.equals(option) && i + 1 < argv.size()) {
                argv.set(i + 1, r.apply(argv.get(i + 1)));
                i++;
            } else if (a.startsWith(option + "=")) {
                argv.set(i, option + "=" + r.apply(a.substring(option.length() + 1)));
            }
        }
    }

    private static void replaceLast(List<String> argv, String value, Rewrite r) {
        int i = argv.lastIndexOf(value);
        if (i >= 0) {
            argv.set(i, r.apply(value));
        }
    }

    private static byte[] readStdin() {
        try {
            byte[] b = System.in.readNBytes(STDIN_MAX + 1);
            if (b.length > STDIN_MAX) {
                throw PyroException.invalid("stdin is over " + STDIN_MAX + " bytes: give a file instead of -.");
            }
            return b;
        } catch (IOException e) {
            throw PyroException.invalid("cannot read stdin: " + e.getMessage());
        }
    }

    /** {@code workspace export} writes here: downloaded, then printed as the local CLI prints it. */
    private static int export(PyroServeClient server, CommandLine.ParseResult leaf) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("workspace_id", leaf.matchedPositional(0).getValue());
        args.put("path", leaf.matchedPositional(1).getValue());
        args.put("output_path", leaf.matchedOptionValue("--output", Path.of(".")).toString());
        Long max = leaf.matchedOptionValue("--max-bytes", null);
        if (max != null) {
            args.put("max_bytes", max);
        }
        JsonRecord r = server.call("workspace_export", args);
        if (leaf.hasMatchedOption("--json")) {
            Output.json(r);
        } else {
            Map<String, Object> m = r.toMap();
            System.out.println("exported " + m.get("artifact_type") + " " + m.get("path") + " to " + m.get("output_path"));
        }
        return 0;
    }
}
