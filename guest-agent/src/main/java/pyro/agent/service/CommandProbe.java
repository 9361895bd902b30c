package pyro.agent.service;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import pyro.protocol.Request;
import java.util.concurrent.TimeUnit;
import pyro.agent.cgroup.Cgroup;

/**
 * Ready once {@code sh -c COMMAND}, run in the service's cwd and environment, exits 0. It runs in the
 * service's cgroup (a user command, it must not get the agent's protections), and dies with the service.
 */
record CommandProbe(String command, Path cwd, Map<String, String> env, Cgroup group) implements Probe {
    @Override
    public Request.Probe describe(long timeoutMs, long intervalMs) {
        return new Request.Probe(Request.ProbeType.COMMAND, null, null, null, null, command, timeoutMs, intervalMs);
    }

    @Override
    public String check(long timeoutMs) throws InterruptedException {
        List<String> argv = new ArrayList<>();
        if (ProcessGroup.SETSID != null) {
            argv.add(ProcessGroup.SETSID);
        }
        argv.addAll(List.of("sh", "-c", command));
        ProcessBuilder pb = new ProcessBuilder(group.wrap(argv)).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return "cannot run the probe command: " + e.getMessage();
        }
        byte[] tail = new byte[512];
        int[] len = {0};
        Thread pump = Thread.ofVirtual().start(() -> keepTail(p.getInputStream(), tail, len));
        try {
            if (!p.waitFor(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)) {
                ProcessGroup.kill(p.toHandle(), true);
                p.waitFor(2, TimeUnit.SECONDS);
                return "probe command did not finish within " + timeoutMs + " ms";
            }
        } catch (InterruptedException e) {
            ProcessGroup.kill(p.toHandle(), true);
            throw e;
        }
        pump.join(500);
        int code = p.exitValue();
        if (code == 0) {
            return null;
        }
        String out;
        synchronized (tail) {
            out = new String(tail, 0, len[0], StandardCharsets.UTF_8).strip();
        }
        int nl = out.lastIndexOf('\n');
        String last = nl >= 0 ? out.substring(nl + 1) : out;
        return "probe command exited with " + code + (last.isEmpty() ? "" : ": " + last);
    }

    /** Keeps the last bytes of the probe's output (for last_error), never more than the buffer. */
    private static void keepTail(InputStream in, byte[] tail, int[] len) {
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (tail) {
                    if (n >= tail.length) {
                        System.arraycopy(buf, n - tail.length, tail, 0, tail.length);
                        len[0] = tail.length;
                    } else {
                        int keep = Math.min(len[0], tail.length - n);
                        System.arraycopy(tail, len[0] - keep, tail, 0, keep);
                        System.arraycopy(buf, 0, tail, keep, n);
                        len[0] = keep + n;
                    }
                }
            }
        } catch (IOException e) {
            // process gone
        }
    }
}
