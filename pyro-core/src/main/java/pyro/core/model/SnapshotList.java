package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code workspace snapshot list}: {@code workspace_id, count, bytes, snapshots} (oldest first). */
public record SnapshotList(String workspaceId, List<SnapshotInfo> snapshots) implements JsonRecord {
    public SnapshotList {
        snapshots = List.copyOf(snapshots);
    }

    public long bytes() {
        return snapshots.stream().mapToLong(SnapshotInfo::bytes).sum();
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("count", snapshots.size())
                .put("bytes", bytes())
                .put("snapshots", snapshots.stream().map(s -> {
                    Map<String, Object> m = s.toMap();
                    m.remove("workspace_id");
                    return m;
                }).toList())
                .map();
    }
}
