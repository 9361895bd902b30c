package pyro.core.model;

import java.util.Map;

/** The outcome of deleting a VM or workspace. */
public record DeleteResult(String id, boolean deleted, String previousState) implements JsonRecord {
    @Override
    public Map<String, Object> toMap() {
        return Fields.of().put("id", id).put("deleted", deleted).put("previous_state", previousState).map();
    }
}
