package pyro.cli;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.model.FileWriteResult;

@Command(name = "patch", description = "Apply unified diffs to /workspace.", subcommands = PatchCommand.Apply.class)
final class PatchCommand {
    @Command(name = "apply", description = "Apply a unified diff (git's format or plain; paths relative to /workspace) all or nothing.")
    static final class Apply implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "PATCH_FILE|-", description = "The patch, or - for stdin.") String file;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            String patch = new String(FileCommand.readHost("patch", file,
                    pyro.core.Pyro.PATCH_MAX_BYTES, "a patch may be at most 16 MiB (split it into smaller patches)"), StandardCharsets.UTF_8);
            FileWriteResult r = Clients.pyro().applyPatch(id, patch);
            return VmCommand.show(json, r, FileCommand.written(r));
        }
    }
}
