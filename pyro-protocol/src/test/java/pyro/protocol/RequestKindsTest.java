package pyro.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every request the protocol permits, found by walking the sealed hierarchy (so a new one cannot be
 * forgotten): each is answered by exactly one side (the agent or the supervisor), has a wire name of
 * its own, and survives the codec with its fields absent.
 */
class RequestKindsTest {
    static List<Class<?>> leaves(Class<?> c) {
        List<Class<?>> out = new ArrayList<>();
        if (c.isRecord()) {
            out.add(c);
        } else {
            for (Class<?> p : c.getPermittedSubclasses()) {
                out.addAll(leaves(p));
            }
        }
        return out;
    }

    @Test
    void eachRequestIsAnsweredByOneSideHasItsOwnNameAndRoundTrips() throws Exception {
        List<Class<?>> all = leaves(Request.class);
        assertTrue(all.size() >= 30, all.toString());
        Set<String> names = new HashSet<>();
        for (Class<?> c : all) {
            boolean agent = Request.ToAgent.class.isAssignableFrom(c);
            boolean supervisor = Request.ToSupervisor.class.isAssignableFrom(c);
            assertTrue(agent != supervisor, c + " must be answered by exactly one side");
            RecordComponent[] comps = c.getRecordComponents();
            Class<?>[] types = new Class<?>[comps.length];
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
                assertFalse(types[i].isPrimitive(), c + "." + comps[i].getName() + " is primitive: absent must be null");
            }
            Request r = (Request) c.getDeclaredConstructor(types).newInstance(new Object[comps.length]);
            String name = Messages.typeName((Record) r);
            assertTrue(names.add(name), "two requests are named " + name);
            Frame f = Messages.frame(7, r);
            assertEquals(r, Messages.request(f), c.getSimpleName());
        }
    }
}
