package pyro.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import pyro.core.PyroException;
import pyro.core.remote.PyroServeClient;
import pyro.protocol.archive.SafeExtractor;

/**
 * The remote CLI's server half. {@code POST /v1/uploads} keeps a client's file (a seed's tar, a secret
 * file, a patch) in the scratch space for a quarter of an hour and answers its id;
 * {@code POST /v1/cli} runs this host's own {@code pyro} with the client's argv (each
 * {@code pyro-upload:ID} replaced by that upload's path) and streams its stdout and stderr back as
 * they come, then its exit status, as NDJSON. The output and the exit status are the CLI's own, so a
 * remote CLI cannot drift from a local one. {@code serve} and {@code mcp} are not run this way.
 */
final class CliRunner {
    private static final Pattern TOKEN = Pattern.compile(Pattern.quote(PyroServeClient.UPLOAD_TOKEN) + "(up-[0-9a-f-]{36})");
    private static final Duration KEEP = Duration.ofMinutes(15);

    private final Path uploads;
    private final long maxUploadBytes;
    private final Path launcher;
    private final pyro.core.PyroConfig config;

    /** {@code config}: the server's own, so the CLI it runs sees the same state and cache folders. */
    CliRunner(Path scratch, long maxUploadBytes, pyro.core.PyroConfig config) throws IOException {
        this.config = config;
        this.uploads = Files.createDirectories(scratch.resolve("uploads"));
        this.maxUploadBytes = maxUploadBytes;
        String home = System.getProperty("pyro.home");
        this.launcher = home == null ? null : Path.of(home, "bin", "pyro");
    }

    void upload(HttpExchange ex) throws IOException {
        sweep();
        String name = Exchanges.query(ex).getOrDefault("name", List.of("upload")).getLast();
        if (!name.matches("[A-Za-z0-9._-]{1,100}") || name.startsWith(".")) {
            throw PyroException.invalid("upload name '" + name + "' must be 1-100 letters, digits, '.', '_' or '-'.");
        }
        String id = "up-" + UUID.randomUUID();
        Path dir = Files.createDirectory(uploads.resolve(id));
        try {
            Exchanges.saveBounded(ex.getRequestBody(), dir.resolve(name), maxUploadBytes);
        } catch (IOException | RuntimeException e) {
            SafeExtractor.deleteTree(dir);
            throw e;
        }
        Exchanges.sendJson(ex, 201, Map.of("upload_id", id));
    }

    /** Uploads older than {@link #KEEP} were never used: they go. */
    private void sweep() {
        try (var s = Files.list(uploads)) {
            for (Path p : s.toList()) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(Instant.now().minus(KEEP))) {
                    SafeExtractor.deleteTree(p);
                }
            }
        } catch (IOException ignored) {
            // the next upload sweeps again
        }
    }

    @SuppressWarnings("unchecked")
    void run(HttpExchange ex) throws IOException {
        if (launcher == null || !Files.isExecutable(launcher)) {
            throw PyroException.host("this pyro serve has no CLI beside it (pyro.home is not a distribution).");
        }
        Map<String, Object> body = Exchanges.jsonObject(ex);
        if (!(body.get("argv") instanceof List<?> raw) || raw.isEmpty() || !raw.stream().allMatch(a -> a instanceof String)) {
            throw PyroException.invalid("the body's argv must be a non-empty array of strings.");
        }
        List<String> argv = new ArrayList<>((List<String>) raw);
        if (argv.getFirst().equals("serve") || argv.getFirst().equals("mcp")) {
            throw PyroException.invalid("'pyro " + argv.getFirst() + "' runs where its client is: unset PYRO_URL to run it.");
        }
        List<Path> used = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            Matcher m = TOKEN.matcher(argv.get(i));
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                Path dir = uploads.resolve(m.group(1));
                Path file;
                try (var s = Files.list(dir)) {
                    file = s.findFirst().orElseThrow(() -> new IOException("empty"));
                } catch (IOException e) {
                    throw PyroException.invalid("upload " + m.group(1) + " is unknown or gone (uploads are kept 15 minutes).");
                }
                used.add(dir);
                m.appendReplacement(b, Matcher.quoteReplacement(file.toString()));
            }
            m.appendTail(b);
            argv.set(i, b.toString());
        }
        byte[] stdin = body.get("stdin") instanceof String s ? Base64.getDecoder().decode(s) : null;
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("PYRO_URL"); // the CLI runs here, on this host's VMs
        pb.environment().remove("PYRO_TOKEN");
        pb.environment().put("PYRO_STATE_DIR", config.stateDir().toString());
        pb.environment().put("PYRO_CACHE_DIR", config.cacheDir().toString());
        Process p = pb.start();
        ex.getResponseHeaders().set("Content-Type", NdjsonOutput.TYPE);
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            Thread feeder = Thread.ofVirtual().start(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin);
                    }
                } catch (IOException ignored) {
                    // the command did not read it all
                }
            });
            Thread err = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), "stderr", out));
            pump(p.getInputStream(), "stdout", out);
            err.join();
            feeder.join();
            int code = p.waitFor();
            line(out, Map.of("type", "exit", "code", code));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (p.isAlive()) {
                p.destroy(); // the client went away: the CLI call ends as a killed local one would
            }
            for (Path d : used) {
                SafeExtractor.deleteTree(d);
            }
            out.close();
        }
    }

    private static void pump(InputStream in, String stream, OutputStream out) {
        byte[] buf = new byte[16 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", stream);
                m.put("data", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf, n)));
                line(out, m);
            }
        } catch (IOException ignored) {
            // the client is gone or the process ended
        }
    }

    private static void line(OutputStream out, Map<String, Object> m) throws IOException {
        byte[] b = (Exchanges.COMPACT.asString(m) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(b);
            out.flush();
        }
    }
}
