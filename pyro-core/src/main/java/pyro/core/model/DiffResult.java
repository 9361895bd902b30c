package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code workspace diff}: /workspace against the immutable create-time baseline. */
public record DiffResult(String workspaceId, List<DiffEntry> entries, String patch) implements JsonRecord {
    public DiffResult {
        entries = List.copyOf(entries);
    }

    public boolean changed() {
        return !entries.isEmpty();
    }

    private long count(String status) {
        return entries.stream().filter(e -> e.status().equals(status)).count();
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("changed", changed())
                .put("summary", Fields.of()
                        .put("added", count("added"))
                        .put("modified", count("modified"))
                        .put("deleted", count("deleted"))
                        .put("type_changed", count("type_changed"))
                        .map())
                .put("entries", entries.stream().map(DiffEntry::toMap).toList())
                .put("patch", patch)
                .map();
    }
}
