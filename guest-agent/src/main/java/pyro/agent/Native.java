package pyro.agent;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * What every libc binding of the agent shares (the PTY calls of {@code shell.LibC}, the socket calls
 * of {@link Vsock}): downcall handles that capture {@code errno}, reading it back, and turning what a
 * handle throws into an unchecked exception.
 */
public final class Native {
    public static final Linker LINKER = Linker.nativeLinker();
    /** The layout of the captured call state: allocate one per call (or per thread) and pass it first. */
    public static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    public static final ValueLayout SIZE_T = (ValueLayout) LINKER.canonicalLayouts().get("size_t");
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private Native() {}

    /** libc's {@code name} as a handle that captures errno (plus {@code extra} options, e.g. a variadic start). */
    public static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** The errno a call captured into {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** What {@code invokeExact} threw, unchecked (an Error is thrown as it is). */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
