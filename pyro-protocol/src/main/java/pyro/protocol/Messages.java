package pyro.protocol;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one encoder and decoder of {@link Request}s and {@link Reply}s, used by the host managers, the
 * supervisor and the guest agent alike. The wire stays the framed JSON of {@link Frame}: a header
 * with {@code id} and {@code type} plus one field per record component, named in snake_case
 * ({@code timeoutMs} is {@code timeout_ms}). The wire names of the message types are written here
 * and nowhere else.
 *
 * <p>Decoding checks every field's JSON type against the record and names the field and the bad
 * value when it does not fit; ranges and meanings are the receiver's to check.
 */
public final class Messages {
    public static final String DATA = "data";
    public static final String DATA_END = "data_end";
    /** A receiver's credit: it consumed {@code bytes} more of a stream (-1: it gave up the stream). */
    public static final String DATA_ACK = "data_ack";
    /** The most bytes of a port forward's stream in flight, unacknowledged, each way. */
    public static final int FORWARD_WINDOW = 1 << 20;
    /** The largest data frame a port forward sends; every frame costs at least 1 KiB of the window. */
    public static final int FORWARD_CHUNK = 64 * 1024;
    private static final String ERROR = "error";

    private static final Map<Class<?>, String> NAMES = new LinkedHashMap<>();
    private static final Map<String, Class<?>> TYPES = new LinkedHashMap<>();
    private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();
    private static final Map<RecordComponent, String> FIELD_NAMES = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Constructor<?>> CONSTRUCTORS = new ConcurrentHashMap<>();

    static {
        name(Request.Ping.class, "ping");
        name(Request.Shutdown.class, "shutdown");
        name(Request.Exec.class, "exec");
        name(Request.Import.class, "import");
        name(Request.Export.class, "export");
        name(Request.Snapshot.class, "snapshot");
        name(Request.Discard.class, "discard");
        name(Request.FileList.class, "file_list");
        name(Request.FileRead.class, "file_read");
        name(Request.FileWrite.class, "file_write");
        name(Request.ServiceStart.class, "service_start");
        name(Request.ServiceList.class, "service_list");
        name(Request.ServiceStatus.class, "service_status");
        name(Request.ServiceLogs.class, "service_logs");
        name(Request.ServiceStop.class, "service_stop");
        name(Request.ShellOpen.class, "shell_open");
        name(Request.ShellRead.class, "shell_read");
        name(Request.ShellWrite.class, "shell_write");
        name(Request.ShellSignal.class, "shell_signal");
        name(Request.ShellClose.class, "shell_close");
        name(Request.ShellList.class, "shell_list");
        name(Request.Reseed.class, "reseed");
        name(Request.SecretsPut.class, "secrets_put");
        name(Request.SecretsGet.class, "secrets_get");
        name(Request.PortConnect.class, "port_connect");
        name(Request.Cancel.class, "cancel");
        name(Request.PortPublish.class, "port_publish");
        name(Request.PortUnpublish.class, "port_unpublish");
        name(Request.PortList.class, "port_list");
        name(Request.VmStatus.class, "status");
        name(Request.VmStop.class, "stop");
        name(Request.VmPause.class, "vm_pause");
        name(Request.VmResume.class, "vm_resume");
        name(Request.VmSave.class, "vm_save");
        name(Reply.Hello.class, "hello");
        name(Reply.Pong.class, "pong");
        name(Reply.ShutdownResult.class, "shutdown_result");
        name(Reply.ReseedResult.class, "reseed_result");
        name(Reply.Error.class, ERROR);
        name(Reply.ExecResult.class, "exec_result");
        name(Reply.ImportResult.class, "import_result");
        name(Reply.ExportResult.class, "export_result");
        name(Reply.SnapshotResult.class, "snapshot_result");
        name(Reply.DiscardResult.class, "discard_result");
        name(Reply.FileListResult.class, "file_list_result");
        name(Reply.FileReadResult.class, "file_read_result");
        name(Reply.FileWriteResult.class, "file_write_result");
        name(Reply.ServiceResult.class, "service_result");
        name(Reply.ServiceListResult.class, "service_list_result");
        name(Reply.ServiceLogsResult.class, "service_logs_result");
        name(Reply.ShellResult.class, "shell_result");
        name(Reply.ShellReadResult.class, "shell_read_result");
        name(Reply.ShellWriteResult.class, "shell_write_result");
        name(Reply.ShellSignalResult.class, "shell_signal_result");
        name(Reply.ShellListResult.class, "shell_list_result");
        name(Reply.SecretsResult.class, "secrets_result");
        name(Reply.SecretValues.class, "secret_values");
        name(Reply.PortConnectResult.class, "port_connect_result");
        name(Reply.PortsResult.class, "ports_result");
        name(Reply.VmStatusResult.class, "status_result");
        name(Reply.VmStopResult.class, "stop_result");
        name(Reply.CancelResult.class, "cancel_result");
        name(Reply.VmControlResult.class, "vm_control_result");
        name(Reply.VmSaveResult.class, "vm_save_result");
    }

    private Messages() {}

    private static void name(Class<? extends Record> type, String wire) {
        NAMES.put(type, wire);
        TYPES.put(wire, type);
    }

    /** The wire name of a request or reply type ({@code exec}, {@code service_result}, ...). */
    public static String typeName(Class<?> type) {
        String n = NAMES.get(type);
        if (n == null) {
            throw new IllegalArgumentException(type + " is not a protocol message");
        }
        return n;
    }

    /** The wire name of a message. */
    public static String typeName(Record message) {
        return typeName(message.getClass());
    }

    // ---- frames

    public static Frame frame(long id, Request request) {
        return new Frame(header(id, (Record) request));
    }

    public static Frame frame(long id, Reply reply) {
        return new Frame(header(id, (Record) reply));
    }

    /** One chunk of an upload or download. */
    public static Frame data(long id, byte[] chunk) {
        return new Frame(Map.of("id", id, "type", DATA), chunk);
    }

    /** The end of an upload or download. */
    public static Frame dataEnd(long id) {
        return new Frame(Map.of("id", id, "type", DATA_END));
    }

    /** A stream receiver's credit for {@code bytes} consumed (-1: abort). */
    public static Frame dataAck(long id, long bytes) {
        return new Frame(Map.of("id", id, "type", DATA_ACK, "bytes", bytes));
    }

    public static boolean isDataAck(Frame f) {
        return DATA_ACK.equals(f.type());
    }

    /** The window cost of a data frame of {@code n} bytes. */
    public static long forwardCost(long n) {
        return Math.max(n, 1024);
    }

    public static boolean isData(Frame f) {
        return DATA.equals(f.type());
    }

    public static boolean isDataEnd(Frame f) {
        return DATA_END.equals(f.type());
    }

    public static boolean isError(Frame f) {
        return ERROR.equals(f.type());
    }

    /** Whether a frame carries a request (as opposed to a reply or data). */
    public static boolean isRequest(Frame f) {
        Class<?> c = TYPES.get(f.type());
        return c != null && Request.class.isAssignableFrom(c);
    }

    /** Whether a frame is the agent's hello. */
    public static boolean isHello(Frame f) {
        return typeName(Reply.Hello.class).equals(f.type());
    }

    /** The same frame with another id (the supervisor relays frames under fresh ids). */
    public static Frame withId(Frame f, long id) {
        Map<String, Object> h = new LinkedHashMap<>(f.header());
        h.put("id", id);
        return new Frame(h, f.payload());
    }

    private static Map<String, Object> header(long id, Record message) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("id", id);
        h.put("type", typeName(message));
        h.putAll(fields(message));
        return h;
    }

    /** The message's fields as the wire carries them, without {@code id} and {@code type}. */
    public static Map<String, Object> fields(Record message) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent rc : components(message.getClass())) {
            m.put(fieldName(rc), encodeValue(value(rc, message)));
        }
        return m;
    }

    private static Object encodeValue(Object v) {
        if (v instanceof ErrorCode code) {
            return code.wireName();
        }
        if (v instanceof Record r) {
            return fields(r);
        }
        return v;
    }

    // ---- decoding

    /** Decodes a request frame; an unknown type or a field of the wrong type is a ProtocolException naming it. */
    public static Request request(Frame f) throws ProtocolException {
        Class<?> c = TYPES.get(f.type());
        if (c == null || !Request.class.isAssignableFrom(c)) {
            throw new ProtocolException("unknown request type '" + f.type() + "'");
        }
        return (Request) decode(c, f.header(), f.type());
    }

    /** Decodes a reply frame (an {@code error} frame too). */
    public static Reply reply(Frame f) throws ProtocolException {
        Class<?> c = TYPES.get(f.type());
        if (c == null || !Reply.class.isAssignableFrom(c)) {
            throw new ProtocolException("unexpected reply type '" + f.type() + "'");
        }
        return (Reply) decode(c, f.header(), f.type());
    }

    /** Decodes a reply and checks it is the expected type; an error reply is returned as such by the caller's check. */
    public static <T extends Reply> T reply(Frame f, Class<T> expected) throws ProtocolException {
        Reply r = reply(f);
        if (!expected.isInstance(r)) {
            throw new ProtocolException("expected " + typeName(expected) + " but the peer sent " + f.type());
        }
        return expected.cast(r);
    }

    private static Object decode(Class<?> type, Map<String, Object> header, String context)
            throws ProtocolException {
        RecordComponent[] rcs = components(type);
        Object[] args = new Object[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            String field = fieldName(rcs[i]);
            args[i] = decodeValue(rcs[i].getGenericType(), header.get(field), context + " " + field);
        }
        try {
            return canonical(type).newInstance(args);
        } catch (InvocationTargetException e) {
            throw new ProtocolException(context + ": " + e.getCause().getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object decodeValue(Type type, Object v, String what) throws ProtocolException {
        if (v == null) {
            return null;
        }
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == String.class) {
            if (v instanceof String s) {
                return s;
            }
            throw wrong(what, "a string", v);
        }
        if (raw == Long.class) {
            return integral(v, what);
        }
        if (raw == Integer.class) {
            long n = integral(v, what);
            if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
                throw wrong(what, "a 32-bit integer", v);
            }
            return (int) n;
        }
        if (raw == Boolean.class) {
            if (v instanceof Boolean b) {
                return b;
            }
            throw wrong(what, "true or false", v);
        }
        if (raw == ErrorCode.class) {
            return ErrorCode.fromWire(String.valueOf(v));
        }
        if (raw.isRecord()) {
            if (v instanceof Map<?, ?> m) {
                return decode(raw, stringKeys(m), what);
            }
            throw wrong(what, "an object", v);
        }
        if (raw == List.class) {
            if (!(v instanceof List<?> list)) {
                throw wrong(what, "a list", v);
            }
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (o == null) {
                    throw wrong(what, "a list without nulls", v);
                }
                out.add(decodeValue(element, o, what + " element"));
            }
            return Collections.unmodifiableList(out);
        }
        if (raw == Map.class) {
            if (!(v instanceof Map<?, ?> m)) {
                throw wrong(what, "an object", v);
            }
            Type valueType = ((ParameterizedType) type).getActualTypeArguments()[1];
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (valueType == String.class && !(e.getValue() instanceof String)) {
                    throw wrong(what + " entry '" + e.getKey() + "'", "a string", e.getValue());
                }
                out.put(String.valueOf(e.getKey()), e.getValue());
            }
            return Collections.unmodifiableMap(out);
        }
        if (raw == Object.class) {
            return v;
        }
        throw new IllegalStateException("no wire form for " + type);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static long integral(Object v, String what) throws ProtocolException {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof java.math.BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) < 9.0e15) {
            return n.longValue();
        }
        throw wrong(what, "an integer", v);
    }

    private static ProtocolException wrong(String what, String expected, Object v) {
        String shown = v instanceof String s ? "'" + s + "'" : String.valueOf(v);
        return new ProtocolException(what + " must be " + expected + ", got " + shown);
    }

    // ---- records

    private static RecordComponent[] components(Class<?> type) {
        return COMPONENTS.computeIfAbsent(type, Class::getRecordComponents);
    }

    /** The record's canonical constructor, looked up once per type (every decoded frame needs one). */
    private static Constructor<?> canonical(Class<?> type) {
        return CONSTRUCTORS.computeIfAbsent(type, t -> {
            RecordComponent[] rcs = components(t);
            Class<?>[] types = new Class<?>[rcs.length];
            for (int i = 0; i < rcs.length; i++) {
                types[i] = rcs[i].getType();
            }
            try {
                return t.getDeclaredConstructor(types);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String fieldName(RecordComponent rc) {
        return FIELD_NAMES.computeIfAbsent(rc, c -> snake(c.getName()));
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char ch = camel.charAt(i);
            if (Character.isUpperCase(ch)) {
                sb.append('_').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static Object value(RecordComponent rc, Record r) {
        try {
            return rc.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
