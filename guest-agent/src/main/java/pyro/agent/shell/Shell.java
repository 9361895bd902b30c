package pyro.agent.shell;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import pyro.agent.cgroup.Cgroup;
import pyro.agent.cgroup.Cgroups;
import pyro.protocol.ErrorCode;
import pyro.protocol.Reply;

/**
 * One interactive shell on a PTY. The agent holds the master (non-blocking); a platform thread pumps
 * everything the master yields into an {@link OutputBuffer}. The shell gets the slave as its controlling
 * terminal without native code in the child: {@code setsid} gives it a new session with no terminal, then
 * {@code sh} opens the slave by path (as a session leader without a controlling terminal, the first
 * open of a tty makes it the controlling one) and execs the login shell on it. The agent itself never
 * opens the slave, so it can never acquire the terminal (under busybox init the agent is a session
 * leader, and a hang-up of a terminal it controlled would send it SIGHUP).
 *
 * <p>With cgroups the shell runs in its own {@code user/shell-ID} cgroup, entered before the shell
 * starts, and close ends it with {@code cgroup.kill}: children that left the session with {@code setsid}
 * and closed the terminal die too.
 */
final class Shell {
    static final String LAUNCH_SCRIPT = "exec \"$0\" -l 0<>\"$1\" 1>&0 2>&0";
    private static final int READ_CHUNK = 64 * 1024;
    private static final long WRITE_STALL_MS = 10_000;

    enum State {
        RUNNING, EXITED, CLOSED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    final String id;
    final Path cwd;
    final int cols;
    final int rows;
    final String startedAt;
    final String tty;
    final OutputBuffer output = new OutputBuffer();
    /** Redacts the workspace's secrets from the output before any reader can see it (null: none). */
    private final pyro.agent.secret.SecretFilter filter = pyro.agent.secret.Secrets.get().filter(
            output::append, pyro.agent.secret.SecretFilter.SHELL_IDLE_FLUSH_MS);
    private final int master;
    private final Process process;
    private final Cgroup group;
    private final long startTicks;
    private final Thread reader;
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();
    private final Object writeLock = new Object();
    private final Object closeLock = new Object();
    private volatile boolean fdOpen = true;
    private volatile boolean stopReader;
    private volatile State state = State.RUNNING;
    private volatile Integer exitCode;

    private Shell(String id, Path cwd, int cols, int rows, int master, String tty, Process process, Cgroup group) {
        this.id = id;
        this.cwd = cwd;
        this.cols = cols;
        this.rows = rows;
        this.master = master;
        this.tty = tty;
        this.process = process;
        this.group = group;
        this.startTicks = Procs.stat((int) process.pid()).map(Procs.Proc::startTicks).orElse(-1L);
        this.startedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        this.reader = Thread.ofPlatform().daemon().name("shell-reader-" + id).unstarted(this::pump);
    }

    /** Opens a PTY and starts {@code shell -l} on it in {@code cwd}, inside {@code group} (made here). */
    static Shell open(String id, Path cwd, int cols, int rows, List<String> setsid, String loginShell,
            Map<String, String> env, Cgroup group) throws ShellException, IOException {
        Object[] pty;
        try {
            pty = LibC.openPty();
        } catch (LibC.NativeException e) {
            throw new ShellException(ErrorCode.GUEST_FAILURE, "cannot open a pseudo-terminal: " + e.getMessage());
        }
        int fd = (int) pty[0];
        String slave = (String) pty[1];
        Process p;
        try {
            LibC.setWindowSize(fd, cols, rows);
            group.create();
            List<String> cmd = new ArrayList<>(setsid);
            cmd.addAll(List.of("/bin/sh", "-c", LAUNCH_SCRIPT, loginShell, slave));
            ProcessBuilder pb = new ProcessBuilder(group.wrap(cmd)).directory(cwd.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            p = pb.start();
        } catch (LibC.NativeException e) {
            LibC.close(fd);
            throw new ShellException(ErrorCode.GUEST_FAILURE, "cannot size the pseudo-terminal " + slave + ": "
                    + e.getMessage());
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            Cgroups.current().retire(group);
            throw e;
        }
        Shell s = new Shell(id, cwd, cols, rows, fd, slave, p, group);
        s.reader.start();
        p.onExit().thenRun(s::exited);
        s.awaitTerminal();
        return s;
    }

    /**
     * Waits (up to 5 s) until the shell leads its own session with the terminal as its controlling one,
     * so that a signal or a read right after open finds it in place. A shell that dies first is an error.
     */
    private void awaitTerminal() throws ShellException {
        int pid = (int) process.pid();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            var st = Procs.stat(pid);
            if (st.isPresent() && st.get().session() == pid && st.get().ttyNr() != 0) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            sleep(5);
        }
        if (!process.isAlive()) {
            close();
            throw new ShellException(ErrorCode.GUEST_FAILURE, "shell " + id + " (" + tty + ") exited at once with status "
                    + process.exitValue());
        }
        Shells.log("shell " + id + ": no controlling terminal after 5 s; going on");
    }

    private void exited() {
        exitCode = process.exitValue();
        synchronized (this) {
            if (state == State.RUNNING) {
                state = State.EXITED;
            }
        }
    }

    State state() {
        return state;
    }

    long pid() {
        return process.pid();
    }

    /** Master to buffer until the slave side is gone (every slave fd closed: EIO) or close stops it. */
    private void pump() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = LibC.captureState(arena);
            MemorySegment pfd = LibC.pollfd(arena);
            MemorySegment buf = arena.allocate(READ_CHUNK);
            byte[] heap = new byte[READ_CHUNK];
            while (!stopReader) {
                int ev = LibC.poll(st, pfd, master, LibC.POLLIN, 200);
                if (ev == 0 || ev == -LibC.EINTR) {
                    continue;
                }
                if (ev < 0) {
                    Shells.log("shell " + id + ": poll failed with errno " + -ev);
                    break;
                }
                long n = LibC.read(st, master, buf);
                if (n > 0) {
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, heap, 0, (int) n);
                    if (filter != null) {
                        filter.write(heap, 0, (int) n);
                    } else {
                        output.append(heap, 0, (int) n);
                    }
                } else if (n == -LibC.EAGAIN || n == -LibC.EINTR) {
                    if ((ev & LibC.POLLHUP) != 0) {
                        Thread.sleep(50); // hung up but not yet readable as EIO: do not spin
                    }
                } else {
                    break; // 0 or EIO: no process has the slave open any more
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            Shells.log("shell " + id + ": output reader failed: " + e);
        } finally {
            if (filter != null) {
                filter.flush();
            }
            output.finish();
        }
    }

    /** Writes all of {@code data} to the master; waits (without pinning) while the terminal's input is full. */
    int write(byte[] data) throws ShellException {
        synchronized (writeLock) {
            fdLock.readLock().lock();
            try (Arena arena = Arena.ofConfined()) {
                requireRunning();
                MemorySegment st = LibC.captureState(arena);
                MemorySegment src = arena.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
                long off = 0;
                long stalledSince = System.nanoTime();
                long pause = 1;
                while (off < data.length) {
                    long n = LibC.write(st, master, src.asSlice(off, data.length - off));
                    if (n > 0) {
                        off += n;
                        stalledSince = System.nanoTime();
                        pause = 1;
                    } else if (n == -LibC.EAGAIN || n == -LibC.EINTR || n == 0) {
                        if (state != State.RUNNING) {
                            requireRunning();
                        }
                        if (System.nanoTime() - stalledSince > TimeUnit.MILLISECONDS.toNanos(WRITE_STALL_MS)) {
                            throw new ShellException(ErrorCode.GUEST_FAILURE, "shell " + id + " did not take its input for "
                                    + WRITE_STALL_MS / 1000 + " s (" + off + " of " + data.length + " bytes written)");
                        }
                        Thread.sleep(pause);
                        pause = Math.min(50, pause * 2);
                    } else {
                        throw new ShellException(ErrorCode.GUEST_FAILURE, "writing to shell " + id
                                + " failed with errno " + -n);
                    }
                }
                return data.length;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ShellException(ErrorCode.GUEST_FAILURE, "writing to shell " + id + " was interrupted");
            } finally {
                fdLock.readLock().unlock();
            }
        }
    }

    /** Sends {@code signal} to the terminal's foreground process group; returns that group. */
    int signal(int signal) throws ShellException {
        fdLock.readLock().lock();
        try {
            requireRunning();
            int pgrp;
            try {
                pgrp = LibC.tcgetpgrp(master);
            } catch (LibC.NativeException e) {
                pgrp = 0;
            }
            if (pgrp <= 0) {
                pgrp = (int) process.pid(); // no foreground group known: the shell's own group
            }
            try {
                LibC.kill(-pgrp, signal);
            } catch (LibC.NativeException e) {
                if (e.errno != LibC.ESRCH) {
                    throw new ShellException(ErrorCode.GUEST_FAILURE, "cannot signal process group " + pgrp
                            + " of shell " + id + ": errno " + e.errno);
                }
            }
            return pgrp;
        } finally {
            fdLock.readLock().unlock();
        }
    }

    private void requireRunning() throws ShellException {
        State s = state;
        if (s != State.RUNNING || !fdOpen) {
            throw new ShellException(ErrorCode.CONFLICT, "shell " + id + " is "
                    + (s == State.RUNNING ? State.CLOSED : s).wire());
        }
    }

    /**
     * HUP then KILL every process of the shell (its session, their descendants, anything holding the
     * terminal), stop the reader, close the master. Idempotent.
     */
    void close() {
        synchronized (closeLock) { // a second close waits for the first to finish
            synchronized (this) {
                if (state == State.CLOSED) {
                    return;
                }
                state = State.CLOSED;
            }
            terminate();
        }
    }

    private void terminate() {
        int sid = (int) process.pid();
        List<Procs.Proc> targets = List.of();
        long hupDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        if (group.enabled()) {
            // everything born in the shell is in its cgroup, a setsid child that closed the terminal too
            group.signal("HUP");
            while (group.populated() && System.nanoTime() < hupDeadline) {
                sleep(20);
            }
            Cgroups.current().retire(group); // cgroup.kill; the loop below then finds only strays outside it
        } else {
            targets = Procs.ofShell(sid, startTicks, tty);
            for (Procs.Proc p : targets) {
                signalQuietly(p, LibC.SIGHUP);
            }
            while (!allGone(targets) && System.nanoTime() < hupDeadline) {
                sleep(20);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            List<Procs.Proc> left = new ArrayList<>();
            for (Procs.Proc p : targets) {
                if (!Procs.gone(p)) {
                    left.add(p);
                }
            }
            for (Procs.Proc p : Procs.ofShell(sid, startTicks, tty)) { // anything forked meanwhile
                if (left.stream().noneMatch(q -> q.pid() == p.pid())) {
                    left.add(p);
                }
            }
            if (left.isEmpty() || System.nanoTime() > deadline) {
                if (!left.isEmpty()) {
                    Shells.log("shell " + id + ": processes survived SIGKILL: " + left);
                }
                break;
            }
            for (Procs.Proc p : left) {
                signalQuietly(p, LibC.SIGKILL);
            }
            targets = left;
            sleep(20);
        }
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopReader = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fdLock.writeLock().lock();
        try {
            if (fdOpen) {
                fdOpen = false;
                if (!reader.isAlive()) {
                    LibC.close(master);
                } else {
                    Shells.log("shell " + id + ": reader did not stop; leaving fd " + master + " open");
                }
            }
        } finally {
            fdLock.writeLock().unlock();
        }
        output.release();
    }

    private static boolean allGone(List<Procs.Proc> procs) {
        for (Procs.Proc p : procs) {
            if (!Procs.gone(p)) {
                return false;
            }
        }
        return true;
    }

    private static void signalQuietly(Procs.Proc p, int signal) {
        if (Procs.gone(p)) {
            return;
        }
        try {
            LibC.kill(p.pid(), signal);
        } catch (LibC.NativeException e) {
            // already gone
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Reply.ShellRecord record() {
        State s = state;
        return new Reply.ShellRecord(id, s.wire(), cwd.toString(), (long) cols, (long) rows, process.pid(), startedAt,
                s == State.EXITED ? exitCode : null);
    }
}
