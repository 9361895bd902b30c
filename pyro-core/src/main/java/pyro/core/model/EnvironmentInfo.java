package pyro.core.model;

import java.util.List;
import java.util.Map;

/** A guest environment (image) and whether it is built in the local cache. */
public record EnvironmentInfo(
        String name,
        String description,
        List<String> packages,
        boolean installed,
        String cachePath,
        String kernelVersion,
        String builtAt,
        long sizeBytes)
        implements JsonRecord {

    public EnvironmentInfo {
        packages = List.copyOf(packages);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("name", name)
                .put("description", description)
                .put("packages", packages)
                .put("installed", installed)
                .put("cache_path", cachePath)
                .put("kernel_version", kernelVersion)
                .put("built_at", builtAt)
                .put("size_bytes", sizeBytes)
                .map();
    }
}
