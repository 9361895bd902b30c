package pyro.serve;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import pyro.core.Pyro;
import pyro.core.model.WorkspaceInfo;

/**
 * What {@code GET /metrics} prints in Prometheus' text format: requests by route and status, a
 * latency histogram per operation (the boot of workspace_create and vm_run, exec round trips), and
 * workspaces by state, read from the SDK when scraped.
 */
final class Metrics {
    private static final long[] BUCKETS_MS = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latencies = new ConcurrentHashMap<>();

    private static final class Histogram {
        final AtomicLong[] counts = new AtomicLong[BUCKETS_MS.length];
        final LongAdder sum = new LongAdder();
        final LongAdder total = new LongAdder();

        Histogram() {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new AtomicLong();
            }
        }

        void observe(long ms) {
            for (int i = 0; i < BUCKETS_MS.length; i++) {
                if (ms <= BUCKETS_MS[i]) {
                    counts[i].incrementAndGet();
                }
            }
            sum.add(ms);
            total.increment();
        }
    }

    void request(String route, int status) {
        requests.computeIfAbsent(route + "\u0000" + status, k -> new LongAdder()).increment();
    }

    void operation(String operation, long ms) {
        latencies.computeIfAbsent(operation, k -> new Histogram()).observe(ms);
    }

    String text(Pyro pyro) {
        StringBuilder b = new StringBuilder();
        b.append("# HELP pyro_http_requests_total HTTP requests by route and status.\n");
        b.append("# TYPE pyro_http_requests_total counter\n");
        new TreeMap<>(requests).forEach((k, v) -> {
            String[] p = k.split("\u0000");
            b.append("pyro_http_requests_total{route=\"").append(escape(p[0])).append("\",status=\"").append(p[1])
                    .append("\"} ").append(v.sum()).append('\n');
        });
        b.append("# HELP pyro_operation_duration_seconds Time an operation took in the SDK (boots, execs, ...).\n");
        b.append("# TYPE pyro_operation_duration_seconds histogram\n");
        new TreeMap<>(latencies).forEach((op, h) -> {
            for (int i = 0; i < BUCKETS_MS.length; i++) {
                b.append("pyro_operation_duration_seconds_bucket{operation=\"").append(op).append("\",le=\"")
                        .append(BUCKETS_MS[i] / 1000.0).append("\"} ").append(h.counts[i].get()).append('\n');
            }
            b.append("pyro_operation_duration_seconds_bucket{operation=\"").append(op).append("\",le=\"+Inf\"} ")
                    .append(h.total.sum()).append('\n');
            b.append("pyro_operation_duration_seconds_sum{operation=\"").append(op).append("\"} ")
                    .append(h.sum.sum() / 1000.0).append('\n');
            b.append("pyro_operation_duration_seconds_count{operation=\"").append(op).append("\"} ")
                    .append(h.total.sum()).append('\n');
        });
        Map<String, Integer> byState = new TreeMap<>();
        for (WorkspaceInfo w : pyro.listWorkspaces().workspaces()) {
            byState.merge(w.state(), 1, Integer::sum);
        }
        b.append("# HELP pyro_workspaces Workspaces by state.\n# TYPE pyro_workspaces gauge\n");
        byState.forEach((s, n) -> b.append("pyro_workspaces{state=\"").append(escape(s)).append("\"} ").append(n).append('\n'));
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
