package pyro.core.model;

import java.util.Map;

/** Services of a workspace counted per state. */
public record ServiceCounts(int starting, int running, int stopped, int exited, int failed) implements JsonRecord {
    public static final ServiceCounts NONE = new ServiceCounts(0, 0, 0, 0, 0);

    public int total() {
        return starting + running + stopped + exited + failed;
    }

    @Override
    public Map<String, Object> toMap() {
        return Fields.of()
                .put("starting", starting)
                .put("running", running)
                .put("stopped", stopped)
                .put("exited", exited)
                .put("failed", failed)
                .map();
    }
}
