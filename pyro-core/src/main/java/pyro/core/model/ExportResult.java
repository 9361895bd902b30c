package pyro.core.model;

import java.util.Map;

/** {@code workspace export}. */
public record ExportResult(String workspaceId, String path, String outputPath, String artifactType, long bytes)
        implements JsonRecord {
    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("path", path)
                .put("output_path", outputPath)
                .put("artifact_type", artifactType)
                .put("bytes", bytes)
                .map();
    }
}
