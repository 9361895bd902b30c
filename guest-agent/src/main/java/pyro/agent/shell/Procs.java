package pyro.agent.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The process table as /proc shows it: enough to find every process that belongs to a shell. */
final class Procs {
    private static final Path PROC = Path.of("/proc");

    private Procs() {}

    /**
     * One process. {@code startTicks} (field 22 of /proc/PID/stat) tells a process from a later one that
     * reuses its pid.
     */
    record Proc(int pid, int ppid, int pgrp, int session, int ttyNr, char state, long startTicks) {
        boolean dead() {
            return state == 'Z' || state == 'X';
        }
    }

    static Optional<Proc> stat(int pid) {
        String s;
        try {
            s = Files.readString(PROC.resolve(Integer.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        int close = s.lastIndexOf(')'); // the command name may hold spaces and parentheses
        if (close < 0) {
            return Optional.empty();
        }
        String[] f = s.substring(close + 2).trim().split(" ");
        // f[0]=state f[1]=ppid f[2]=pgrp f[3]=session f[4]=tty_nr ... f[19]=starttime
        try {
            return Optional.of(new Proc(pid, Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), Integer.parseInt(f[4]), f[0].charAt(0), Long.parseLong(f[19])));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static List<Proc> all() {
        List<Proc> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
                    stat(Integer.parseInt(name)).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to see
        }
        return out;
    }

    /** True when the process is gone, a zombie, or its pid now belongs to another process. */
    static boolean gone(Proc p) {
        Optional<Proc> now = stat(p.pid());
        return now.isEmpty() || now.get().dead() || now.get().startTicks() != p.startTicks();
    }

    /**
     * Every live process of a shell: the shell itself ({@code sid} is its pid), everything in its session,
     * every descendant of any of those, and every process holding {@code tty} open (a process that left
     * the session with {@code setsid} and was orphaned still has the terminal as its stdio).
     * {@code leaderStartTicks} guards against pid reuse: when another process now has the shell's pid,
     * the session id no longer identifies the shell's processes, and only the terminal does.
     */
    static List<Proc> ofShell(int sid, long leaderStartTicks, String tty) {
        List<Proc> all = all();
        boolean reused = all.stream().anyMatch(p -> p.pid() == sid && p.startTicks() != leaderStartTicks);
        int self = (int) ProcessHandle.current().pid();
        Map<Integer, List<Proc>> children = new HashMap<>();
        Set<Integer> picked = new HashSet<>();
        List<Proc> queue = new ArrayList<>();
        for (Proc p : all) {
            children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
            if (p.pid() != self && !p.dead() && (!reused && (p.pid() == sid || p.session() == sid) || holds(p.pid(), tty))) {
                if (picked.add(p.pid())) {
                    queue.add(p);
                }
            }
        }
        for (int i = 0; i < queue.size(); i++) {
            for (Proc c : children.getOrDefault(queue.get(i).pid(), List.of())) {
                if (c.pid() != self && !c.dead() && picked.add(c.pid())) {
                    queue.add(c);
                }
            }
        }
        return queue;
    }

    private static boolean holds(int pid, String tty) {
        if (tty == null) {
            return false;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC.resolve(Integer.toString(pid)).resolve("fd"))) {
            for (Path fd : ds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(tty)) {
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not ours to look at
        }
        return false;
    }
}
