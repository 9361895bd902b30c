package pyro.kvm.qemu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import pyro.core.internal.Json;

/**
 * A QMP (QEMU Machine Protocol) session on a VM's monitor socket: one JSON command per line, its
 * {@code return} or {@code error} answered in order, asynchronous events skipped.
 */
final class Qmp implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final PrintWriter out;

    private Qmp(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = new PrintWriter(Channels.newOutputStream(channel), true, StandardCharsets.UTF_8);
    }

    /** Connects, reads the greeting and leaves capabilities negotiation mode. */
    static Qmp connect(Path socket) throws IOException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("cannot reach QEMU's monitor at " + socket + " (" + e.getMessage() + ")", e);
        }
        Qmp q = new Qmp(ch);
        try {
            if (q.in.readLine() == null) {
                throw new IOException("QEMU closed its monitor " + socket + " before its greeting");
            }
            q.execute("qmp_capabilities", null);
            return q;
        } catch (IOException | RuntimeException e) {
            q.close();
            throw e;
        }
    }

    /** Runs one command and returns its {@code return} value (a map, a list or null). */
    Object execute(String command, Map<String, Object> arguments) throws IOException {
        String line = arguments == null ? "{\"execute\":" + Json.writeCompact(command) + "}"
                : "{\"execute\":" + Json.writeCompact(command) + ",\"arguments\":" + Json.writeCompact(arguments) + "}";
        out.println(line);
        while (true) {
            String reply = in.readLine();
            if (reply == null) {
                throw new IOException("QEMU closed its monitor after " + command);
            }
            Map<String, Object> m = Json.readMap(reply);
            if (m.containsKey("error")) {
                throw new IOException("QEMU refused " + command + ": " + m.get("error"));
            }
            if (m.containsKey("return")) {
                return m.get("return");
            }
            // an asynchronous event: keep reading
        }
    }

    /**
     * Writes the whole machine (memory and device state) into {@code file} with QEMU's migration and
     * waits until it completed; the VM is left paused ({@code postmigrate}), to be continued or ended.
     */
    void migrateTo(Path file, long timeoutMs) throws IOException, InterruptedException {
        execute("migrate", Map.of("uri", "exec:cat > " + WarmStore.shellQuote(file.toString())));
        long deadline = System.currentTimeMillis() + timeoutMs;
        long sleepMs = 5;
        while (System.currentTimeMillis() < deadline) {
            Object status = execute("query-migrate", null) instanceof Map<?, ?> ret ? ret.get("status") : null;
            if ("completed".equals(status)) {
                return;
            }
            if ("failed".equals(status) || "cancelled".equals(status)) {
                throw new IOException("QEMU's migration to " + file + " " + status);
            }
            Thread.sleep(sleepMs);
            sleepMs = Math.min(50, sleepMs * 2);
        }
        try {
            execute("migrate_cancel", null);
        } catch (IOException ignored) {
            // the error below says what matters
        }
        throw new IOException("QEMU's migration to " + file + " did not complete within " + timeoutMs / 1000 + " s");
    }

    /**
     * Undoes what an interrupted save left: a migration still under way is cancelled, and a VM left
     * stopped by one ({@code postmigrate}, {@code finish-migrate}, {@code paused}) or by a full disk
     * ({@code io-error}) runs again. True when it resumed the VM.
     */
    boolean rollBackInterruptedSave() throws IOException, InterruptedException {
        Object mig = execute("query-migrate", null) instanceof Map<?, ?> m ? m.get("status") : null;
        if (mig != null && !java.util.Set.of("none", "completed", "failed", "cancelled").contains(String.valueOf(mig))) {
            execute("migrate_cancel", null);
            for (int i = 0; i < 100; i++) {
                Object now = execute("query-migrate", null) instanceof Map<?, ?> m ? m.get("status") : null;
                if (now == null || java.util.Set.of("completed", "failed", "cancelled").contains(String.valueOf(now))) {
                    break;
                }
                Thread.sleep(50);
            }
        }
        Object status = execute("query-status", null) instanceof Map<?, ?> m ? m.get("status") : null;
        if (java.util.Set.of("postmigrate", "finish-migrate", "paused", "io-error").contains(String.valueOf(status))) {
            execute("cont", null);
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
