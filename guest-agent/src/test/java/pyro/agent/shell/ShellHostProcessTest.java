package pyro.agent.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.protocol.Frame;

/** Interactive PTY shells through the real agent, run as a separate JVM on a temp workspace root. */
class ShellHostProcessTest {
    @TempDir
    static Path tmp;

    static Path root;
    static ShellAgentProcess agent;

    @BeforeAll
    static void startAgent() throws IOException {
        root = Files.createDirectories(tmp.resolve("ws"));
        Files.createDirectories(root.resolve("sub"));
        agent = new ShellAgentProcess(root);
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    static Map<String, Object> req(String type, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Frame call(String type, Object... kv) throws Exception {
        return agent.call(req(type, kv));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> open(Object... kv) throws Exception {
        Frame f = call("shell_open", kv);
        assertEquals("shell_result", f.type(), f.toString());
        return (Map<String, Object>) f.header().get("shell");
    }

    static void write(String shell, String input) throws Exception {
        Frame f = call("shell_write", "shell_id", shell, "input", input);
        assertEquals("shell_write_result", f.type(), f.toString());
        assertEquals(input.getBytes(StandardCharsets.UTF_8).length + 1, ((Number) f.header().get("bytes")).intValue());
    }

    /** Output read so far and the cursor to continue from. */
    static final class Reader {
        final String shell;
        final StringBuilder text = new StringBuilder();
        long cursor;

        Reader(String shell) {
            this.shell = shell;
        }

        /** Reads by cursor until {@code pattern} is found in what was read since {@code from}; returns the match end. */
        int until(Pattern pattern, int from, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                var m = pattern.matcher(text);
                if (m.find(from)) {
                    return m.end();
                }
                if (System.nanoTime() > deadline) {
                    fail("no " + pattern + " in the output of " + shell + " within " + timeout + ": "
                            + text.substring(Math.max(0, text.length() - 2000)));
                }
                step(65536, 500);
            }
        }

        Frame step(int max, int waitMs) throws Exception {
            Frame f = call("shell_read", "shell_id", shell, "cursor", cursor, "max_chars", max, "wait_ms", waitMs);
            assertEquals("shell_read_result", f.type(), f.toString());
            assertEquals(cursor, f.longValue("cursor", -1), "reads are contiguous");
            assertEquals(false, f.header().get("truncated"));
            String out = f.string("output");
            long next = f.longValue("next_cursor", -1);
            assertEquals(cursor + out.getBytes(StandardCharsets.UTF_8).length, next);
            text.append(out);
            cursor = next;
            return f;
        }
    }

    static String id(Map<String, Object> shell) {
        return (String) shell.get("shell_id");
    }

    static int pid(Map<String, Object> shell) {
        return ((Number) shell.get("pid")).intValue();
    }

    /** Fields of /proc/PID/stat after the command name: [0]=state [1]=ppid [2]=pgrp [3]=session [4]=tty_nr. */
    static Optional<String[]> stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return Optional.of(s.substring(s.lastIndexOf(')') + 2).trim().split(" "));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static boolean gone(long pid) {
        Optional<String[]> s = stat(pid);
        return s.isEmpty() || s.get()[0].equals("Z") || s.get()[0].equals("X");
    }

    /** Live processes whose command line is exactly {@code argv} (NUL-separated in /proc). */
    static List<Long> processesRunning(String... argv) throws IOException {
        String want = String.join("\0", argv) + "\0";
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (Files.readString(p.resolve("cmdline"), StandardCharsets.ISO_8859_1).equals(want)
                            && !gone(Long.parseLong(name))) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return out;
    }

    static void waitFor(String what, Duration timeout, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void openGivesARecordAndTheTerminalControlsTheShellSession() throws Exception {
        Map<String, Object> s = open("cwd", "/workspace/sub", "cols", 90, "rows", 25);
        try {
            assertTrue(id(s).matches("sh-[0-9a-f]{8}"), s.toString());
            assertEquals("running", s.get("state"));
            assertEquals(root.resolve("sub").toString(), s.get("cwd"));
            assertEquals(90, ((Number) s.get("cols")).intValue());
            assertEquals(25, ((Number) s.get("rows")).intValue());
            Instant.parse((String) s.get("started_at"));
            assertNull(s.get("exit_code"), "no exit code while it runs");
            int pid = pid(s);
            String[] st = stat(pid).orElseThrow();
            assertEquals(Integer.toString(pid), st[3], "the shell leads its own session");
            assertNotEquals("0", st[4], "the shell has a controlling terminal");
            Reader r = new Reader(id(s));
            write(id(s), "stty size; echo \"T=$TERM\"; pwd");
            String real = root.resolve("sub").toRealPath().toString();
            r.until(Pattern.compile("[\r\n]25 90\r?\n"), 0, Duration.ofSeconds(20));
            r.until(Pattern.compile("[\r\n]T=xterm-256color\r?\n"), 0, Duration.ofSeconds(20));
            r.until(Pattern.compile("[\r\n]" + Pattern.quote(real) + "\r?\n"), 0, Duration.ofSeconds(20));
            String[] agentStat = stat(agent.process.pid()).orElseThrow();
            assertNotEquals(st[4], agentStat[4], "the agent never takes the shell's terminal");
            if (agentStat[3].equals(Long.toString(agent.process.pid()))) { // started as a session leader
                assertEquals("0", agentStat[4], "the agent, a session leader, still has no controlling terminal");
            }
        } finally {
            call("shell_close", "shell_id", id(s));
        }
    }

    @Test
    void cdInOneWriteIsSeenByPwdInALaterWrite() throws Exception {
        String sh = id(open());
        try {
            Reader r = new Reader(sh);
            write(sh, "cd /tmp");
            write(sh, "pwd");
            r.until(Pattern.compile("[\r\n]/tmp\r?\n"), 0, Duration.ofSeconds(20));
        } finally {
            call("shell_close", "shell_id", sh);
        }
    }

    @Test
    void interruptStopsTheForegroundJobAndThePromptReturns() throws Exception {
        Map<String, Object> s = open();
        String sh = id(s);
        try {
            Reader r = new Reader(sh);
            long started = System.nanoTime();
            write(sh, "sleep 100");
            long[] sleepPid = new long[1];
            waitFor("sleep 100 to run in the foreground", Duration.ofSeconds(20), () -> {
                for (long p : processesRunning("sleep", "100")) {
                    String[] st = stat(p).orElse(null);
                    if (st != null && st[3].equals(Integer.toString(pid(s)))) {
                        sleepPid[0] = p;
                        return true;
                    }
                }
                return false;
            });
            Frame sig = call("shell_signal", "shell_id", sh, "signal", "INT");
            assertEquals("shell_signal_result", sig.type(), sig.toString());
            assertEquals("INT", sig.string("signal"));
            assertEquals(sleepPid[0], sig.longValue("pgrp", -1), "the foreground group is the sleep's own");
            write(sh, "echo \"rc=$?\"");
            r.until(Pattern.compile("rc=130"), 0, Duration.ofSeconds(20));
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(30).toNanos(), "took " + (System.nanoTime() - started) / 1_000_000 + " ms");
            waitFor("sleep to be gone", Duration.ofSeconds(5), () -> gone(sleepPid[0]));
            // at the prompt the foreground group is the shell's own
            Frame again = call("shell_signal", "shell_id", sh, "signal", "INT");
            assertEquals(pid(s), again.longValue("pgrp", -1));
            // the wire takes the names alone: the host turns sigint into INT before it asks
            assertError(call("shell_signal", "shell_id", sh, "signal", "sigint"), "invalid_input",
                    "signal must be one of INT, TERM, HUP or KILL, got 'sigint'");
        } finally {
            call("shell_close", "shell_id", sh);
        }
    }

    @Test
    void fiveMegabytesReadBackInChunksByCursorAreExact() throws Exception {
        String sh = id(open());
        try {
            Reader r = new Reader(sh);
            write(sh, "echo BE''GIN; seq 1 700000; echo EN''D");
            long seed = System.nanoTime();
            Random rnd = new Random(seed);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            Pattern end = Pattern.compile("\nEND\r?\n");
            while (!end.matcher(r.text).find()) {
                if (System.nanoTime() > deadline) {
                    fail("output did not end within 120 s (seed " + seed + "), have " + r.cursor + " bytes");
                }
                r.step(1 + rnd.nextInt(200_000), 1000);
            }
            String all = r.text.toString();
            int from = all.indexOf("BEGIN\r\n");
            int to = all.lastIndexOf("END\r\n");
            assertTrue(from >= 0 && to > from, "markers found");
            String got = all.substring(from + "BEGIN\r\n".length(), to);
            StringBuilder want = new StringBuilder(5_400_000);
            for (int i = 1; i <= 700_000; i++) {
                want.append(i).append("\r\n");
            }
            if (!got.contentEquals(want)) {
                int i = 0;
                while (i < Math.min(got.length(), want.length()) && got.charAt(i) == want.charAt(i)) {
                    i++;
                }
                fail("output differs at char " + i + " (seed " + seed + "): got "
                        + got.substring(i, Math.min(got.length(), i + 40)) + " want "
                        + want.substring(i, Math.min(want.length(), i + 40)));
            }
            assertTrue(r.cursor > 5_000_000, "cursor " + r.cursor);
        } finally {
            call("shell_close", "shell_id", sh);
        }
    }

    @Test
    void aReadWaitsForOutputWhenAskedTo() throws Exception {
        String sh = id(open());
        try {
            Reader r = new Reader(sh);
            write(sh, "echo rea''dy");
            r.until(Pattern.compile("ready\r?\n"), 0, Duration.ofSeconds(20));
            Thread.sleep(300); // let the prompt arrive
            while (!r.step(65536, 0).string("output").isEmpty()) {
                Thread.sleep(100);
            }
            long id = agent.start(req("shell_read", "shell_id", sh, "cursor", r.cursor, "wait_ms", 20_000));
            Thread.sleep(300);
            long t0 = System.nanoTime();
            write(sh, "echo later");
            Frame f = agent.await(id, Duration.ofSeconds(30));
            assertEquals("shell_read_result", f.type(), f.toString());
            assertFalse(f.string("output").isEmpty());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
        } finally {
            call("shell_close", "shell_id", sh);
        }
    }

    @Test
    void closeLeavesNoProcessOfTheShell() throws Exception {
        Map<String, Object> s = open();
        String sh = id(s);
        int base = 10_000 + new Random().nextInt(80_000);
        String[] n = new String[5];
        for (int i = 0; i < n.length; i++) {
            n[i] = Integer.toString(base + i);
        }
        write(sh, "sleep " + n[0] + " & (trap '' HUP; sleep " + n[1] + ") & nohup sleep " + n[2]
                + " >/dev/null 2>&1 & setsid sleep " + n[3] + " & sleep " + n[4] + " | cat &");
        waitFor("the background sleeps", Duration.ofSeconds(20), () -> {
            for (String x : n) {
                if (processesRunning("sleep", x).isEmpty()) {
                    return false;
                }
            }
            return true;
        });
        Set<Long> pids = new TreeSet<>();
        pids.add((long) pid(s));
        ProcessHandle.of(pid(s)).orElseThrow().descendants().forEach(h -> pids.add(h.pid()));
        for (String x : n) {
            pids.addAll(processesRunning("sleep", x));
        }
        assertTrue(pids.size() >= 7, "shell, 5 sleeps, a subshell and cat: " + pids);
        long escaped = processesRunning("sleep", n[3]).get(0);
        assertNotEquals(Integer.toString(pid(s)), stat(escaped).orElseThrow()[3], "setsid sleep left the session");
        Frame f = call("shell_close", "shell_id", sh);
        assertEquals("shell_result", f.type(), f.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> rec = (Map<String, Object>) f.header().get("shell");
        assertEquals("closed", rec.get("state"));
        Map<Long, String> alive = new HashMap<>();
        for (long p : pids) {
            if (!gone(p)) {
                alive.put(p, String.join(" ", stat(p).orElse(new String[0])));
            }
        }
        assertEquals(Map.of(), alive, "processes of the shell left after close");
        // closed: no more writes, signals or reads; close again is harmless; list shows it closed
        Frame w = call("shell_write", "shell_id", sh, "input", "echo hi");
        assertEquals("error", w.type());
        assertEquals("conflict", w.string("code"));
        assertEquals("shell " + sh + " is closed", w.string("message"));
        assertEquals("conflict", call("shell_signal", "shell_id", sh, "signal", "INT").string("code"));
        assertEquals("conflict", call("shell_read", "shell_id", sh).string("code"));
        assertEquals("shell_result", call("shell_close", "shell_id", sh).type());
        Frame list = call("shell_list");
        assertEquals("shell_list_result", list.type());
        assertTrue(((List<?>) list.header().get("shells")).stream()
                .anyMatch(o -> o instanceof Map<?, ?> m && sh.equals(m.get("shell_id")) && "closed".equals(m.get("state"))));
    }

    @Test
    void aShellThatExitsReportsItsCodeAndRefusesInput() throws Exception {
        String sh = id(open());
        write(sh, "exit 3");
        @SuppressWarnings("unchecked")
        Map<String, Object>[] rec = new Map[1];
        waitFor("the shell to exit", Duration.ofSeconds(20), () -> {
            for (Object o : (List<?>) call("shell_list").header().get("shells")) {
                if (o instanceof Map<?, ?> m && sh.equals(m.get("shell_id")) && "exited".equals(m.get("state"))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> mm = (Map<String, Object>) m;
                    rec[0] = mm;
                    return true;
                }
            }
            return false;
        });
        assertEquals(3, ((Number) rec[0].get("exit_code")).intValue());
        Frame w = call("shell_write", "shell_id", sh, "input", "echo hi");
        assertEquals("conflict", w.string("code"));
        assertEquals("shell " + sh + " is exited", w.string("message"));
        Frame r = call("shell_read", "shell_id", sh, "cursor", 0);
        assertEquals("shell_read_result", r.type(), "the output of an exited shell stays readable");
        assertEquals("exited", r.string("state"));
        assertEquals("shell_result", call("shell_close", "shell_id", sh).type());
    }

    @Test
    void badInputIsRefusedNamingTheValue() throws Exception {
        assertError(call("shell_read", "shell_id", "sh-00000000"), "not_found", "sh-00000000");
        assertError(call("shell_write", "shell_id", "sh-nope", "input", "x"), "not_found", "sh-nope");
        assertError(call("shell_signal", "shell_id", "sh-nope", "signal", "INT"), "not_found", "sh-nope");
        assertError(call("shell_close", "shell_id", "sh-nope"), "not_found", "sh-nope");
        assertError(call("shell_open", "cols", 0), "invalid_input", "cols 0");
        assertError(call("shell_open", "rows", 5000), "invalid_input", "rows 5000");
        assertError(call("shell_open", "cols", "wide"), "invalid_input", "wide");
        assertError(call("shell_open", "cwd", "/etc"), "invalid_input", "/etc");
        assertError(call("shell_open", "cwd", "missing"), "invalid_input", "missing");
        String sh = id(open());
        try {
            assertError(call("shell_signal", "shell_id", sh, "signal", "FOO"), "invalid_input", "FOO");
            assertError(call("shell_read", "shell_id", sh, "max_chars", 0), "invalid_input", "max_chars 0");
            assertError(call("shell_read", "shell_id", sh, "cursor", -1), "invalid_input", "cursor -1");
            assertError(call("shell_read", "shell_id", sh, "cursor", 1L << 40), "invalid_input",
                    Long.toString(1L << 40));
            assertError(call("shell_write", "shell_id", sh), "invalid_input", "input");
        } finally {
            call("shell_close", "shell_id", sh);
        }
    }

    static void assertError(Frame f, String code, String named) {
        assertEquals("error", f.type(), f.toString());
        assertEquals(code, f.string("code"), f.toString());
        assertTrue(f.string("message").contains(named), f.string("message") + " should name " + named);
    }
}
