package pyro.core.model;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds ordered JSON maps; package-private helper for the records. */
final class Fields {
    private final Map<String, Object> map = new LinkedHashMap<>();

    static Fields of() {
        return new Fields();
    }

    Fields put(String key, Object value) {
        map.put(key, value instanceof JsonRecord r ? r.toMap() : value);
        return this;
    }

    Map<String, Object> map() {
        return map;
    }
}
