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

    /**
     * What {@code pyro serve} was asked for. {@code keystore}: a PKCS#12 file (password in
     * PYRO_TLS_PASSWORD); {@code socket}: the unix socket to serve too (null: none).
     */
    public record Options(String listen, boolean quiet, Path keystore, long maxUploadBytes, Path socket) {
        /** TCP only. */
        public Options(String listen, boolean quiet, Path keystore, long maxUploadBytes) {
            this(listen, quiet, keystore, maxUploadBytes, null);
        }
    }

    private final HttpServer http;
    private final ExecutorService executor;
    private final Api api;
    private final Token token;
    private final boolean tls;
    private final HttpServer local;
    private final UnixSocketBridge unix;

    private Server(HttpServer http, ExecutorService executor, Api api, Token token, boolean tls, HttpServer local,
            UnixSocketBridge unix) {
        this.http = http;
        this.executor = executor;
        this.api = api;
        this.token = token;
        this.tls = tls;
        this.local = local;
        this.unix = unix;
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
        HttpServer local = null;
        UnixSocketBridge unix = null;
        if (o.socket() != null) {
            // the unix socket's private listener: plain HTTP on a loopback port of its own, whose
            // requests go without a token only when the bridge carried them (UnixSocketBridge)
            local = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
            local.setExecutor(executor);
            try {
                unix = UnixSocketBridge.open(o.socket(), local.getAddress(), log);
            } catch (IOException | RuntimeException e) {
                local.stop(0);
                executor.shutdownNow();
                throw e;
            }
            int localPort = local.getAddress().getPort();
            UnixSocketBridge bridge = unix;
            api.trust(ex -> ex.getLocalAddress().getPort() == localPort && bridge.carried(ex.getRemoteAddress()));
            local.createContext("/", api);
            local.start();
        }
        http.start();
        return new Server(http, executor, api, token, o.keystore() != null, local, unix);
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

    /** {@code <state>/serve/pyro.sock}, where the token file also lives. */
    static Path defaultSocket(PyroConfig config) {
        return config.stateDir().resolve("serve").resolve("pyro.sock");
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

    /** The unix socket served too, or null. */
    public Path socket() {
        return unix == null ? null : unix.path();
    }

    /**
     * The private loopback listener behind the unix socket (null without one): it serves only what
     * the socket carried without a token; anything else connecting to it must show the token.
     */
    public InetSocketAddress socketListener() {
        return local == null ? null : local.getAddress();
    }

    String openApiJson() {
        return api.openApi().json();
    }

    @Override
    public void close() {
        if (unix != null) {
            unix.close();
            local.stop(0);
        }
        http.stop(1);
        executor.shutdownNow();
    }

    /**
     * The CLI's entry: starts, says where it listens and where the token is, and serves until the
     * process is stopped (SIGTERM or SIGINT end it cleanly).
     */
    public static void serve(String listen, boolean quiet, String keystore, long maxUploadBytes, String socket)
            throws Exception {
        PyroConfig config = PyroConfig.defaults();
        PrintStream log = System.err;
        Path unix = "none".equals(socket) ? null : socket == null || socket.isBlank() ? defaultSocket(config) : Path.of(socket);
        if ((socket == null || socket.isBlank()) && UnixSocketBridge.unusable(unix) != null) {
            log.println("pyro serve: no unix socket: " + UnixSocketBridge.unusable(unix) + " (choose one with --socket PATH)");
            unix = null;
        }
        Options o = new Options(listen, quiet, keystore == null ? null : Path.of(keystore), maxUploadBytes, unix);
        Server s = start(o, config, () -> Pyro.create(config).withProgress(Progress.sink(log)),
                System.getenv("PYRO_TOKEN"), log);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.close();
            stopped.countDown();
        }));
        log.println("pyro serve: listening on " + s.url() + (s.tls ? " (TLS)" : "") + "; token "
                + (s.tokenFile() == null ? "from PYRO_TOKEN" : "in " + s.tokenFile()));
        if (s.socket() != null) {
            log.println("pyro serve: and on unix socket " + s.socket() + " (0600; no token needed: curl --unix-socket "
                    + s.socket() + " http://pyro/v1/workspaces)");
        }
        log.println("pyro serve: try  curl -H \"Authorization: Bearer $(cat " + (s.tokenFile() == null ? "TOKEN_FILE" : s.tokenFile())
                + ")\" " + s.url() + "/v1/workspaces");
        stopped.await();
    }
}
