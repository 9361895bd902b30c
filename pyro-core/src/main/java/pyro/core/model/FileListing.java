package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code workspace file list}: {@code workspace_id, path, count, truncated, entries [{path, type, size, mode, target?}]}. */
public record FileListing(String workspaceId, String path, boolean truncated, List<Map<String, Object>> entries)
        implements JsonRecord {
    public FileListing {
        entries = List.copyOf(entries);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of().put("workspace_id", workspaceId).put("path", path).put("count", entries.size())
                .put("truncated", truncated).put("entries", entries).map();
    }
}
