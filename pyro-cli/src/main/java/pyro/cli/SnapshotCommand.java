package pyro.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.model.SnapshotInfo;

@Command(name = "snapshot", description = "Whole-machine snapshots of a workspace (files, running services, shells) for reset.",
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListCmd.class, SnapshotCommand.Delete.class},
        footer = {"%nExamples:", "  pyro workspace snapshot create demo before-upgrade", "  pyro workspace reset demo --snapshot before-upgrade"})
final class SnapshotCommand {
    static String line(SnapshotInfo s) {
        return s.name() + "  " + Output.bytes(s.bytes()) + ", paused " + s.saveMs() + " ms to save";
    }

    static java.util.List<String> table(java.util.List<SnapshotInfo> snapshots) {
        Table t = new Table("NAME", "SIZE", "PAUSED", "CREATED");
        for (SnapshotInfo s : snapshots) {
            t.row(s.name(), Output.bytes(s.bytes()), s.saveMs() + " ms", Human.ago(s.createdAt()));
        }
        return t.lines();
    }

    @Command(name = "create", description = "Save the running workspace's whole machine as NAME (it pauses while it is written).",
        footer = {"%nExample:", "  pyro workspace snapshot create demo before-upgrade"})
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot\'s name (letters, digits, \'.\', \'_\', \'-\').") String name;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            SnapshotInfo s = Clients.pyro().createSnapshot(id, name);
            return VmCommand.show(json.on, s, "snapshot " + line(s));
        }
    }

    @Command(name = "list", description = "A workspace's snapshots, oldest first.",
        footer = {"%nExample:", "  pyro workspace snapshot list demo"})
    static final class ListCmd implements Callable<Integer> {
        @Parameters(paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var l = Clients.pyro().listSnapshots(id);
            if (json.on) {
                Output.json(l);
            } else if (l.snapshots().isEmpty()) {
                System.out.println("no snapshots of " + l.workspaceId());
            } else {
                table(l.snapshots()).forEach(System.out::println);
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete one snapshot of a workspace.",
        footer = {"%nExample:", "  pyro workspace snapshot delete demo before-upgrade"})
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS", description = WorkspaceCommand.WS) String id;
        @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot\'s name (letters, digits, \'.\', \'_\', \'-\').") String name;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            SnapshotInfo s = Clients.pyro().deleteSnapshot(id, name);
            return VmCommand.show(json.on, s, "deleted snapshot " + s.name() + " of " + s.workspaceId());
        }
    }
}
