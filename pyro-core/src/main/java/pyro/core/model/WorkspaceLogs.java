package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code workspace logs}: the exec journal, oldest first. */
public record WorkspaceLogs(String workspaceId, List<Map<String, Object>> entries) implements JsonRecord {
    public WorkspaceLogs {
        entries = List.copyOf(entries);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("count", entries.size())
                .put("entries", entries)
                .map();
    }
}
