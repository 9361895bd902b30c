package pyro.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

/**
 * An AF_VSOCK listener for the agent channel, bound through the FFM API (the guest runtime is
 * java.base only: no JNI, no native library of our own): socket, bind to {@code VMADDR_CID_ANY} and
 * a port, listen, accept, then read and write on the accepted socket. Every call captures
 * {@code errno} and a failure names the call and its errno.
 *
 * <p>A blocking downcall pins the thread that makes it, so every blocking call here runs on a
 * platform thread: accept and read on the caller's (the agent's reader, a platform thread), and
 * writes on one platform writer thread per connection, which {@link Conn#output()} hands the bytes
 * to; a virtual thread that sends a reply only waits on that hand-off, which unmounts it.
 */
final class Vsock {
    static final int AF_VSOCK = 40;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 02000000;
    static final int VMADDR_CID_ANY = -1;
    static final int EINTR = 4;
    static final int EAFNOSUPPORT = 97;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout SIZE_T = (ValueLayout) LINKER.canonicalLayouts().get("size_t");
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
    static final int SHUT_RDWR = 2;

    private Vsock() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static IOException failed(String call, int errno) {
        String hint = errno == EAFNOSUPPORT ? " (the kernel has no vsock: are vsock and vmw_vsock_virtio_transport loaded?)" : "";
        return new IOException(call + " failed with errno " + errno + hint);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
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

    /** One accepted connection: an input read on the caller's thread, an output written by its own platform thread. */
    static final class Conn implements AutoCloseable {
        private static final byte[] END = new byte[0];
        private final int fd;
        private final BlockingQueue<byte[]> pending = new ArrayBlockingQueue<>(32);
        private final CountDownLatch writerDone = new CountDownLatch(1);
        private volatile IOException writeFailure;
        private volatile boolean closed;

        Conn(int fd) {
            this.fd = fd;
            Thread.ofPlatform().name("vsock-writer-" + fd).daemon().start(this::writeLoop);
        }

        private void writeLoop() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = arena.allocate(CAPTURE);
                MemorySegment buf = arena.allocate(1 << 16);
                while (true) {
                    byte[] chunk = pending.take();
                    if (chunk == END) {
                        return;
                    }
                    for (int off = 0; off < chunk.length; ) {
                        int n = Math.min(chunk.length - off, (int) buf.byteSize());
                        MemorySegment.copy(chunk, off, buf, ValueLayout.JAVA_BYTE, 0, n);
                        int done = 0;
                        while (done < n) {
                            long w = (long) WRITE.invokeExact(st, fd, buf.asSlice(done), (long) (n - done));
                            if (w < 0) {
                                int e = errno(st);
                                if (e == EINTR) {
                                    continue;
                                }
                                throw failed("write(vsock)", e);
                            }
                            done += (int) w;
                        }
                        off += n;
                    }
                }
            } catch (IOException e) {
                writeFailure = e;
                pending.clear();
            } catch (InterruptedException e) {
                writeFailure = new IOException("the vsock writer was interrupted");
            } catch (Throwable t) {
                writeFailure = new IOException("the vsock writer failed: " + t);
            } finally {
                writerDone.countDown();
            }
        }

        InputStream input() {
            return new InputStream() {
                private final Arena arena = Arena.ofShared();
                private final MemorySegment st = arena.allocate(CAPTURE);
                private final MemorySegment buf = arena.allocate(1 << 16);

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
                    if (closed) {
                        return -1;
                    }
                    try {
                        while (true) {
                            long n = (long) READ.invokeExact(st, fd, buf, (long) Math.min(len, (int) buf.byteSize()));
                            if (n > 0) {
                                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                                return (int) n;
                            }
                            if (n == 0) {
                                return -1;
                            }
                            int e = errno(st);
                            if (e != EINTR) {
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
                    if (writeFailure != null) {
                        throw writeFailure;
                    }
                    if (closed) {
                        throw new IOException("the vsock connection is closed");
                    }
                    if (len == 0) {
                        return;
                    }
                    try {
                        pending.put(java.util.Arrays.copyOfRange(b, off, off + len));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while writing to the vsock channel");
                    }
                }
            };
        }

        /**
         * Drops what was not written yet (the peer is gone), stops the writer (shutting the socket down
         * if it is stuck in a write), and only then closes the descriptor, so the writer can never
         * write to a descriptor number the process has reused.
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            pending.clear();
            pending.offer(END);
            try {
                if (!writerDone.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    int ignored = (int) SHUTDOWN.invokeExact(Arena.ofAuto().allocate(CAPTURE), fd, SHUT_RDWR);
                    writerDone.await(5, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                throw rethrow(t);
            }
            closeFd(fd);
        }
    }
}
