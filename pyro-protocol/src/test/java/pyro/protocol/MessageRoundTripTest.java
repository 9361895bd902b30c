package pyro.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every request and reply the protocol permits, found by walking the sealed hierarchies (a new one
 * cannot be forgotten), filled with a value in every field (nested records, lists and enums included)
 * and sent through the real codec as bytes: each comes back equal. The fields a record may carry are
 * the codec's alone (strings, integers, booleans, string maps, lists, nested records, {@link Wire} enums),
 * so no message travels as an untyped map.
 */
class MessageRoundTripTest {
    private int counter;

    @Test
    void everyPermittedRequestAndReplySurvivesTheCodecWithEveryFieldSet() throws Exception {
        List<Class<?>> all = new ArrayList<>(RequestKindsTest.leaves(Request.class));
        all.addAll(RequestKindsTest.leaves(Reply.class));
        assertTrue(all.size() >= 55, all.toString());
        Set<String> names = new HashSet<>();
        for (Class<?> c : all) {
            Record message = (Record) sample(c);
            assertTrue(names.add(Messages.typeName(message)), "two messages are named " + Messages.typeName(message));
            Frame f = message instanceof Request r ? Messages.frame(41, r) : Messages.frame(41, (Reply) message);
            Frame back = throughBytes(f);
            Object decoded = message instanceof Request ? Messages.request(back) : Messages.reply(back);
            assertEquals(message, decoded, c.getSimpleName() + " through " + back);
            assertEquals(41, back.id());
        }
    }

    @Test
    void everyRequestDeclaresTheReplyThatAnswersIt() {
        List<Class<?>> replies = RequestKindsTest.leaves(Reply.class);
        for (Class<?> c : RequestKindsTest.leaves(Request.class)) {
            Class<? extends Reply> r = Messages.replyType(c);
            assertTrue(replies.contains(r), c + " is answered by " + r);
            assertFalse(r == Reply.Error.class || r == Reply.Hello.class, c + " is answered by " + r);
        }
        // the compiler knows it too: no class token
        Class<Reply.ExecResult> exec = Messages.replyType(new Request.Exec(List.of("true"), null, null, null, null));
        assertEquals(Reply.ExecResult.class, exec);
        assertEquals(Reply.PortsResult.class, Messages.replyType(new Request.PortList()));
    }

    @Test
    void aReplyOfAnotherTypeThanTheRequestsIsRefused() {
        Frame pong = Messages.frame(5, new Reply.Pong("1"));
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> Messages.reply(pong, new Request.ServiceList()));
        assertEquals("expected service_list_result but the peer sent pong", e.getMessage());
    }

    @Test
    void noRecordCarriesAnUntypedMap() {
        List<Class<?>> all = new ArrayList<>(RequestKindsTest.leaves(Request.class));
        all.addAll(RequestKindsTest.leaves(Reply.class));
        for (Class<?> c : all) {
            checkTyped(c, c.getSimpleName(), new HashSet<>());
        }
    }

    private static void checkTyped(Class<?> c, String where, Set<Class<?>> seen) {
        if (!seen.add(c)) {
            return;
        }
        for (RecordComponent rc : c.getRecordComponents()) {
            checkType(rc.getGenericType(), where + "." + rc.getName(), seen);
        }
    }

    private static void checkType(Type t, String where, Set<Class<?>> seen) {
        if (t instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (raw == Map.class) {
                assertEquals(String.class, p.getActualTypeArguments()[1], where + " maps to something else than strings");
            } else {
                checkType(p.getActualTypeArguments()[0], where, seen);
            }
            return;
        }
        Class<?> c = (Class<?>) t;
        assertNotEquals(Object.class, c, where + " is untyped");
        assertFalse(c.isPrimitive(), where + " is primitive: absent must be null");
        if (c.isEnum()) {
            assertTrue(Wire.class.isAssignableFrom(c) || c == ErrorCode.class, where + " is an enum without a wire name");
        }
        if (c.isRecord()) {
            checkTyped(c, where, seen);
        }
    }

    @Test
    void anUnknownEnumValueIsRefusedNamingTheFieldTheValueAndTheNames() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("id", 3);
        h.put("type", "shell_signal");
        h.put("shell_id", "sh-1");
        h.put("signal", "sigint");
        ProtocolException e = assertThrows(ProtocolException.class, () -> Messages.request(new Frame(h)));
        assertEquals("shell_signal signal must be one of INT, TERM, HUP or KILL, got 'sigint'", e.getMessage());

        Map<String, Object> probe = new LinkedHashMap<>(Map.of("type", "ping"));
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("id", 4);
        start.put("type", "service_start");
        start.put("name", "web");
        start.put("readiness", probe);
        e = assertThrows(ProtocolException.class, () -> Messages.request(new Frame(start)));
        assertEquals("service_start readiness type must be one of none, file, tcp, http or command, got 'ping'",
                e.getMessage());

        start.put("readiness", null);
        start.put("restart", 3);
        e = assertThrows(ProtocolException.class, () -> Messages.request(new Frame(start)));
        assertEquals("service_start restart must be one of no, on-failure or always, got 3", e.getMessage());
    }

    @Test
    void enumsTravelAsTheirWireNames() throws Exception {
        Frame f = Messages.frame(1, new Request.ServiceLogs("web", null, Request.LogStream.STDERR, null, null));
        assertEquals("stderr", f.header().get("stream"));
        Frame start = Messages.frame(2, new Request.ServiceStart("web", List.of("x"), null, null,
                new Request.Probe(Request.ProbeType.TCP, null, "127.0.0.1", 80, null, null, null, null),
                Request.Restart.ON_FAILURE, null, null));
        assertEquals("on-failure", start.header().get("restart"));
        assertEquals("tcp", ((Map<?, ?>) throughBytes(start).header().get("readiness")).get("type"));
    }

    private static Frame throughBytes(Frame f) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, f);
        return FrameCodec.read(new ByteArrayInputStream(out.toByteArray()));
    }

    /** An instance of record {@code c} with a distinct value in every component. */
    private Object sample(Class<?> c) throws Exception {
        RecordComponent[] rcs = c.getRecordComponents();
        Class<?>[] types = new Class<?>[rcs.length];
        Object[] args = new Object[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            types[i] = rcs[i].getType();
            args[i] = value(rcs[i].getGenericType());
        }
        return c.getDeclaredConstructor(types).newInstance(args);
    }

    private Object value(Type t) throws Exception {
        int n = ++counter;
        if (t instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (raw == List.class) {
                return List.of(value(p.getActualTypeArguments()[0]), value(p.getActualTypeArguments()[0]));
            }
            if (raw == Map.class) {
                return Map.of("K" + n, "v" + n);
            }
            throw new AssertionError("no sample for " + t);
        }
        Class<?> c = (Class<?>) t;
        if (c == String.class) {
            return "s" + n;
        }
        if (c == Long.class) {
            return 1_000_000_000_000L + n;
        }
        if (c == Integer.class) {
            return n;
        }
        if (c == Boolean.class) {
            return n % 2 == 0;
        }
        if (c.isEnum()) {
            Object[] constants = c.getEnumConstants();
            return constants[n % constants.length];
        }
        if (c.isRecord()) {
            return sample(c);
        }
        throw new AssertionError("no sample for " + t);
    }
}
