package examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import pyro.core.Pyro;
import pyro.core.Workspace;
import pyro.core.WorkspaceOptions;
import pyro.core.model.DiffResult;
import pyro.core.model.ExecResult;
import pyro.core.model.WorkspaceInfo;

/**
 * The agent loop through a workspace handle: create from a folder, exec, edit, diff, export, delete.
 * After building, run it from the repository root with pyro's own Java 25 runtime (a system
 * {@code java} may be older: 17 on Debian 12):
 * {@code PYRO_HOME=dist/target/pyro dist/target/pyro/runtime/bin/java --enable-native-access=ALL-UNNAMED -cp "examples/target/classes:dist/target/pyro/modules/*" examples.WorkspaceLoop DIR}
 */
public final class WorkspaceLoop {
    public static void main(String[] args) throws Exception {
        Path seed = Path.of(args.length > 0 ? args[0] : ".");
        Pyro pyro = Pyro.create();
        WorkspaceInfo info = pyro.createWorkspace(WorkspaceOptions.of("debian:12").seed(seed).ttlSeconds(900));
        Workspace ws = pyro.workspace(info.workspaceId());
        try {
            ExecResult ls = ws.exec(Workspace.Exec.of("ls -la").timeout(Duration.ofSeconds(30)));
            System.out.print(ls.stdout());
            ws.files().write("NOTES.txt", "made by the agent\n");
            DiffResult diff = ws.diff();
            System.out.println(diff.toJson());
            Path out = Files.createTempDirectory("pyro-export").resolve("NOTES.txt");
            ws.export("NOTES.txt", out);
            System.out.println("exported: " + Files.readString(out).strip());
        } finally {
            ws.delete();
        }
    }
}
