package pyro.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * An enum that travels as a fixed name: {@link Messages} writes a component of such a type as its
 * {@link #wire()} name and, reading, accepts only the names of its constants, refusing any other with a
 * {@link ProtocolException} that names the field, the value and the names it takes.
 */
public interface Wire {
    /** The name on the wire (and in every record that shows the value). */
    String wire();

    /** The constant of {@code type} named {@code wire}, or null when none is (or {@code wire} is null). */
    static <E extends Enum<E> & Wire> E find(Class<E> type, String wire) {
        for (E e : type.getEnumConstants()) {
            if (e.wire().equals(wire)) {
                return e;
            }
        }
        return null;
    }

    /** The wire names of {@code type}'s constants as a sentence lists them: {@code a, b or c}. */
    static String names(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Object e : type.getEnumConstants()) {
            names.add(((Wire) e).wire());
        }
        if (names.size() == 1) {
            return names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }
}
