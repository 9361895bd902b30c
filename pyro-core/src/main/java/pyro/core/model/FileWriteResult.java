package pyro.core.model;

import java.util.List;
import java.util.Map;

/**
 * {@code workspace file write} and {@code workspace patch apply}: {@code workspace_id, count, files
 * [{path, action (created|replaced|deleted), bytes, sha256}]}; a patch adds per file {@code hunks}.
 */
public record FileWriteResult(String workspaceId, List<Map<String, Object>> files) implements JsonRecord {
    public FileWriteResult {
        files = List.copyOf(files);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of().put("workspace_id", workspaceId).put("count", files.size()).put("files", files).map();
    }
}
