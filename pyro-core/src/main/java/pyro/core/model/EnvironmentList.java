package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code env list}. */
public record EnvironmentList(List<EnvironmentInfo> environments) implements JsonRecord {
    public EnvironmentList {
        environments = List.copyOf(environments);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("count", environments.size())
                .put("environments", environments.stream().map(EnvironmentInfo::toMap).toList())
                .map();
    }
}
