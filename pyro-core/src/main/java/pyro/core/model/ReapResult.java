package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code vm_reap_expired}: ids whose TTL had passed and whose resources were released. */
public record ReapResult(List<String> reaped) implements JsonRecord {
    public ReapResult {
        reaped = List.copyOf(reaped);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of().put("count", reaped.size()).put("reaped", reaped).map();
    }
}
