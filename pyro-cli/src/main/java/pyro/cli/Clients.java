package pyro.cli;

import pyro.core.Pyro;
import pyro.core.PyroConfig;

/** One SDK client per CLI process, with progress on stderr. */
final class Clients {
    private static PyroConfig config;
    private static Pyro pyro;

    private Clients() {}

    static synchronized Pyro pyro() {
        if (pyro == null) {
            pyro = (config == null ? Pyro.create() : Pyro.create(config)).withProgress(Output::progress);
        }
        return pyro;
    }

    /**
     * For in-process tests: later commands use a client for {@code c} instead of one from the
     * environment ({@link PyroConfig#defaults()}); null goes back to the environment.
     */
    static synchronized void use(PyroConfig c) {
        config = c;
        pyro = null;
    }
}
