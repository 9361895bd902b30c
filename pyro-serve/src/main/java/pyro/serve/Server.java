package pyro.serve;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import pyro.core.Pyro;
import pyro.core.PyroConfig;
import pyro.core.PyroException;

/**
 * {@code pyro serve}: binds the address, loads or makes the token, and serves {@link Api} until the
 * process is told to stop. Loopback only unless TLS is configured: a token sent in clear text over a
 * network is a token given away.
 */
public final class Server implements AutoCloseable {
    public static final String DEFAULT_LISTEN = "127.0.0.1:7878";
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 4L << 30;

    /** What {@code pyro serve} was asked for. {@code keystore}: a PKCS#12 file (password in PYRO_TLS_PASSWORD). */
    public record Options(String listen, boolean quiet, Path keystore, long maxUploadBytes) {}

    private final HttpServer http;
    private final ExecutorService executor;
    private final Api api;
    private final Token token;
    private final boolean tls;

    private Server(HttpServer http, ExecutorService executor, Api api, Token token, boolean tls) {
        this.http = http;
        this.executor = executor;
        this.api = api;
        this.token = token;
        this.tls = tls;
    }

    /** Starts a server over {@code pyro} (made on first use) with the token from {@code tokenEnv} or the state folder. */
    public static Server start(Options o, PyroConfig config, java.util.function.Supplier<Pyro> pyro, String tokenEnv,
            PrintStream log) throws IOException {
        InetSocketAddress addr = address(o.listen());
        boolean loopback = addr.getAddress().isLoopbackAddress();
        if (!loopback && o.keystore() == null) {
            throw PyroException.invalid("--listen " + o.listen() + " is not a loopback address: serving a network "
                    + "needs TLS (--tls-keystore FILE.p12, its password in PYRO_TLS_PASSWORD), or listen on 127.0.0.1.");
        }
        Path serveDir = config.stateDir().resolve("serve");
        Token token = Token.load(tokenEnv, serveDir.resolve("token"));
        Uploads uploads = new Uploads(serveDir.resolve("scratch"), o.maxUploadBytes());
        CliRunner cli = new CliRunner(serveDir.resolve("scratch"), o.maxUploadBytes(), config);
        Api api = new Api(memo(pyro), token, uploads, cli, new Metrics(), log).quiet(o.quiet());
        // a client that stops sending its request is dropped after this long; responses may stream for as long as they need
        System.setProperty("sun.net.httpserver.maxReqTime", "120");
        System.setProperty("sun.net.httpserver.idleInterval", "30");
        // small answers go out at once instead of waiting on Nagle for the client's delayed ACK
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer http;
        try {
            if (o.keystore() != null) {
                HttpsServer https = HttpsServer.create(addr, 256);
                https.setHttpsConfigurator(new HttpsConfigurator(ssl(o.keystore())));
                http = https;
            } else {
                http = HttpServer.create(addr, 256);
            }
        } catch (java.net.BindException e) {
            throw PyroException.invalid("cannot listen on " + o.listen() + ": " + e.getMessage()
                    + " (another pyro serve? choose another with --listen HOST:PORT).");
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.createContext("/", api);
        http.start();
        return new Server(http, executor, api, token, o.keystore() != null);
    }

    private static <T> java.util.function.Supplier<T> memo(java.util.function.Supplier<T> s) {
        return new java.util.function.Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = s.get();
                }
                return value;
            }
        };
    }

    static InetSocketAddress address(String listen) {
        String l = listen == null ? DEFAULT_LISTEN : listen.strip();
        int colon = l.lastIndexOf(':');
        if (colon <= 0 || colon == l.length() - 1) {
            throw PyroException.invalid("--listen '" + listen + "' is not HOST:PORT (e.g. 127.0.0.1:7878).");
        }
        String host = l.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(l.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw PyroException.invalid("--listen '" + listen + "' has no port number after the last ':'.");
        }
        if (port < 0 || port > 65535) {
            throw PyroException.invalid("--listen '" + listen + "': port " + port + " is not between 0 and 65535.");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw PyroException.invalid("--listen '" + listen + "': host '" + host + "' does not resolve.");
        }
    }

    private static SSLContext ssl(Path keystore) throws IOException {
        String password = System.getenv("PYRO_TLS_PASSWORD");
        char[] pw = password == null ? new char[0] : password.toCharArray();
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (java.nio.file.NoSuchFileException e) {
            throw PyroException.invalid("--tls-keystore '" + keystore + "' does not exist.");
        } catch (GeneralSecurityException | IOException e) {
            throw PyroException.invalid("--tls-keystore '" + keystore + "' could not be loaded as PKCS#12 with "
                    + "PYRO_TLS_PASSWORD: " + e.getMessage());
        }
    }

    /** The address actually bound (port 0 asks for a free one). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return (tls ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Where the token lives, or null when it came from PYRO_TOKEN. */
    public Path tokenFile() {
        return token.file();
    }

    String openApiJson() {
        return api.openApi().json();
    }

    @Override
    public void close() {
        http.stop(1);
        executor.shutdownNow();
    }

    /**
     * The CLI's entry: starts, says where it listens and where the token is, and serves until the
     * process is stopped (SIGTERM or SIGINT end it cleanly).
     */
    public static void serve(String listen, boolean quiet, String keystore, long maxUploadBytes) throws Exception {
        PyroConfig config = PyroConfig.defaults();
        PrintStream log = System.err;
        Options o = new Options(listen, quiet, keystore == null ? null : Path.of(keystore), maxUploadBytes);
        Server s = start(o, config, () -> Pyro.create(config).withProgress(Progress.sink(log)),
                System.getenv("PYRO_TOKEN"), log);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.close();
            stopped.countDown();
        }));
        log.println("pyro serve: listening on " + s.url() + (s.tls ? " (TLS)" : "") + "; token "
                + (s.tokenFile() == null ? "from PYRO_TOKEN" : "in " + s.tokenFile()));
        log.println("pyro serve: try  curl -H \"Authorization: Bearer $(cat " + (s.tokenFile() == null ? "TOKEN_FILE" : s.tokenFile())
                + ")\" " + s.url() + "/v1/workspaces");
        stopped.await();
    }
}
