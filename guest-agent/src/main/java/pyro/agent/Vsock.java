package pyro.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * An AF_VSOCK listener for the agent channel, bound through the FFM API (the guest runtime is
 * java.base only: no JNI, no native library of our own): socket, bind to {@code VMADDR_CID_ANY} and
 * a port, listen, accept, then read and write on the accepted socket. Every call captures
 * {@code errno} and a failure names the call and its errno.
 *
 * <p>A blocking downcall pins the thread that makes it, so every blocking call here runs on a
 * platform thread: accept, and the waits in poll of the agent's reader. Accepted sockets are
 * non-blocking, so a virtual thread that sends a reply makes only calls that return at once and
 * parks (unmounting) while the socket is full.
 */
final class Vsock {
    static final int AF_VSOCK = 40;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 02000000;
    static final int VMADDR_CID_ANY = -1;
    static final int EINTR = 4;
    static final int EAFNOSUPPORT = 97;

    private static final StructLayout CAPTURE = Native.CAPTURE;
    private static final ValueLayout SIZE_T = Native.SIZE_T;
    private static final ValueLayout INT = ValueLayout.JAVA_INT;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;
    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle ACCEPT = bind("accept", FunctionDescriptor.of(INT, INT, PTR, PTR));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(SIZE_T, INT, PTR, SIZE_T));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(SIZE_T, INT, PTR, SIZE_T));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt", FunctionDescriptor.of(INT, INT, INT, INT, PTR, INT));
    private static final MethodHandle FCNTL =
            bind("fcntl", FunctionDescriptor.of(INT, INT, INT, INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(INT, PTR, ValueLayout.JAVA_LONG, INT));
    static final int SHUT_RDWR = 2;
    static final int EAGAIN = 11;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 04000;
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    /** setsockopt level AF_VSOCK: SO_VM_SOCKETS_BUFFER_SIZE and _MAX_SIZE (u64 values). */
    static final int SO_VM_SOCKETS_BUFFER_SIZE = 0;
    static final int SO_VM_SOCKETS_BUFFER_MAX_SIZE = 2;
    /**
     * The receive buffer each connection advertises to the host (its credit): 4 MiB instead of the
     * kernel's 256 KiB, so a bulk upload does not stall on credit updates from a slow (emulated) guest.
     */
    static final long BUFFER_BYTES = 4L << 20;

    private Vsock() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        return Native.bind(name, fd, extra);
    }

    private static int errno(MemorySegment state) {
        return Native.errno(state);
    }

    private static IOException failed(String call, int errno) {
        String hint = errno == EAFNOSUPPORT ? " (the kernel has no vsock: are vsock and vmw_vsock_virtio_transport loaded?)" : "";
        return new IOException(call + " failed with errno " + errno + hint);
    }

    private static RuntimeException rethrow(Throwable t) {
        return Native.rethrow(t);
    }

    /** The 16-byte {@code struct sockaddr_vm}: u16 family, u16 reserved, u32 port, u32 cid, u8 flags, 3 zero bytes. */
    static MemorySegment sockaddr(Arena arena, int cid, int port) {
        MemorySegment sa = arena.allocate(16, 4);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_VSOCK);
        sa.set(ValueLayout.JAVA_INT, 4, port);
        sa.set(ValueLayout.JAVA_INT, 8, cid);
        return sa;
    }

    /** A socket listening on {@code port} for connections from the host (any CID). */
    static final class Listener implements AutoCloseable {
        private final int fd;
        final int port;

        private Listener(int fd, int port) {
            this.fd = fd;
            this.port = port;
        }

        static Listener open(int port) throws IOException {
            if (port <= 0) {
                throw new IllegalArgumentException("a vsock port must be above 0, not " + port);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = arena.allocate(CAPTURE);
                int fd = (int) SOCKET.invokeExact(st, AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0) {
                    throw failed("socket(AF_VSOCK)", errno(st));
                }
                // accepted connections inherit the listener's buffer size; a kernel that refuses keeps its default
                MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
                size.set(ValueLayout.JAVA_LONG, 0, BUFFER_BYTES);
                int ignoredMax = (int) SETSOCKOPT.invokeExact(st, fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, size, 8);
                int ignoredSize = (int) SETSOCKOPT.invokeExact(st, fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, size, 8);
                if ((int) BIND.invokeExact(st, fd, sockaddr(arena, VMADDR_CID_ANY, port), 16) != 0) {
                    int e = errno(st);
                    int ignored = (int) CLOSE.invokeExact(st, fd);
                    throw failed("bind(vsock port " + port + ")", e);
                }
                if ((int) LISTEN.invokeExact(st, fd, 4) != 0) {
                    int e = errno(st);
                    int ignored = (int) CLOSE.invokeExact(st, fd);
                    throw failed("listen(vsock port " + port + ")", e);
                }
                return new Listener(fd, port);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** Blocks (call it on a platform thread) until the host connects; retries EINTR. */
        Conn accept() throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = arena.allocate(CAPTURE);
                while (true) {
                    int c = (int) ACCEPT.invokeExact(st, fd, MemorySegment.NULL, MemorySegment.NULL);
                    if (c >= 0) {
                        return new Conn(c);
                    }
                    int e = errno(st);
                    if (e != EINTR) {
                        throw failed("accept(vsock port " + port + ")", e);
                    }
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public void close() {
            closeFd(fd);
        }
    }

    static void closeFd(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * One accepted connection, non-blocking underneath: the reader (the agent's platform reader thread)
     * waits in poll for input, and a writer (any thread, the virtual threads that send replies among
     * them) writes directly while the socket takes bytes; when it is full, a platform thread waits in
     * poll and a virtual thread parks, so no virtual thread ever blocks inside a downcall. A lock keeps
     * the descriptor from being closed while a write is in it (and so from being reused under it).
     */
    static final class Conn implements AutoCloseable {
        private final int fd;
        private final java.util.concurrent.locks.ReentrantReadWriteLock use = new java.util.concurrent.locks.ReentrantReadWriteLock();
        private volatile boolean closed;

        Conn(int fd) throws IOException {
            this.fd = fd;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = arena.allocate(CAPTURE);
                int flags = (int) FCNTL.invokeExact(st, fd, F_GETFL, 0);
                if (flags < 0 || (int) FCNTL.invokeExact(st, fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                    int e = errno(st);
                    closeFd(fd);
                    throw failed("fcntl(O_NONBLOCK)", e);
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** Waits (on a platform thread) until the socket is readable or writable, as {@code events} asks. */
        private void await(MemorySegment st, MemorySegment pfd, short events, int timeoutMs) throws Throwable {
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, events);
            pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int rc = (int) POLL.invokeExact(st, pfd, 1L, timeoutMs);
            if (rc < 0 && errno(st) != EINTR) {
                throw failed("poll(vsock)", errno(st));
            }
        }

        InputStream input() {
            return new InputStream() {
                private final Arena arena = Arena.ofShared();
                private final MemorySegment st = arena.allocate(CAPTURE);
                private final MemorySegment pfd = arena.allocate(8, 4);
                private final MemorySegment buf = arena.allocate(1 << 18);

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    try {
                        while (true) {
                            if (closed) {
                                return -1;
                            }
                            long n = (long) READ.invokeExact(st, fd, buf, (long) Math.min(len, (int) buf.byteSize()));
                            if (n > 0) {
                                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                                return (int) n;
                            }
                            if (n == 0) {
                                return -1;
                            }
                            int e = errno(st);
                            if (e == EAGAIN) {
                                await(st, pfd, POLLIN, 1_000); // the reader is a platform thread
                            } else if (e != EINTR) {
                                throw failed("read(vsock)", e);
                            }
                        }
                    } catch (IOException | RuntimeException | Error e) {
                        throw e;
                    } catch (Throwable t) {
                        throw rethrow(t);
                    }
                }

                @Override
                public int available() {
                    return 0;
                }
            };
        }

        OutputStream output() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return;
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment st = arena.allocate(CAPTURE);
                        MemorySegment pfd = arena.allocate(8, 4);
                        MemorySegment data = arena.allocate(len);
                        MemorySegment.copy(b, off, data, ValueLayout.JAVA_BYTE, 0, len);
                        long done = 0;
                        while (done < len) {
                            long w;
                            int e = 0;
                            use.readLock().lock();
                            try {
                                if (closed) {
                                    throw new IOException("the vsock connection is closed");
                                }
                                w = (long) WRITE.invokeExact(st, fd, data.asSlice(done), (long) len - done);
                                if (w < 0) {
                                    e = errno(st);
                                }
                            } finally {
                                use.readLock().unlock();
                            }
                            if (w > 0) {
                                done += w;
                            } else if (e == EAGAIN) {
                                if (Thread.currentThread().isVirtual()) {
                                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                                } else {
                                    await(st, pfd, POLLOUT, 100);
                                }
                            } else if (e != EINTR) {
                                throw failed("write(vsock)", e);
                            }
                        }
                    } catch (IOException | RuntimeException | Error e) {
                        throw e;
                    } catch (Throwable t) {
                        throw rethrow(t);
                    }
                }
            };
        }

        /** Ends the connection; a write in progress finishes its call first, and none starts after. */
        @Override
        public void close() {
            use.writeLock().lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                try (Arena arena = Arena.ofConfined()) {
                    int ignored = (int) SHUTDOWN.invokeExact(arena.allocate(CAPTURE), fd, SHUT_RDWR);
                } catch (Throwable t) {
                    throw rethrow(t);
                }
                closeFd(fd);
            } finally {
                use.writeLock().unlock();
            }
        }
    }
}
