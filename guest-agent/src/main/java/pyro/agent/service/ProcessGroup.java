package pyro.agent.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Signals for a service's process group. A service is started through {@code setsid}, so its pid is also
 * its process group id: the group is signalled with {@code kill -SIG -- -PGID} (atomically, when a
 * {@code kill} program exists), then every member found in {@code /proc} and every descendant we can see
 * gets the signal too, so children that left the group or were re-parented do not survive.
 */
final class ProcessGroup {
    static final String SETSID = executable("setsid");
    private static final String KILL = executable("kill");

    private ProcessGroup() {}

    private static String executable(String name) {
        for (String dir : new String[] {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** Signals the group led by {@code leader}, its members and its descendants; TERM, or KILL when forced. */
    static void kill(ProcessHandle leader, boolean force) {
        List<ProcessHandle> targets = new ArrayList<>(leader.descendants().toList());
        signal(leader.pid(), targets, force);
        if (force) {
            leader.destroyForcibly();
        } else {
            leader.destroy();
        }
    }

    /** Signals process group {@code pgid} (the leader may be gone) plus {@code extra} processes. */
    static void signal(long pgid, List<ProcessHandle> extra, boolean force) {
        if (SETSID != null && KILL != null) {
            try {
                new ProcessBuilder(KILL, force ? "-KILL" : "-TERM", "--", "-" + pgid)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor(2, TimeUnit.SECONDS);
            } catch (IOException e) {
                // fall back to the /proc scan below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<ProcessHandle> all = new ArrayList<>(extra);
        if (SETSID != null) {
            for (long pid : members(pgid)) {
                ProcessHandle.of(pid).ifPresent(all::add);
            }
        }
        for (ProcessHandle h : all) {
            if (h.pid() == ProcessHandle.current().pid()) {
                continue;
            }
            if (force) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        }
    }

    /** Pids whose process group is {@code pgid}, read from {@code /proc/PID/stat} (empty without /proc). */
    static List<Long> members(long pgid) {
        List<Long> out = new ArrayList<>();
        Path proc = Path.of("/proc");
        if (pgid <= 1 || !Files.isDirectory(proc)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, p -> p.getFileName().toString().chars()
                .allMatch(Character::isDigit))) {
            for (Path p : ds) {
                try {
                    String stat = Files.readString(p.resolve("stat"), StandardCharsets.UTF_8);
                    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f.length > 2 && !f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // process ended while we looked
                }
            }
        } catch (IOException e) {
            // no /proc listing
        }
        return out;
    }

    /** Whether any live (non-zombie) process is still in group {@code pgid}. */
    static boolean anyAlive(long pgid) {
        return !members(pgid).isEmpty();
    }
}
