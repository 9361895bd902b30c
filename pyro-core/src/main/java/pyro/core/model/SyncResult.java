package pyro.core.model;

import java.util.Map;

/** {@code workspace sync push}: what was unpacked where. */
public record SyncResult(String workspaceId, String source, String sourceType, String dest, long files, long bytes)
        implements JsonRecord {
    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("source", source)
                .put("source_type", sourceType)
                .put("dest", dest)
                .put("files", files)
                .put("bytes", bytes)
                .map();
    }
}
