package pyro.core.model;

import java.util.Map;

/** {@code env warm}: a booted guest saved for VMs of one size, so their boots restore it. */
public record WarmInfo(String environment, int vcpuCount, int memMib, String detail) implements JsonRecord {
    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("environment", environment)
                .put("vcpu_count", vcpuCount)
                .put("mem_mib", memMib)
                .put("detail", detail)
                .map();
    }
}
