package pyro.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.fuzz.Fuzzer;

/**
 * Frames from the guest: a hostile guest controls every byte of the agent channel. Reading frames and
 * decoding each as a request or reply must end in a frame, a clean end, or a ProtocolException /
 * IOException: never another exception, a hang, or an allocation the length fields ask for unchecked.
 * The seeds are one frame of every request and reply the protocol permits (found by walking the
 * sealed types, with a sample value in each field) and the stream frames.
 */
class GuestFramesFuzzTest {
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

    static Object sample(Class<?> t) {
        if (t == String.class) {
            return "x-1";
        } else if (t == Long.class) {
            return 7L;
        } else if (t == Integer.class) {
            return 3;
        } else if (t == Boolean.class) {
            return true;
        } else if (t == List.class) {
            return List.of("a", "b");
        } else if (t == Map.class) {
            return Map.of("k", "v");
        } else if (t.isEnum()) {
            return t.getEnumConstants()[0];
        }
        return null;
    }

    static List<byte[]> seeds() throws Exception {
        List<Frame> frames = new ArrayList<>();
        long id = 1;
        for (Class<?> root : List.of(Request.class, Reply.class)) {
            for (Class<?> c : leaves(root)) {
                RecordComponent[] comps = c.getRecordComponents();
                Class<?>[] types = new Class<?>[comps.length];
                Object[] values = new Object[comps.length];
                for (int i = 0; i < comps.length; i++) {
                    types[i] = comps[i].getType();
                    values[i] = sample(types[i]);
                }
                Object m;
                try {
                    m = c.getDeclaredConstructor(types).newInstance(values);
                } catch (ReflectiveOperationException e) {
                    m = c.getDeclaredConstructor(types).newInstance(new Object[comps.length]);
                }
                frames.add(m instanceof Request r ? Messages.frame(id++, r) : Messages.frame(id++, (Reply) m));
            }
        }
        frames.add(Messages.data(id, new byte[] {1, 'o', 'k', '\n'}));
        frames.add(Messages.dataEnd(id));
        frames.add(Messages.dataAck(id, 65536));
        List<byte[]> out = new ArrayList<>();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Frame f : frames) {
            ByteArrayOutputStream one = new ByteArrayOutputStream();
            FrameCodec.write(one, f);
            out.add(one.toByteArray());
            FrameCodec.write(all, f);
        }
        out.add(all.toByteArray());
        return out;
    }

    @Test
    void framesFromAHostileGuestAreReadOrRefused() throws Exception {
        Fuzzer.run("guest-frames", seeds(), input -> {
            InputStream in = new ByteArrayInputStream(input);
            for (int n = 0; n < 256; n++) {
                Frame f = FrameCodec.read(in);
                if (f == null) {
                    return;
                }
                if (Messages.isData(f) || Messages.isDataEnd(f) || Messages.isDataAck(f)) {
                    continue;
                }
                if (Messages.isRequest(f)) {
                    Messages.request(f);
                } else {
                    Messages.reply(f);
                }
            }
        }, IOException.class);
    }
}
