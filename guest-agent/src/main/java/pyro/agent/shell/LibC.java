package pyro.agent.shell;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import pyro.agent.Native;

/**
 * The few libc calls a PTY needs, bound with the Foreign Function &amp; Memory API (the guest runtime is
 * java.base only: no JNI, no native library of our own). Every call that can fail captures {@code errno}
 * and reports it in a {@link NativeException}.
 *
 * <p>Constants are the Linux generic values (identical on x86_64 and aarch64).
 */
final class LibC {
    static final int O_RDWR = 2;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final long TIOCSWINSZ = 0x5414;
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final short POLLHUP = 0x10;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int EAGAIN = 11;
    static final int ESRCH = 3;
    static final int SIGHUP = 1;
    static final int SIGINT = 2;
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;

    private static final StructLayout CAPTURE = Native.CAPTURE;
    private static final ValueLayout SIZE_T = Native.SIZE_T;
    private static final ValueLayout INT = ValueLayout.JAVA_INT;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle POSIX_OPENPT = bind("posix_openpt", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle GRANTPT = bind("grantpt", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle UNLOCKPT = bind("unlockpt", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle PTSNAME_R = bind("ptsname_r", FunctionDescriptor.of(INT, INT, PTR, SIZE_T));
    private static final MethodHandle IOCTL_PTR =
            bind("ioctl", FunctionDescriptor.of(INT, INT, ValueLayout.JAVA_LONG, PTR), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL_INT =
            bind("fcntl", FunctionDescriptor.of(INT, INT, INT, INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle TCGETPGRP = bind("tcgetpgrp", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle KILL = bind("kill", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(SIZE_T, INT, PTR, SIZE_T));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(SIZE_T, INT, PTR, SIZE_T));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(INT, PTR, SIZE_T, INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(INT, INT));

    private LibC() {}

    /** A failed libc call: the function name and its errno. */
    static final class NativeException extends Exception {
        final int errno;

        NativeException(String function, int errno) {
            super(function + " failed with errno " + errno);
            this.errno = errno;
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        return Native.bind(name, fd, extra);
    }

    /** A per-thread scratch area for the captured call state. */
    static MemorySegment captureState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment state) {
        return Native.errno(state);
    }

    private static RuntimeException rethrow(Throwable t) {
        return Native.rethrow(t);
    }

    /** Opens a PTY master (O_RDWR|O_NOCTTY), grants and unlocks it; returns {master fd, slave path}. */
    static Object[] openPty() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = captureState(arena);
            int fd = (int) POSIX_OPENPT.invokeExact(st, O_RDWR | O_NOCTTY);
            if (fd < 0) {
                throw new NativeException("posix_openpt", errno(st));
            }
            try {
                if ((int) GRANTPT.invokeExact(st, fd) != 0) {
                    throw new NativeException("grantpt", errno(st));
                }
                if ((int) UNLOCKPT.invokeExact(st, fd) != 0) {
                    throw new NativeException("unlockpt", errno(st));
                }
                MemorySegment name = arena.allocate(128);
                int rc = (int) PTSNAME_R.invokeExact(st, fd, name, name.byteSize());
                if (rc != 0) {
                    throw new NativeException("ptsname_r", rc);
                }
                int flags = (int) FCNTL_INT.invokeExact(st, fd, F_GETFL, 0);
                if (flags < 0 || (int) FCNTL_INT.invokeExact(st, fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                    throw new NativeException("fcntl", errno(st));
                }
                return new Object[] {fd, name.getString(0, StandardCharsets.UTF_8)};
            } catch (NativeException | RuntimeException e) {
                close(fd);
                throw e;
            }
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(TIOCSWINSZ): the terminal size the shell and its programs see. */
    static void setWindowSize(int fd, int cols, int rows) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = captureState(arena);
            MemorySegment ws = arena.allocate(8, 2); // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) cols);
            if ((int) IOCTL_PTR.invokeExact(st, fd, TIOCSWINSZ, ws) != 0) {
                throw new NativeException("ioctl(TIOCSWINSZ)", errno(st));
            }
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The foreground process group of the terminal behind {@code fd}. */
    static int tcgetpgrp(int fd) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = captureState(arena);
            int pgrp = (int) TCGETPGRP.invokeExact(st, fd);
            if (pgrp < 0) {
                throw new NativeException("tcgetpgrp", errno(st));
            }
            return pgrp;
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** kill(2); a negative pid names a process group. */
    static void kill(int pid, int signal) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = captureState(arena);
            if ((int) KILL.invokeExact(st, pid, signal) != 0) {
                throw new NativeException("kill", errno(st));
            }
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2) into {@code buf}; returns the count, or -errno. */
    static long read(MemorySegment st, int fd, MemorySegment buf) {
        try {
            long n = (long) READ.invokeExact(st, fd, buf, buf.byteSize());
            return n >= 0 ? n : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2) from {@code buf}; returns the count, or -errno. */
    static long write(MemorySegment st, int fd, MemorySegment buf) {
        try {
            long n = (long) WRITE.invokeExact(st, fd, buf, buf.byteSize());
            return n >= 0 ? n : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * poll(2) on one fd for {@code events}, {@code pollfd} being 8 bytes of scratch; returns the revents
     * (0 on timeout), or -errno.
     */
    static int poll(MemorySegment st, MemorySegment pollfd, int fd, short events, int timeoutMs) {
        pollfd.set(ValueLayout.JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, events);
        pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        try {
            int r = (int) POLL.invokeExact(st, pollfd, 1L, timeoutMs);
            if (r < 0) {
                return -errno(st);
            }
            return r == 0 ? 0 : pollfd.get(ValueLayout.JAVA_SHORT, 6) & 0xffff;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment pollfd(Arena arena) {
        return arena.allocate(8, 4);
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(captureState(arena), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
