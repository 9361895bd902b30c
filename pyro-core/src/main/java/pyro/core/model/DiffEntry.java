package pyro.core.model;

import java.util.Map;

/** One changed path: status is added, modified, deleted or type_changed. */
public record DiffEntry(String path, String status, boolean binary) implements JsonRecord {
    @Override
    public Map<String, Object> toMap() {
        return Fields.of().put("path", path).put("status", status).put("binary", binary).map();
    }
}
