package pyro.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import pyro.core.PyroConfig;

/**
 * Runs {@code pyro ARGS...} in this JVM through {@link Main#execute} with stdout and stderr
 * captured, against the given configuration (state and cache in a test's temp folder, no pyro
 * installation, so no guest image can be built even by mistake). The commands print to
 * System.out and System.err, so runs are serialised and the streams swapped around each.
 */
final class InProcessCli {
    record Result(int exit, String out, String err) {
        /** The stderr lines, without a trailing empty one. */
        java.util.List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private InProcessCli() {}

    static synchronized Result run(PyroConfig config, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int exit;
        try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
                PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            System.setOut(po);
            System.setErr(pe);
            Clients.use(config);
            exit = Main.execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
            Clients.use(null);
        }
        return new Result(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
}
