package pyro.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record produced inside the guest (services, shells): the agent's fields, in the agent's
 * order, with {@code workspace_id} first. Typed accessors for the fields the SDK user needs most.
 */
public abstract class GuestRecord implements JsonRecord {
    private final Map<String, Object> fields;

    protected GuestRecord(String workspaceId, Map<String, Object> agentFields) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (workspaceId != null) {
            m.put("workspace_id", workspaceId);
        }
        agentFields.forEach((k, v) -> {
            if (!"id".equals(k) && !"type".equals(k)) {
                m.put(k, v);
            }
        });
        this.fields = Collections.unmodifiableMap(m);
    }

    public String workspaceId() {
        return string("workspace_id");
    }

    public Object get(String field) {
        return fields.get(field);
    }

    public String string(String field) {
        Object v = fields.get(field);
        return v == null ? null : v.toString();
    }

    public long number(String field, long fallback) {
        return fields.get(field) instanceof Number n ? n.longValue() : fallback;
    }

    @SuppressWarnings("unchecked")
    public List<Object> list(String field) {
        return fields.get(field) instanceof List<?> l ? (List<Object>) l : List.of();
    }

    @Override
    public Map<String, Object> toMap() {
        return new LinkedHashMap<>(fields);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + fields;
    }
}
