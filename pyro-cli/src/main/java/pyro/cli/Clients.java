package pyro.cli;

import pyro.core.Pyro;

/** One SDK client per CLI process, with progress on stderr. */
final class Clients {
    private static Pyro pyro;

    private Clients() {}

    static synchronized Pyro pyro() {
        if (pyro == null) {
            pyro = Pyro.create().withProgress(Output::progress);
        }
        return pyro;
    }
}
