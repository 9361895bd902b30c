package pyro.core.model;

import java.util.Map;

/** What a workspace was seeded from: {@code empty}, {@code directory} or {@code tar_archive}. */
/**
 * How /workspace was seeded; {@code skippedSpecialFiles} counts the sockets, FIFOs and devices of
 * a seed folder that were left out (they cannot be copied into a guest).
 */
public record SeedInfo(String mode, String source, long files, long bytes, long skippedSpecialFiles)
        implements JsonRecord {
    public static final SeedInfo EMPTY = new SeedInfo("empty", null, 0, 0, 0);

    public SeedInfo(String mode, String source, long files, long bytes) {
        this(mode, source, files, bytes, 0);
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("mode", mode)
                .put("source", source)
                .put("files", files)
                .put("bytes", bytes)
                .put("skipped_special_files", skippedSpecialFiles)
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
                ((Number) m.get("bytes")).longValue(),
                m.get("skipped_special_files") instanceof Number n ? n.longValue() : 0);
    }
}
