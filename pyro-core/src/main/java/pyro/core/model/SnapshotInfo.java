package pyro.core.model;

import java.util.Map;

/**
 * One workspace snapshot: the whole machine (memory, devices, disk) at one instant, so a reset
 * brings back files, running services, their logs and open shells as they were.
 *
 * @param bytes what the snapshot takes on disk (memory stream plus disk copy)
 * @param saveMs how long the workspace was paused while it was saved
 */
public record SnapshotInfo(String workspaceId, String name, String createdAt, long bytes, long saveMs)
        implements JsonRecord {
    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("name", name)
                .put("created_at", createdAt)
                .put("bytes", bytes)
                .put("save_ms", saveMs)
                .map();
    }
}
