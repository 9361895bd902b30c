package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code env prune}: cache entries removed (broken, partial or unknown) and bytes freed. */
public record PruneResult(List<String> removed, long bytesFreed) implements JsonRecord {
    public PruneResult {
        removed = List.copyOf(removed);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of().put("removed", removed).put("bytes_freed", bytesFreed).map();
    }
}
