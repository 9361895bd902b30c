package pyro.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.PyroException;
import pyro.core.model.FileContent;
import pyro.core.model.FileWriteResult;

@Command(name = "file", description = "List, read and write files of /workspace by path.",
        subcommands = {FileCommand.ListCmd.class, FileCommand.Read.class, FileCommand.Write.class},
        footer = {"%nExamples:", "  pyro workspace file list demo src", "  pyro workspace file read demo README.md --lines 1:20", "  pyro workspace file write demo notes.txt --content 'hello'"})
final class FileCommand {
    static String written(FileWriteResult r) {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> f : r.files()) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(f.get("action")).append(' ').append(f.get("path"));
            if (f.get("sha256") != null) {
                sb.append("  ").append(f.get("bytes")).append(" bytes  sha256 ").append(f.get("sha256"));
            }
            if (f.get("hunks") != null) {
                sb.append("  (").append(f.get("hunks")).append(" hunks)");
            }
        }
        return sb.toString();
    }

    /**
     * A host file, or stdin for {@code -}, read up to {@code limit} bytes: more is refused (never read
     * whole, so /dev/zero or an endless pipe fails in one sentence); a missing file is invalid input
     * naming it. {@code rule} says what the limit is for.
     */
    static byte[] readHost(String what, String file, int limit, String rule) {
        String from = file.equals("-") ? "stdin" : file;
        byte[] b;
        try {
            if (file.equals("-")) {
                b = System.in.readNBytes(limit + 1);
            } else {
                try (var in = Files.newInputStream(Path.of(file))) {
                    b = in.readNBytes(limit + 1);
                }
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw PyroException.invalid("cannot read the " + what + " '" + file + "': " + e.getMessage() + ".");
        }
        if (b.length > limit) {
            throw PyroException.invalid("the " + what + " from " + from + " is over " + limit + " bytes: " + rule + ".");
        }
        return b;
    }

    @Command(name = "list", description = "The entries of a folder of /workspace (default: /workspace itself).",
        footer = {"%nExamples:", "  pyro workspace file list demo", "  pyro workspace file list demo src --recursive"})
    static final class ListCmd implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "PATH", arity = "0..1", description = "A folder, relative to /workspace or absolute inside it.") String path;
        @Option(names = "--recursive", description = "Everything under the folder, not only its children.") boolean recursive;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var l = Clients.pyro().listFiles(id, path, recursive);
            if (json.on) {
                Output.json(l);
                return 0;
            }
            for (Map<String, Object> e : l.entries()) {
                String type = String.valueOf(e.get("type"));
                System.out.printf("%-7s %10s  %s%s%n", type, "file".equals(type) ? e.get("size") : "", e.get("path"),
                        e.get("target") != null ? " -> " + e.get("target") : "dir".equals(type) ? "/" : "");
            }
            if (l.truncated()) {
                System.err.println("pyro: the list stops at " + l.entries().size() + " entries");
            }
            return 0;
        }
    }

    @Command(name = "read", description = "Print part of a file: bytes (--offset, --limit) or lines (--lines START[:COUNT]).",
        footer = {"%nExamples:", "  pyro workspace file read demo README.md", "  pyro workspace file read demo app.log --lines 100:50", "  pyro workspace file read demo logo.png --base64 --json"})
    static final class Read implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "PATH", description = "The file, relative to /workspace or absolute inside it.") String path;
        @Option(names = "--offset", paramLabel = "N", description = "First byte to read (default 0).") Long offset;
        @Option(names = {"--limit", "--max-bytes"}, paramLabel = "N", description = "Bytes to read (default 262144, at most 4194304).") Long limit;
        @Option(names = "--lines", paramLabel = "START[:COUNT]", description = "Lines to read, 1-based (COUNT default: to the end).") String lines;
        @Option(names = "--base64", description = "Read a binary file as base64.") boolean base64;
        @Option(names = "--content-only", description = "Print the content alone: no note on stderr when more is left.") boolean contentOnly;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            Long start = null;
            Long count = null;
            if (lines != null) {
                var m = java.util.regex.Pattern.compile("(\\d+)(?::(\\d+))?").matcher(lines);
                if (!m.matches()) {
                    throw PyroException.invalid("--lines '" + lines + "' is not START or START:COUNT (e.g. 10:20).");
                }
                start = Long.parseLong(m.group(1));
                count = m.group(2) == null ? null : Long.parseLong(m.group(2));
            }
            FileContent c = Clients.pyro().readFile(id, path, offset, limit, start, count, base64);
            if (json.on && !contentOnly) {
                Output.json(c);
            } else {
                System.out.print(c.content());
                System.out.flush();
                if (!c.eof() && !contentOnly) {
                    System.err.println((c.content().endsWith("\n") ? "" : "\n") + "pyro: " + c.bytes() + " of " + c.size()
                            + " bytes shown; continue with --offset " + (c.offset() + c.bytes()));
                }
            }
            return 0;
        }
    }

    @Command(name = "write", description = "Write a file atomically (folders created) from --content, --from-file or stdin (-).",
        footer = {"%nExamples:", "  pyro workspace file write demo config.ini --content '[main]'", "  pyro workspace file write demo app.py --from-file app.py --expected-sha256 new", "  cat data.csv | pyro workspace file write demo data.csv --from-file -"})
    static final class Write implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "PATH", description = "The file to write, relative to /workspace or absolute inside it.") String path;
        @Option(names = {"--content", "--text"}, paramLabel = "TEXT", description = "The new content, as text.") String content;
        @Option(names = {"--from-file", "--text-file"}, paramLabel = "HOST_FILE|-", description = "Take the content from a host file, or - for stdin.") String from;
        @Option(names = "--expected-sha256", paramLabel = "SHA256|new", description = "Write only if the file's sha256 is this (from a read), or with 'new' only if it does not exist.") String expected;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            if ((content == null) == (from == null)) {
                throw PyroException.invalid("give exactly one of --content TEXT (or --text) and --from-file HOST_FILE|- (or --text-file).");
            }
            byte[] bytes = content != null ? content.getBytes(java.nio.charset.StandardCharsets.UTF_8) : readHost("file", from,
                    pyro.core.Pyro.WRITE_MAX_BYTES, "one write carries at most 8 MiB (push larger files with workspace sync push)");
            FileWriteResult r = Clients.pyro().writeFile(id, path, bytes, expected);
            return VmCommand.show(json.on, r, written(r));
        }
    }
}
