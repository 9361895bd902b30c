package examples;

import java.util.List;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.RunResult;

/**
 * One command in a disposable VM.
 * After building, run it from the repository root with pyro's own Java 25 runtime (a system
 * {@code java} may be older: 17 on Debian 12):
 * {@code PYRO_HOME=dist/target/pyro dist/target/pyro/runtime/bin/java --enable-native-access=ALL-UNNAMED -cp "examples/target/classes:dist/target/pyro/modules/*" examples.RunOnce}
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
