package pyro.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message of the host-agent protocol: a JSON header (always carrying {@code id} and {@code type})
 * and an optional binary payload.
 *
 * <p>Wire format, big-endian: {@code u32 headerLength, u32 payloadLength, header (UTF-8 JSON), payload}.
 * The first frame on a channel is the agent's {@code hello}, which names the protocol version.
 */
public record Frame(Map<String, Object> header, byte[] payload) {
    public static final int PROTOCOL_VERSION = 1;
    public static final int MAX_HEADER_BYTES = 16 * 1024 * 1024;
    public static final int MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;
    private static final byte[] NONE = new byte[0];

    public Frame {
        header = Collections.unmodifiableMap(new LinkedHashMap<>(header));
        payload = payload == null ? NONE : payload;
    }

    public Frame(Map<String, Object> header) {
        this(header, NONE);
    }

    public long id() {
        Object v = header.get("id");
        return v instanceof Number n ? n.longValue() : 0L;
    }

    public String type() {
        Object v = header.get("type");
        return v == null ? "" : v.toString();
    }

    public String string(String key) {
        Object v = header.get(key);
        return v == null ? null : v.toString();
    }

    public long longValue(String key, long fallback) {
        Object v = header.get(key);
        return v instanceof Number n ? n.longValue() : fallback;
    }

    public boolean bool(String key) {
        return Boolean.TRUE.equals(header.get(key));
    }

    @Override
    public String toString() {
        return "Frame" + header + (payload.length > 0 ? "+" + payload.length + "B" : "");
    }
}
