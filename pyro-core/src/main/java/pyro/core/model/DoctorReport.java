package pyro.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code pyro doctor}: host facts gathered by probing. {@code ok} says whether guests can run. */
public record DoctorReport(boolean ok, Map<String, Object> facts) implements JsonRecord {
    public DoctorReport {
        facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", ok);
        m.putAll(facts);
        return m;
    }
}
