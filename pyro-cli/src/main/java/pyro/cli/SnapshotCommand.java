package pyro.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.model.SnapshotInfo;

@Command(name = "snapshot", description = "Whole-machine snapshots of a workspace (files, running services, shells) for reset.",
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListCmd.class, SnapshotCommand.Delete.class})
final class SnapshotCommand {
    static String line(SnapshotInfo s) {
        return s.name() + "  " + Output.bytes(s.bytes()) + "  saved in " + s.saveMs() + " ms  at " + s.createdAt();
    }

    @Command(name = "create", description = "Save the running workspace's whole machine as NAME (it pauses while it is written).")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "NAME") String name;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            SnapshotInfo s = Clients.pyro().createSnapshot(id, name);
            return VmCommand.show(json, s, "snapshot " + line(s));
        }
    }

    @Command(name = "list", description = "A workspace's snapshots, oldest first.")
    static final class ListCmd implements Callable<Integer> {
        @Parameters(paramLabel = "WS") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var l = Clients.pyro().listSnapshots(id);
            if (json) {
                Output.json(l);
            } else if (l.snapshots().isEmpty()) {
                System.out.println("no snapshots of " + l.workspaceId());
            } else {
                l.snapshots().forEach(s -> System.out.println(line(s)));
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete one snapshot of a workspace.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "WS") String id;
        @Parameters(index = "1", paramLabel = "NAME") String name;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            SnapshotInfo s = Clients.pyro().deleteSnapshot(id, name);
            return VmCommand.show(json, s, "deleted snapshot " + s.name() + " of " + s.workspaceId());
        }
    }
}
