package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Issue 26: the help a newcomer reads. Walks picocli's whole command tree (as {@code pyro} builds
 * it, so a command added later is covered at once) and fails on any option or positional without a
 * description, any default not shown, and any command whose help has no example.
 */
class CliHelpTextTest {
    /** Every command of the tree, aliases once. */
    static List<CommandLine> tree() {
        List<CommandLine> out = new ArrayList<>();
        collect(Main.commandLine(), out);
        return out;
    }

    private static void collect(CommandLine cl, List<CommandLine> out) {
        out.add(cl);
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                collect(sub, out);
            }
        });
    }

    private static String name(ArgSpec a) {
        return a instanceof OptionSpec o ? o.longestName() : a.paramLabel();
    }

    @Test
    void everyOptionAndParameterHasADescription() {
        List<String> missing = new ArrayList<>();
        for (CommandLine cl : tree()) {
            CommandSpec spec = cl.getCommandSpec();
            for (ArgSpec a : spec.args()) {
                if (a.hidden()) {
                    continue;
                }
                String text = String.join(" ", a.description()).strip();
                if (text.isEmpty()) {
                    missing.add(spec.qualifiedName() + " " + name(a));
                }
            }
        }
        assertEquals(List.of(), missing, "options and parameters without a description");
    }

    @Test
    void everyDefaultIsShownInTheHelp() {
        List<String> hidden = new ArrayList<>();
        for (CommandLine cl : tree()) {
            CommandSpec spec = cl.getCommandSpec();
            String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
            for (OptionSpec o : spec.options()) {
                if (o.defaultValue() != null && !o.usageHelp() && !o.versionHelp()
                        && !help.contains("Default: " + o.defaultValue())) {
                    hidden.add(spec.qualifiedName() + " " + o.longestName() + " (default " + o.defaultValue() + ")");
                }
            }
        }
        assertEquals(List.of(), hidden, "defaults the help does not show");
    }

    @Test
    void everyCommandsHelpHasAnExampleOfItself() {
        List<String> without = new ArrayList<>();
        for (CommandLine cl : tree()) {
            CommandSpec spec = cl.getCommandSpec();
            String footer = String.join("\n", spec.usageMessage().footer());
            String self = spec.qualifiedName();
            boolean example = footer.contains("Example") && footer.lines()
                    .anyMatch(l -> l.contains(self + " ") || l.strip().equals(self));
            String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            if (!help.contains(footer.lines().skip(1).findFirst().orElse("?").strip())) {
                without.add(self + " (footer not rendered)");
            }
            footer.lines().filter(l -> l.startsWith("  ") && l.length() > 80).forEach(l -> without.add(self + " (example over 80 columns: " + l + ")"));
            if (!example) {
                without.add(self);
            }
        }
        assertEquals(List.of(), without, "commands whose help shows no example of the command");
    }

    @Test
    void theWalkSeesTheWholeTree() {
        List<String> names = tree().stream().map(cl -> cl.getCommandSpec().qualifiedName()).toList();
        assertTrue(names.size() > 40, names.toString());
        assertTrue(names.contains("pyro workspace service logs"), names.toString());
    }
}
