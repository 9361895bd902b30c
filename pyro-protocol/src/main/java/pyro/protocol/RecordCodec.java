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
 * The reflective codec behind {@link Messages}: a record's components are its fields, named in
 * snake_case, and each field's type says what the wire may carry there (strings, integers, booleans,
 * string maps, lists, nested records, {@link Wire} enums, {@link ErrorCode}). Decoding checks every
 * field's JSON type and names the field and the bad value when it does not fit.
 */
final class RecordCodec {
    private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();
    private static final Map<RecordComponent, String> FIELD_NAMES = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Constructor<?>> CONSTRUCTORS = new ConcurrentHashMap<>();

    private RecordCodec() {}

    static Map<String, Object> fields(Record message) {
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
        if (v instanceof Wire w) {
            return w.wire();
        }
        if (v instanceof Record r) {
            return fields(r);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(encodeValue(o));
            }
            return out;
        }
        return v;
    }

    static Object decode(Class<?> type, Map<String, Object> header, String context)
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
        if (raw.isEnum() && Wire.class.isAssignableFrom(raw)) {
            for (Object e : raw.getEnumConstants()) {
                if (((Wire) e).wire().equals(v)) {
                    return e;
                }
            }
            throw wrong(what, "one of " + Wire.names(raw), v);
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
            if (valueType != String.class) {
                throw new IllegalStateException("no wire form for " + type + ": maps carry strings only");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String value)) {
                    throw wrong(what + " entry '" + e.getKey() + "'", "a string", e.getValue());
                }
                out.put(String.valueOf(e.getKey()), value);
            }
            return Collections.unmodifiableMap(out);
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
