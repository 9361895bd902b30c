package pyro.core.model;

import java.util.List;
import java.util.Map;

/** {@code service list}: {@code workspace_id, count, running_count, services}. */
public record ServiceList(String workspaceId, List<ServiceInfo> services) implements JsonRecord {
    public ServiceList {
        services = List.copyOf(services);
    }

    public long runningCount() {
        return services.stream().filter(s -> "running".equals(s.state())).count();
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("workspace_id", workspaceId)
                .put("count", services.size())
                .put("running_count", runningCount())
                .put("services", services.stream().map(s -> {
                    Map<String, Object> m = s.toMap();
                    m.remove("workspace_id");
                    return m;
                }).toList())
                .map();
    }
}
