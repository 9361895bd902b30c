package pyro.cli;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.model.FileWriteResult;

@Command(name = "patch", description = "Apply unified diffs to /workspace.", subcommands = PatchCommand.Apply.class,
        footer = {"%nExample:", "  git diff | pyro workspace patch apply demo -"})
final class PatchCommand {
    @Command(name = "apply", description = "Apply a unified diff (git's format or plain; paths relative to /workspace) all or nothing.",
        footer = {"%nExamples:", "  pyro workspace patch apply demo fix.diff", "  git diff | pyro workspace patch apply demo -"})
    static final class Apply implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "PATCH_FILE|-", arity = "0..1", description = "The patch file, or - for stdin.") String file;
        @Option(names = "--patch-file", paramLabel = "PATCH_FILE|-", description = "The patch file, as the argument above.") String patchFile;
        @Option(names = "--patch", paramLabel = "TEXT", description = "The patch itself, as text.") String text;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            int given = (file == null ? 0 : 1) + (patchFile == null ? 0 : 1) + (text == null ? 0 : 1);
            if (given != 1) {
                throw pyro.core.PyroException.invalid("give the patch exactly once: PATCH_FILE|-, --patch-file PATCH_FILE|- or"
                        + " --patch TEXT" + (given == 0 ? "." : ", not " + given + " of them."));
            }
            String patch = text != null ? text : new String(FileCommand.readHost("patch", file != null ? file : patchFile,
                    pyro.core.Pyro.PATCH_MAX_BYTES, "a patch may be at most 16 MiB (split it into smaller patches)"), StandardCharsets.UTF_8);
            FileWriteResult r = Clients.pyro().applyPatch(id, patch);
            return VmCommand.show(json.on, r, FileCommand.written(r));
        }
    }
}
