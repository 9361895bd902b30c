package pyro.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import pyro.core.model.ServiceCounts;
import pyro.core.model.WorkspaceInfo;

/**
 * How a workspace reads for people: {@code workspace list} as a table, {@code status} (and every
 * command that answers with a workspace) as a short block. Only the text: {@code --json} prints the
 * record itself, unchanged.
 */
final class WorkspaceView {
    private WorkspaceView() {}

    /**
     * The state as it is meant: the record says {@code stopped} both for a workspace stopped with
     * {@code workspace stop} (its machine saved, resumed by start) and for one whose TTL passed (its VM
     * released for good); the latter carries the reason {@code expired: ...}.
     */
    static String state(WorkspaceInfo w) {
        return expired(w) ? "expired" : w.state();
    }

    static boolean expired(WorkspaceInfo w) {
        return "stopped".equals(w.state()) && w.stateReason() != null && w.stateReason().startsWith("expired");
    }

    /** A stopped (not expired) workspace's services are in its saved machine: the guest is not asked. */
    private static boolean suspended(WorkspaceInfo w) {
        return "stopped".equals(w.state()) && !expired(w);
    }

    static String services(WorkspaceInfo w) {
        if (suspended(w)) {
            return "on start";
        }
        if (!"started".equals(w.state())) {
            return "-";
        }
        ServiceCounts c = w.serviceCounts();
        return c.total() == 0 ? "0" : c.running() + "/" + c.total() + " running";
    }

    static List<String> table(List<WorkspaceInfo> list, Instant now) {
        Table t = new Table("ID", "NAME", "STATE", "ENV", "SERVICES", "LAST USED", "EXPIRES");
        boolean anySuspended = false;
        for (WorkspaceInfo w : list) {
            anySuspended |= suspended(w);
            t.row(w.workspaceId(), w.name(), state(w), w.environment(), services(w), Human.ago(w.lastActivityAt(), now),
                    expired(w) ? "-" : Human.ago(w.expiresAt(), now));
        }
        List<String> lines = new ArrayList<>(t.lines());
        if (anySuspended) {
            lines.add("");
            lines.add("A stopped workspace's services resume with it: pyro workspace start WS.");
        }
        return lines;
    }

    static List<String> block(WorkspaceInfo w, Instant now) {
        List<String> out = new ArrayList<>();
        out.add(w.workspaceId() + (w.name() != null ? "  " + w.name() : ""));
        field(out, "state", state(w) + (w.stateReason() != null && !expired(w) ? " (" + w.stateReason() + ")" : "")
                + (expired(w) ? " (its TTL of " + w.ttlSeconds() + " s passed; its VM was released: delete it)" : ""));
        field(out, "environment", w.environment() + " (" + w.backend() + ", " + w.accel() + ", " + w.vcpuCount() + " vcpu, "
                + w.memMib() + " MiB, network " + w.networkPolicy() + ")");
        ServiceCounts c = w.serviceCounts();
        field(out, "services", suspended(w) ? "saved with the machine; 'pyro workspace start " + w.workspaceId()
                + "' resumes them" : !"started".equals(w.state()) ? "-" : c.total() == 0 ? "none"
                : c.total() + " (" + counts(c) + ")");
        if (!w.shells().isEmpty()) {
            field(out, "shells", String.valueOf(w.shells().size()));
        }
        field(out, "commands", w.commandCount() + (w.lastCommand() != null ? ", last: " + Human.words(w.lastCommand()) : ""));
        if (w.snapshotCount() > 0) {
            field(out, "snapshots", w.snapshotCount() + " (" + Output.bytes(w.snapshotBytes()) + " on disk)");
        }
        if (!w.secrets().isEmpty()) {
            field(out, "secrets", String.join(", ", w.secrets()));
        }
        field(out, "created", Human.ago(w.createdAt(), now));
        field(out, "last used", Human.ago(w.lastActivityAt(), now));
        field(out, "expires", expired(w) ? "-" : Human.ago(w.expiresAt(), now) + " (idle TTL " + w.ttlSeconds()
                + " s: each use renews it; then its VM is stopped)");
        return out;
    }

    private static String counts(ServiceCounts c) {
        List<String> parts = new ArrayList<>();
        int[] n = {c.starting(), c.running(), c.stopped(), c.exited(), c.failed()};
        String[] names = {"starting", "running", "stopped", "exited", "failed"};
        for (int i = 0; i < n.length; i++) {
            if (n[i] > 0) {
                parts.add(n[i] + " " + names[i]);
            }
        }
        return String.join(", ", parts);
    }

    private static void field(List<String> out, String name, String value) {
        out.add(String.format("  %-13s%s", name + ":", value));
    }

    static String text(WorkspaceInfo w) {
        return String.join("\n", block(w, Instant.now()));
    }
}
