package pyro.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pyro serve}: the HTTP API. The server module (pyro.serve) is loaded only here, like the MCP
 * server, so every other command starts without it.
 */
@Command(name = "serve", description = "Serve pyro's HTTP API (every workspace operation; docs/serve.md).",
        footer = {"%nExample:", "  pyro serve --listen 127.0.0.1:7878",
            "  token=$(cat ~/.local/state/pyro/serve/token)",
            "  curl -H \"Authorization: Bearer $token\" http://127.0.0.1:7878/v1/workspaces"})
final class ServeCommand implements Callable<Integer> {
    static final String MODULE = "pyro.serve";
    static final String MAIN = "pyro.serve.Server";

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7878",
            description = "Address to listen on. Anything but loopback needs --tls-keystore.")
    String listen;

    @Option(names = "--quiet", description = "Do not print a line per request on stderr.")
    boolean quiet;

    @Option(names = "--tls-keystore", paramLabel = "FILE.p12",
            description = "Serve HTTPS with this PKCS#12 keystore (its password in PYRO_TLS_PASSWORD).")
    String keystore;

    @Option(names = "--max-upload-bytes", paramLabel = "N", defaultValue = "4294967296",
            description = "Largest seed or sync upload accepted, in bytes.")
    long maxUploadBytes;

    @Option(names = "--socket", paramLabel = "PATH|none",
            description = "Also serve on this unix socket (0600, no token needed); default: serve/pyro.sock in the "
                    + "state folder; 'none' for TCP only.")
    String socket;

    @Override
    public Integer call() throws Exception {
        Class<?> main = Faces.load(MODULE, MAIN, "the HTTP server");
        Faces.invoke(main, "serve", new Class<?>[] {String.class, boolean.class, String.class, long.class, String.class}, listen,
                quiet, keystore, maxUploadBytes, socket);
        return 0;
    }
}
