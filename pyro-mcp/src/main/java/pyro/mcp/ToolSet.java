package pyro.mcp;

import java.util.List;
import pyro.core.PyroException;

/** What one server offers: its tools, its instructions, and a label for its log (a profile or a mode). */
record ToolSet(String label, List<ToolDef> tools, String instructions) {
    static ToolSet of(Profile p, ResultLimit limit) {
        return new ToolSet("profile " + p.wireName(), p.tools(), p.instructions(limit));
    }

    static ToolSet of(Mode m, ResultLimit limit) {
        return new ToolSet("mode " + m.wireName(), m.tools(), m.instructions(limit));
    }

    /** {@code --profile} or {@code --mode} (not both; neither: the default profile). */
    static ToolSet of(String profile, String mode, ResultLimit limit) {
        if (profile != null && mode != null) {
            throw PyroException.invalid("give --profile or --mode, not both: a mode chooses its own tools.");
        }
        return mode != null ? of(Mode.of(mode), limit) : of(profile == null ? Profile.DEFAULT : Profile.of(profile), limit);
    }
}
