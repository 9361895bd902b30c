package pyro.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

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
    private static final Map<Class<?>, Class<? extends Reply>> REPLY_TYPES =
            new java.util.concurrent.ConcurrentHashMap<>();

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

    public static Frame frame(long id, Request<?> request) {
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
        return RecordCodec.fields(message);
    }

    /**
     * The record of {@code type} whose fields are {@code fields} (as {@link #fields} makes them), checked as
     * a frame's are: for records kept on disk in the wire's shape (the agent's {@code service.json}).
     */
    public static <T extends Record> T fromFields(Class<T> type, Map<String, Object> fields, String what)
            throws ProtocolException {
        return type.cast(RecordCodec.decode(type, fields, what));
    }

    // ---- decoding

    /** Decodes a request frame; an unknown type or a field of the wrong type is a ProtocolException naming it. */
    public static Request<?> request(Frame f) throws ProtocolException {
        Class<?> c = TYPES.get(f.type());
        if (c == null || !Request.class.isAssignableFrom(c)) {
            throw new ProtocolException("unknown request type '" + f.type() + "'");
        }
        return (Request<?>) RecordCodec.decode(c, f.header(), f.type());
    }

    /** Decodes a reply frame (an {@code error} frame too). */
    public static Reply reply(Frame f) throws ProtocolException {
        Class<?> c = TYPES.get(f.type());
        if (c == null || !Reply.class.isAssignableFrom(c)) {
            throw new ProtocolException("unexpected reply type '" + f.type() + "'");
        }
        return (Reply) RecordCodec.decode(c, f.header(), f.type());
    }

    /** Decodes a reply and checks it is the expected type; an error reply is returned as such by the caller's check. */
    public static <T extends Reply> T reply(Frame f, Class<T> expected) throws ProtocolException {
        Reply r = reply(f);
        if (!expected.isInstance(r)) {
            throw new ProtocolException("expected " + typeName(expected) + " but the peer sent " + f.type());
        }
        return expected.cast(r);
    }

    /** Decodes the terminal reply to {@code request}, checking it is the type that request is answered with. */
    public static <R extends Reply> R reply(Frame f, Request<R> request) throws ProtocolException {
        return reply(f, replyType(request));
    }

    /** The reply type {@code request} is answered with (an {@code error} reply aside). */
    @SuppressWarnings("unchecked")
    public static <R extends Reply> Class<R> replyType(Request<R> request) {
        return (Class<R>) replyType(request.getClass());
    }

    /**
     * The reply type a request record declares ({@code Exec implements ToAgent<Reply.ExecResult>}), read
     * once per type; a request that declares none is a programming error, named.
     */
    static Class<? extends Reply> replyType(Class<?> requestType) {
        return REPLY_TYPES.computeIfAbsent(requestType, t -> {
            for (java.lang.reflect.Type i : t.getGenericInterfaces()) {
                if (i instanceof java.lang.reflect.ParameterizedType p && p.getRawType() instanceof Class<?> raw
                        && Request.class.isAssignableFrom(raw) && p.getActualTypeArguments()[0] instanceof Class<?> r
                        && Reply.class.isAssignableFrom(r)) {
                    return r.asSubclass(Reply.class);
                }
            }
            throw new IllegalStateException(t.getName() + " does not declare the reply that answers it");
        });
    }

}
