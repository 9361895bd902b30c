package examples;

import java.nio.file.Files;
import java.nio.file.Path;
import pyro.core.Pyro;
import pyro.core.WorkspaceOptions;
import pyro.core.model.DiffResult;
import pyro.core.model.ExecResult;
import pyro.core.model.WorkspaceInfo;

/**
 * The agent loop: create a workspace from a folder, exec, edit, diff, export, delete.
 * {@code PYRO_HOME=dist/target/pyro java -cp "examples/target/classes:dist/target/pyro/modules/*" examples.WorkspaceLoop DIR}
 */
public final class WorkspaceLoop {
    public static void main(String[] args) throws Exception {
        Path seed = Path.of(args.length > 0 ? args[0] : ".");
        Pyro pyro = Pyro.create();
        WorkspaceInfo ws = pyro.createWorkspace(WorkspaceOptions.of("debian:12").seed(seed).ttlSeconds(900));
        String id = ws.workspaceId();
        try {
            ExecResult ls = pyro.execWorkspace(id, "ls -la", null, 30);
            System.out.print(ls.stdout());
            pyro.execWorkspace(id, "echo 'made by the agent' > NOTES.txt", null, 30);
            DiffResult diff = pyro.diffWorkspace(id);
            System.out.println(diff.toJson());
            Path out = Files.createTempDirectory("pyro-export").resolve("NOTES.txt");
            pyro.exportWorkspace(id, "NOTES.txt", out);
            System.out.println("exported: " + Files.readString(out).strip());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }
}
