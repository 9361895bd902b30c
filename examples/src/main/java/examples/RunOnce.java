package examples;

import java.util.List;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.RunResult;

/**
 * One command in a disposable VM. Run from the repository root after building:
 * {@code PYRO_HOME=dist/target/pyro java -cp "examples/target/classes:dist/target/pyro/modules/*" examples.RunOnce}
 */
public final class RunOnce {
    public static void main(String[] args) {
        Pyro pyro = Pyro.create().withProgress(line -> System.err.println("[pyro] " + line));
        try {
            RunResult r = pyro.runInVm("debian:12", List.of("uname", "-a"));
            System.out.print(r.exec().stdout());
            System.out.println("exit " + r.exitCode() + ", booted in " + r.bootMs() + " ms (" + r.accel() + ")");
        } catch (PyroException e) {
            System.err.println("pyro: " + e.getMessage());
            System.exit(e.code().exitStatus());
        }
    }
}
