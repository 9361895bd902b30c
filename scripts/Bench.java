import java.io.InputStream;
import pyro.serve.Server;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import pyro.core.Pyro;
import pyro.core.internal.SupervisorClient;
import pyro.core.model.Readiness;
import pyro.core.PyroConfig;
import pyro.core.WorkspaceOptions;
import pyro.core.spi.LaunchSpec;
import pyro.kvm.HostProbe;
import pyro.kvm.qemu.QemuBackend;

/**
 * pyro's benchmark: prints figures for one machine and one run. Quote ratios against the floor,
 * not absolute seconds (TCG guests are emulated). Run through scripts/bench.
 */
public class Bench {
    static final String ENV = "debian:12";
    static Path pyroBin;
    static Path state;

    public static void main(String[] args) throws Exception {
        Path dist = Path.of(args[0]).toAbsolutePath();
        pyroBin = dist.resolve("bin/pyro");
        state = Files.createTempDirectory(Path.of("/tmp"), "pyro-bench-");
        int runs = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "3"));
        System.out.printf("machine: %d cpus, load %s%n", Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).trim());
        cli("env", "pull", ENV);
        if ("machines".equals(System.getenv("BENCH_ONLY"))) {
            machines(dist, runs);
            return;
        }
        if ("channels".equals(System.getenv("BENCH_ONLY"))) {
            channels(dist);
            return;
        }
        if ("import".equals(System.getenv("BENCH_ONLY"))) {
            List<Long> floor = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                floor.add(bareFloor(dist));
            }
            long floorMs = median(floor);
            System.out.printf("floor: bare qemu to agent's 1st byte: median %5d ms  %s%n", floorMs, floor);
            Pyro pyro = Pyro.create(PyroConfig.defaults().withStateDir(state).withHome(dist));
            pyro.deleteWorkspace(importRows(pyro, floorMs));
            return;
        }
        if ("http".equals(System.getenv("BENCH_ONLY"))) {
            Pyro pyro = Pyro.create(PyroConfig.defaults().withStateDir(state).withHome(dist));
            String id = pyro.createWorkspace(WorkspaceOptions.of(ENV)).workspaceId();
            try {
                httpRows(pyro, id, sdkExecRow(pyro, id));
            } finally {
                pyro.deleteWorkspace(id);
            }
            return;
        }
        if ("e2b".equals(System.getenv("BENCH_ONLY"))) {
            BenchE2b.rows(Pyro.create(PyroConfig.defaults().withStateDir(state).withHome(dist)), state, runs);
            return;
        }
        if ("services".equals(System.getenv("BENCH_ONLY"))) {
            Pyro pyro = Pyro.create(PyroConfig.defaults().withStateDir(state).withHome(dist));
            String id = pyro.createWorkspace(WorkspaceOptions.of(ENV)).workspaceId();
            try {
                pyro.execWorkspace(id, List.of("mkdir", "-p", "svcbench"), null, 30);
                services(pyro, id);
            } finally {
                pyro.deleteWorkspace(id);
            }
            return;
        }

        List<Long> version = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            version.add(cli("--version"));
        }
        System.out.printf("cli start-up (pyro --version):        median %5d ms  (min %d, n=10)%n", median(version),
                Collections.min(version));
        List<Long> bare = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            bare.add(timed(List.of(dist.resolve("runtime/bin/java").toString(), "-version")));
        }
        System.out.printf("floor: java -version of the same runtime: median %5d ms; --version / floor %.2f (target <= 3)%n",
                median(bare), (double) median(version) / median(bare));

        List<Long> floor = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            floor.add(bareFloor(dist));
        }
        long floorMs = median(floor);
        System.out.printf("floor: bare qemu to agent's 1st byte: median %5d ms  %s%n", floorMs, floor);

        List<Long> run = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            run.add(cli("run", ENV, "--cold", "--", "true"));
        }
        long runMs = median(run);
        System.out.printf("pyro run %s --cold -- true:      median %5d ms  %s%n", ENV, runMs, run);
        System.out.printf("ratio run / floor:                    %.2f%n", (double) runMs / floorMs);
        cli("env", "warm", ENV); // a save of the default size (pull makes it too)
        List<Long> warm = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            warm.add(cli("run", ENV, "--", "true"));
        }
        long warmMs = median(warm);
        System.out.printf("pyro run %s -- true (warm):      median %5d ms  %s%n", ENV, warmMs, warm);
        System.out.printf("ratio warm run / floor:               %.2f   (warm / cold %.2f)%n",
                (double) warmMs / floorMs, (double) warmMs / runMs);

        machines(dist, runs);
        channels(dist);

        Pyro pyro = Pyro.create(PyroConfig.defaults().withStateDir(state).withHome(dist));
        String id = importRows(pyro, floorMs);
        try {
            pyro.execWorkspace(id, List.of("mkdir", "-p", "svcbench"), null, 30);
            httpRows(pyro, id, sdkExecRow(pyro, id));
            List<Long> fresh = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                fresh.add(cli("workspace", "exec", id, "--", "true"));
            }
            System.out.printf("workspace exec -- true, fresh CLI:      median %5d ms  (min %d, n=10); / --version %.2f (target <= 1.6)%n",
                    median(fresh), Collections.min(fresh), (double) median(fresh) / median(version));
            services(pyro, id);
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    /**
     * Whole machines: workspace create cold and warm, then on one workspace with a running HTTP
     * service the snapshot save (time the guest is paused, bytes), reset to it, reset to the
     * create-time state, fork, stop and start; each against the cold create of the same run.
     */
    static void machines(Path dist, int runs) {
        Pyro pyro = Pyro.create(PyroConfig.defaults().withStateDir(state).withHome(dist));
        List<Long> cold = new ArrayList<>();
        List<Long> warm = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            for (boolean c : new boolean[] {true, false}) {
                long t0 = System.nanoTime();
                String id = pyro.createWorkspace(WorkspaceOptions.of(ENV).cold(c)).workspaceId();
                (c ? cold : warm).add((System.nanoTime() - t0) / 1_000_000);
                pyro.deleteWorkspace(id);
            }
        }
        long coldMs = median(cold);
        System.out.printf("workspace create --cold:              median %5d ms  %s%n", coldMs, cold);
        System.out.printf("workspace create (warm):              median %5d ms  %s  warm / cold %.2f%n", median(warm),
                warm, (double) median(warm) / coldMs);
        String id = pyro.createWorkspace(WorkspaceOptions.of(ENV)).workspaceId();
        try {
            pyro.startService(id, "web", "exec python3 -m http.server 8080", null, java.util.Map.of(),
                    Readiness.http("http://127.0.0.1:8080/"));
            long t0 = System.nanoTime();
            var snap = pyro.createSnapshot(id, "bench");
            long snapMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("snapshot create: %5d ms (guest paused %d ms), %.1f MB on disk; / cold create %.2f%n", snapMs,
                    snap.saveMs(), snap.bytes() / 1e6, (double) snapMs / coldMs);
            String[] names = {"reset --snapshot", "reset (create-time)", "fork", "stop", "start"};
            for (String what : names) {
                t0 = System.nanoTime();
                String other = null;
                switch (what) {
                    case "reset --snapshot" -> pyro.resetWorkspace(id, "bench");
                    case "reset (create-time)" -> pyro.resetWorkspace(id, null);
                    case "fork" -> other = pyro.forkWorkspace(id, null).workspaceId();
                    case "stop" -> pyro.stopWorkspace(id);
                    default -> pyro.startWorkspace(id);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("workspace %-20s %5d ms; / cold create %.2f%n", what + ":", ms, (double) ms / coldMs);
                if (other != null) {
                    pyro.deleteWorkspace(other);
                }
            }
        } finally {
            pyro.deleteWorkspace(id);
        }
    }

    /**
     * The agent channel itself, virtio-serial (QEMU's default) against vsock (vhost-device-vsock and
     * the hybrid-vsock handshake, PYRO_CHANNEL=vsock), each in a workspace booted cold for it: the round
     * trip of a ping from a client through the supervisor to the agent and back, and bulk MB/s of a
     * 64 MB upload the agent reads and drops (discard). virtio-serial is the floor of these rows: the
     * ratios say what vsock costs or gains on the same machine in the same run.
     */
    static void channels(Path dist) throws Exception {
        Pyro pyro = Pyro.create(PyroConfig.defaults().withStateDir(state).withHome(dist));
        int rounds = Integer.parseInt(System.getenv().getOrDefault("BENCH_CHANNEL_ROUNDS", "5"));
        int pings = 60;
        byte[] bulk = new byte[64 << 20];
        new Random(10).nextBytes(bulk);
        List<String> channels = new ArrayList<>(List.of("virtio-serial", "vsock"));
        if (HostProbe.vhostDeviceVsock() == null) {
            System.out.println("channel vsock: skipped, vhost-device-vsock is not installed (scripts/install-host-packages)");
            channels.remove("vsock");
        }
        java.util.Map<String, String> ids = new java.util.LinkedHashMap<>();
        java.util.Map<String, Long> create = new java.util.LinkedHashMap<>();
        java.util.Map<String, List<Long>> rtt = new java.util.LinkedHashMap<>();
        java.util.Map<String, List<Long>> bulkMs = new java.util.LinkedHashMap<>();
        try {
            for (String channel : channels) { // booted one after the other, measured side by side
                System.setProperty("pyro.channel", channel);
                long t0 = System.nanoTime();
                try {
                    ids.put(channel, pyro.createWorkspace(WorkspaceOptions.of(ENV).cold(true)).workspaceId());
                } finally {
                    System.clearProperty("pyro.channel");
                }
                create.put(channel, (System.nanoTime() - t0) / 1_000_000);
                rtt.put(channel, new ArrayList<>());
                bulkMs.put(channel, new ArrayList<>());
            }
            // rounds alternate between the channels, so a change in the machine's load hits both alike
            for (int round = 0; round < rounds; round++) {
                for (String channel : channels) {
                    try (var c = SupervisorClient.connect(state.resolve("instances").resolve(ids.get(channel)).resolve("supervisor.sock"))) {
                        for (int i = 0; i < 5; i++) {
                            c.call(new pyro.protocol.Request.Ping());
                        }
                        for (int i = 0; i < pings; i++) {
                            long s = System.nanoTime();
                            c.call(new pyro.protocol.Request.Ping());
                            rtt.get(channel).add((System.nanoTime() - s) / 1_000);
                        }
                        long s = System.nanoTime();
                        c.upload(new pyro.protocol.Request.Discard(),
                                new java.io.ByteArrayInputStream(bulk));
                        bulkMs.get(channel).add((System.nanoTime() - s) / 1_000_000);
                    }
                }
            }
        } finally {
            for (String id : ids.values()) {
                pyro.deleteWorkspace(id);
            }
        }
        for (String channel : channels) {
            long b = median(bulkMs.get(channel));
            System.out.printf("channel %-14s ping round trip median %5d us (n=%d); bulk 64 MB median %5d ms = %5.1f MB/s %s;"
                    + " cold create %d ms%n", channel + ":", median(rtt.get(channel)), rtt.get(channel).size(), b,
                    bulk.length / 1e3 / b, bulkMs.get(channel), create.get(channel));
        }
        if (channels.size() == 2) {
            System.out.printf("ratio vsock / virtio-serial (the floor of these rows): round trip %.2f, bulk MB/s %.2f, cold create %.2f%n",
                    (double) median(rtt.get("vsock")) / median(rtt.get("virtio-serial")),
                    (double) median(bulkMs.get("virtio-serial")) / median(bulkMs.get("vsock")),
                    (double) create.get("vsock") / create.get("virtio-serial"));
        }
    }

    /**
     * Readiness detection: the service writes its own ready time (guest clock) and the agent records
     * when its probe passed (same clock), so their difference is the probe's latency; the start
     * call's extra time on the host adds the reply's way back. Then log capture against a file.
     */
    static void services(Pyro pyro, String id) {
        int n = Integer.parseInt(System.getenv().getOrDefault("BENCH_SERVICE_RUNS", "20"));
        for (String kind : List.of("file", "tcp", "http", "command")) {
            List<Long> detect = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = kind + "-" + i;
                int port = 9000 + i;
                // each service stamps the true moment (guest clock, ms) in NAME.ready's content
                String cmd = switch (kind) {
                    // the file's rename is the true moment: its ctime (stamped by the kernel, not by a process
                    // started before it), written to NAME.stamp once it is there
                    case "file" -> "sleep 0.2; : > .t; mv .t " + name + ".ready; s=$(stat -c %z " + name + ".ready);"
                            + " date -d \"$s\" +%s%3N > " + name + ".stamp; exec sleep 1000";
                    case "command" -> "sleep 0.2; date +%s%3N > " + name + ".stamp; exec sleep 1000";
                    case "tcp" -> "exec python3 -c \"import socket,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                            + "s.bind(('127.0.0.1'," + port + "));s.listen()\nopen('" + name + ".ready','w').write(str(int(time.time()*1000)))\n"
                            + "time.sleep(1000)\"";
                    default -> "exec python3 -c \"import http.server,time\ns=http.server.HTTPServer(('127.0.0.1'," + port
                            + "),http.server.SimpleHTTPRequestHandler)\nopen('" + name + ".ready','w').write(str(int(time.time()*1000)))\n"
                            + "s.serve_forever()\"";
                };
                Readiness probe = switch (kind) {
                    case "file" -> Readiness.file(name + ".ready").withTimeout(60, 500);
                    case "command" -> Readiness.command("test -s " + name + ".stamp").withTimeout(60, 500);
                    case "tcp" -> Readiness.tcp("127.0.0.1", port).withTimeout(60, 500);
                    default -> Readiness.http("http://127.0.0.1:" + port + "/").withTimeout(60, 500);
                };
                var s = pyro.startService(id, name, List.of("sh", "-c", cmd), "svcbench", java.util.Map.of(), probe);
                long readyAt = java.time.Instant.parse(s.string("ready_at")).toEpochMilli();
                String stamp = name + (kind.equals("command") || kind.equals("file") ? ".stamp" : ".ready");
                long trulyReady = Long.parseLong(pyro.execWorkspace(id, List.of("sh", "-c",
                        "for i in $(seq 50); do [ -s " + stamp + " ] && break; sleep 0.1; done; cat " + stamp),
                        "svcbench", 30).stdout().strip());
                detect.add(readyAt - trulyReady);
                pyro.stopService(id, name, 1);
            }
            System.out.printf("service start, %-7s probe: detection after true readiness median %4d ms (min %d, max %d, n=%d; interval 500 ms)%n",
                    kind, median(detect), Collections.min(detect), Collections.max(detect), n);
        }
        long bytes = 20_000_000;
        long t0 = System.nanoTime();
        pyro.execWorkspace(id, List.of("sh", "-c", "head -c " + bytes + " /dev/zero | tr '\\0' a > /tmp/bench.out"), "svcbench", 300);
        long fileMs = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        pyro.startService(id, "flood", List.of("sh", "-c", "head -c " + bytes + " /dev/zero | tr '\\0' a; exec sleep 1000"),
                "svcbench", java.util.Map.of(), Readiness.none());
        while (pyro.logsService(id, "flood", 0, "stdout", null).stdoutOffset() < bytes) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        long logMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("log capture of 20 MB: %d ms = %.1f MB/s; the same bytes to a file: %d ms = %.1f MB/s; ratio %.2f%n",
                logMs, bytes / 1e3 / logMs, fileMs, bytes / 1e3 / fileMs, (double) logMs / fileMs);
        pyro.stopService(id, "flood", 1);
    }

    static long timed(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        pb.start().waitFor();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static long cli(String... args) throws Exception {
        return cliWith(java.util.Map.of(), args);
    }

    static long cliWith(java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(pyroBin.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("PYRO_STATE_DIR", state.toString());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        int rc = pb.start().waitFor();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (rc != 0) {
            throw new IllegalStateException("pyro " + String.join(" ", args) + " failed with " + rc);
        }
        return ms;
    }

    /**
     * Seed import against the raw channel: a workspace created with a 50 MB / 5,000-file seed (against
     * a bare boot plus the raw copy), then sync pushes of that tree and of a 50 MB tree of 5 large
     * files, each against a {@code Discard} upload of the same bytes over the same supervisor channel
     * right after it and against GNU tar extracting the same archive inside the guest (the guest
     * filesystem's own pace). Returns the seeded workspace (the caller deletes it).
     */
    static String importRows(Pyro pyro, long floorMs) throws Exception {
        Path seed = makeTree(state.resolve("seed"), 5000, 50L << 20);
        Path large = makeTree(state.resolve("large"), 5, 50L << 20);
        long t0 = System.nanoTime();
        var ws = pyro.createWorkspace(ENV, seed);
        long createMs = (System.nanoTime() - t0) / 1_000_000;
        String id = ws.workspaceId();
        System.out.printf("workspace create, seed 50 MB/5000 files: %5d ms (against cold boot + raw copy below)%n", createMs);
        long rawSmallMs = 0;
        int n = 0;
        for (Path tree : List.of(seed, large)) {
            Path tar = state.resolve(tree.getFileName() + ".tar");
            new ProcessBuilder("tar", "-cf", tar.toString(), "-C", tree.toString(), ".").inheritIO().start().waitFor();
            t0 = System.nanoTime();
            var push = pyro.pushWorkspaceSync(id, tar, "/workspace/again" + n++);
            long pushMs = (System.nanoTime() - t0) / 1_000_000;
            double importMBs = Files.size(tar) / 1e6 / (pushMs / 1000.0);
            System.out.printf("seed import (sync push of %4d files, %.0f MB): %5d ms = %.1f MB/s%n", push.files(),
                    Files.size(tar) / 1e6, pushMs, importMBs);
            Path sock = state.resolve("instances").resolve(id).resolve("supervisor.sock");
            t0 = System.nanoTime();
            try (var c = SupervisorClient.connect(sock);
                    var in = Files.newInputStream(tar)) {
                c.upload(new pyro.protocol.Request.Discard(), in);
            }
            long rawMs = (System.nanoTime() - t0) / 1_000_000;
            rawSmallMs = tree == seed ? rawMs : rawSmallMs;
            double rawMBs = Files.size(tar) / 1e6 / (rawMs / 1000.0);
            System.out.printf("raw copy of the same bytes, same channel:  %5d ms = %.1f MB/s; import/raw = %.2f (target >= 0.8)%n",
                    rawMs, rawMBs, importMBs / rawMBs);
            // the guest filesystem's own pace: GNU tar extracting the same archive from the guest's disk
            Path wrap = Files.createDirectories(state.resolve("wrap-" + n));
            Files.createLink(wrap.resolve("x.tar"), tar);
            pyro.pushWorkspaceSync(id, wrap, "/workspace/wrap-" + n);
            var tx = pyro.execWorkspace(id, "mkdir tx && s=$(date +%s%N) && tar -xf wrap-" + n
                    + "/x.tar -C tx && echo $(( ($(date +%s%N) - s) / 1000000 ))", null, 600);
            pyro.execWorkspace(id, "rm -rf tx wrap-" + n, null, 600);
            if (tx.exitCode() != 0) {
                System.out.println("guest's own tar -xf failed: " + tx.stderr());
                continue;
            }
            long tarMs = Long.parseLong(tx.stdout().trim());
            System.out.printf("guest's own tar -xf of that archive:       %5d ms; import ms / (raw + tar -xf ms) = %.2f"
                    + " (1: as fast as copying the bytes, then GNU tar)%n", tarMs, (double) pushMs / (rawMs + tarMs));
        }
        System.out.printf("create with seed / (floor boot + raw copy): %.2f (target <= 1.5)%n",
                (double) createMs / (floorMs + rawSmallMs));
        return id;
    }

    /** {@code workspace exec -- true} through the SDK in this process, 20 times: prints the row, returns the median. */
    static long sdkExecRow(Pyro pyro, String id) {
        List<Long> sdk = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long s = System.nanoTime();
            pyro.execWorkspace(id, List.of("true"), null, 30);
            sdk.add((System.nanoTime() - s) / 1_000_000);
        }
        System.out.printf("workspace exec -- true, SDK in-process: median %5d ms  (min %d, n=20)%n", median(sdk),
                Collections.min(sdk));
        return median(sdk);
    }

    /**
     * The HTTP face: {@code pyro serve} in this process over the same SDK client, and the same exec
     * through a real HTTP client on 127.0.0.1, plain and streamed (NDJSON); each against the SDK's own.
     */
    static void httpRows(Pyro pyro, String id, long argvSdkMs) throws Exception {
        // the HTTP API (like MCP) takes one shell line, run by sh -lc: compare with the SDK's same call
        List<Long> sdkShell = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long s = System.nanoTime();
            pyro.execWorkspace(id, "true", null, 30);
            sdkShell.add((System.nanoTime() - s) / 1_000_000);
        }
        long sdkMs = median(sdkShell);
        System.out.printf("workspace exec 'true' (sh -lc), SDK:      median %5d ms  (min %d, n=20); the login shell costs %d ms%n",
                sdkMs, Collections.min(sdkShell), sdkMs - argvSdkMs);
        String token = "bench-token-" + java.util.UUID.randomUUID();
        try (Server server = Server.start(new Server.Options("127.0.0.1:0", true, null,
                1L << 30), pyro.config(), () -> pyro, token, System.err)) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            for (String accept : List.of("application/json", "application/x-ndjson")) {
                java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(server.url() + "/v1/workspaces/" + id + "/exec"))
                        .header("Authorization", "Bearer " + token).header("Accept", accept)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"command\": \"true\"}")).build();
                List<Long> ms = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    long s = System.nanoTime();
                    var r = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("exec over HTTP answered " + r.statusCode() + ": " + r.body());
                    }
                    ms.add((System.nanoTime() - s) / 1_000_000);
                }
                System.out.printf("workspace exec 'true', HTTP (%s):    median %5d ms  (min %d, n=20); / SDK sh -lc %.2f (target <= 1.5)%n",
                        accept.endsWith("ndjson") ? "streamed" : "record  ", median(ms), Collections.min(ms),
                        (double) median(ms) / Math.max(1, sdkMs));
            }
            List<Long> local = new ArrayList<>();
            List<Long> remote = new ArrayList<>();
            java.util.Map<String, String> env = java.util.Map.of("PYRO_URL", server.url(), "PYRO_TOKEN", token);
            for (int i = 0; i < 5; i++) {
                local.add(cli("workspace", "exec", id, "--", "true"));
                remote.add(cliWith(env, "workspace", "exec", id, "--", "true"));
            }
            System.out.printf("workspace exec -- true, remote CLI (PYRO_URL): median %5d ms  (min %d, n=5); / local CLI %d ms = %.2f%n",
                    median(remote), Collections.min(remote), median(local), (double) median(remote) / median(local));
        }
    }

    /** The same QEMU command line pyro uses, started by hand: time to the agent's first byte. */
    static long bareFloor(Path dist) throws Exception {
        QemuBackend qemu = new QemuBackend(PyroConfig.defaults().withHome(dist));
        Path dir = Files.createTempDirectory(state, "floor-");
        Path envDir = qemu.environmentDir(ENV);
        Path overlay = dir.resolve("overlay.qcow2");
        Path sock = dir.resolve("agent.sock");
        QemuBackend.createOverlay(envDir.resolve("rootfs.ext4"), overlay);
        List<String> argv = qemu.argv(new LaunchSpec("floor", ENV, 1, 1024, false, dir), envDir, overlay, sock);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (SocketChannel c = server.accept()) {
                c.read(ByteBuffer.allocate(1));
                return (System.nanoTime() - t0) / 1_000_000;
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    static Path makeTree(Path root, int files, long bytes) throws Exception {
        Random r = new Random(42);
        byte[] buf = new byte[(int) (bytes / files)];
        for (int i = 0; i < files; i++) {
            Path f = root.resolve("d" + (i % 50)).resolve("f" + i + ".txt");
            Files.createDirectories(f.getParent());
            r.nextBytes(buf);
            Files.write(f, buf);
        }
        return root;
    }

    static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
