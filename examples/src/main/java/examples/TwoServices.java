package examples;

import java.util.List;
import java.util.Map;
import pyro.core.LogQuery;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.Readiness;
import pyro.core.model.ServiceInfo;
import pyro.core.model.ServiceLogs;
import pyro.core.model.WorkspaceInfo;

/**
 * A workspace with two services: an HTTP server (ready when it answers) and a worker (ready when it
 * writes a file). Reads their logs, then only what is new with the cursor, stops both, deletes.
 * After building, run it from the repository root with pyro's own Java 25 runtime (a system
 * {@code java} may be older: 17 on Debian 12):
 * {@code PYRO_HOME=dist/target/pyro dist/target/pyro/runtime/bin/java --enable-native-access=ALL-UNNAMED -cp "examples/target/classes:dist/target/pyro/modules/*" examples.TwoServices}
 */
public final class TwoServices {
    public static void main(String[] args) throws InterruptedException {
        Pyro pyro = Pyro.create().withProgress(line -> System.err.println("[pyro] " + line));
        WorkspaceInfo ws = pyro.createWorkspace("debian:12");
        String id = ws.workspaceId();
        try {
            ServiceInfo web = pyro.startService(id, "web", List.of("python3", "-m", "http.server", "8080"), null,
                    Map.of(), Readiness.http("http://127.0.0.1:8080/"));
            ServiceInfo worker = pyro.startService(id, "worker",
                    "touch worker.ready; while true; do echo \"tick $(date +%T)\"; sleep 1; done", null, Map.of(),
                    Readiness.file("worker.ready"));
            System.out.println(web.serviceName() + ": " + web.state() + ", " + worker.serviceName() + ": "
                    + worker.state());
            System.out.println(pyro.listServices(id).toJson());

            ServiceLogs first = pyro.logsService(id, "worker", LogQuery.stdout());
            System.out.print(first.stdout());
            Thread.sleep(3000);
            ServiceLogs next = pyro.logsService(id, "worker", LogQuery.stdout().after(first.after()));
            System.out.print("new since the cursor:\n" + next.stdout());
            System.out.print(pyro.logsService(id, "web", LogQuery.stderr().tail(5)).stderr());

            pyro.stopService(id, "worker", 5);
            pyro.stopService(id, "web", 5);
        } catch (PyroException e) {
            System.err.println("pyro: " + e.getMessage());
        } finally {
            pyro.deleteWorkspace(id);
        }
    }
}
