package pyro.core.model;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A record with one JSON shape. {@code --json}, MCP tool results and the SDK's {@link #toJson()} all
 * print {@link #toMap()}, so the three faces cannot drift apart.
 */
public interface JsonRecord {
    /** The record as an ordered map with the contract's snake_case field names. */
    Map<String, Object> toMap();

    default String toJson() {
        try {
            return JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT, JSON.Feature.WRITE_NULL_PROPERTIES).asString(toMap());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
