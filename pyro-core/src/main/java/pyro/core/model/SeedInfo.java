package pyro.core.model;

import java.util.Map;

/** What a workspace was seeded from: {@code empty}, {@code directory} or {@code tar_archive}. */
public record SeedInfo(String mode, String source, long files, long bytes) implements JsonRecord {
    public static final SeedInfo EMPTY = new SeedInfo("empty", null, 0, 0);

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("mode", mode)
                .put("source", source)
                .put("files", files)
                .put("bytes", bytes)
                .map();
    }

    public static SeedInfo fromMap(Map<?, ?> m) {
        if (m == null) {
            return EMPTY;
        }
        return new SeedInfo(
                String.valueOf(m.get("mode")),
                m.get("source") == null ? null : m.get("source").toString(),
                ((Number) m.get("files")).longValue(),
                ((Number) m.get("bytes")).longValue());
    }
}
