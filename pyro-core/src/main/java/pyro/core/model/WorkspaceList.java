package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code workspace list}. */
public record WorkspaceList(List<WorkspaceInfo> workspaces) implements JsonRecord {
    public WorkspaceList {
        workspaces = List.copyOf(workspaces);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("count", workspaces.size())
                .put("workspaces", workspaces.stream().map(WorkspaceInfo::toMap).toList())
                .map();
    }
}
