package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.model.ShellInfo;
import pyro.core.model.ShellRead;

/** PTY shells in a real guest; state persists across separate CLI processes. */
class ShellGuestTest {
    static String ws;
    static Pyro pyro;

    @BeforeAll
    static void setUp() {
        ws = SharedWorkspace.id();
        pyro = Guests.sdk(SharedWorkspace.state());
    }

    /** Reads from {@code cursor} until {@code marker} shows up (or 60 s pass); returns all output read. */
    static String readUntil(String shell, long[] cursor, String marker) throws InterruptedException {
        StringBuilder sb = new StringBuilder();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            ShellRead r = pyro.readShell(ws, shell, cursor[0], 1 << 20);
            sb.append(r.output());
            cursor[0] = r.nextCursor();
            if (sb.indexOf(marker) >= 0) {
                return sb.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + marker + "' did not appear; output was: " + sb);
    }

    @Test
    void cdInOneWriteIsSeenByPwdFromAnotherProcess() throws Exception {
        String shell = SharedWorkspace.cli("workspace", "shell", "open", ws, "--id-only").stdout().strip();
        assertEquals(0, SharedWorkspace.cli("workspace", "shell", "write", ws, shell, "--input", "cd /tmp").exitCode());
        assertEquals(0, SharedWorkspace.cli("workspace", "shell", "write", ws, shell, "--input", "echo PWD=$(pwd)").exitCode());
        readUntil(shell, new long[] {0}, "PWD=/tmp");
        java.util.Map<String, Object> status = SharedWorkspace.json("workspace", "status", ws, "--json");
        assertTrue(status.get("shells").toString().contains(shell), "shells are listed in workspace status: " + status);
        assertEquals(0, SharedWorkspace.cli("workspace", "shell", "close", ws, shell).exitCode());
    }

    /** A burst with colours and a CR-redrawn progress line, read once after it went quiet, as plain text. */
    @Test
    void aPlainReadAfterIdleGetsTheWholeBurstAsATerminalShowsIt() throws Exception {
        ShellInfo s = pyro.openShell(ws, null, 120, 30);
        try {
            long start = pyro.readShell(ws, s.shellId(), 0, 1 << 20, 2_000, 500, false).nextCursor();
            pyro.writeShell(ws, s.shellId(), "printf '\\033[31mred\\033[0m\\n'; for i in 1 2 3; do printf '\\r%s0%%' $i; "
                    + "sleep 0.2; done; printf '\\rdone\\n'", true);
            ShellRead r = pyro.readShell(ws, s.shellId(), start, 1 << 20, 30_000, 1_500, true);
            String out = r.output();
            assertTrue(out.contains("red\n") && out.contains("done"), out);
            assertTrue(!out.contains("\u001b") && !out.contains("\r") && !out.contains("30%"), out);
            assertEquals(Boolean.TRUE, r.get("plain"));
        } finally {
            pyro.closeShell(ws, s.shellId());
        }
    }

    @Test
    void interruptReturnsThePrompt() throws Exception {
        ShellInfo s = pyro.openShell(ws, null, 120, 30);
        long[] cursor = {0};
        long idle = pyro.readShell(ws, s.shellId(), 0, 1 << 20).nextCursor();
        long w0 = System.nanoTime();
        pyro.writeShell(ws, s.shellId(), "sleep 1; echo WAITED-$((2*3))", true);
        ShellRead waited = pyro.readShell(ws, s.shellId(), idle, 1 << 20, 20_000);
        assertTrue(!waited.output().isEmpty() && (System.nanoTime() - w0) / 1_000_000 < 20_000,
                "a waiting read returns once output arrives: " + waited.output());
        readUntil(s.shellId(), cursor, "WAITED-6");
        pyro.writeShell(ws, s.shellId(), "sleep 100", true);
        Thread.sleep(1500);
        long t0 = System.nanoTime();
        pyro.signalShell(ws, s.shellId(), "INT");
        pyro.writeShell(ws, s.shellId(), "echo rc=$?", true);
        readUntil(s.shellId(), cursor, "rc=130");
        assertTrue((System.nanoTime() - t0) / 1_000_000_000 < 30);
        pyro.closeShell(ws, s.shellId());
    }

    @Test
    void fiveMegabytesReadInChunksByCursorEqualWhatWasWritten() throws Exception {
        ShellInfo s = pyro.openShell(ws, null, 200, 50);
        long[] cursor = {0};
        // markers are computed by the shell, so the echo of the typed line never matches them
        pyro.writeShell(ws, s.shellId(), "stty -echo; echo READY-$((40+2))", true);
        readUntil(s.shellId(), cursor, "READY-42");
        Thread.sleep(500);
        cursor[0] = pyro.readShell(ws, s.shellId(), cursor[0], 1 << 20).nextCursor();
        pyro.writeShell(ws, s.shellId(), "seq 1 700000; echo END-$((6*7))", true);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long deadline = System.currentTimeMillis() + 300_000;
        while (System.currentTimeMillis() < deadline) {
            ShellRead r = pyro.readShell(ws, s.shellId(), cursor[0], 256 * 1024);
            assertEquals(cursor[0], r.number("cursor", -1));
            all.writeBytes(r.output().getBytes(StandardCharsets.UTF_8));
            cursor[0] = r.nextCursor();
            if (all.toString(StandardCharsets.UTF_8).contains("END-42")) {
                break;
            }
            if (r.output().isEmpty()) {
                Thread.sleep(200);
            }
        }
        String out = all.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
        String body = out.substring(0, out.indexOf("END-42"));
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 700000; i++) {
            expected.append(i).append('\n');
        }
        assertTrue(expected.length() > 4_500_000);
        int start = body.indexOf("1\n2\n3\n");
        assertTrue(start >= 0, "the sequence must be in the output: " + body.substring(0, Math.min(200, body.length())));
        assertEquals(expected.toString(), body.substring(start));
        pyro.closeShell(ws, s.shellId());
    }

    @Test
    void closeLeavesNoProcessOfTheShell() throws Exception {
        ShellInfo s = pyro.openShell(ws, null, 80, 24);
        pyro.writeShell(ws, s.shellId(), "sleep 1234 &", true);
        Thread.sleep(1500);
        assertEquals("1", pyro.execWorkspace(ws, "pgrep -fx 'sleep 1234' | wc -l", null, 30).stdout().strip());
        ShellInfo closed = pyro.closeShell(ws, s.shellId());
        assertEquals("closed", closed.state());
        Thread.sleep(500);
        assertEquals("0", pyro.execWorkspace(ws, "pgrep -fx 'sleep 1234' | wc -l", null, 30).stdout().strip());
        long pid = closed.number("pid", -1);
        assertEquals("gone", pyro.execWorkspace(ws, List.of("sh", "-c", "test -d /proc/" + pid + " && echo alive || echo gone"), null, 30).stdout().strip());
        assertThrows(PyroException.class, () -> pyro.writeShell(ws, s.shellId(), "true", true));
    }

    @Test
    void badInputIsNamed() {
        PyroException unknown = assertThrows(PyroException.class, () -> pyro.readShell(ws, "sh-deadbeef", 0, 100));
        assertEquals(3, unknown.code().exitStatus(), unknown.getMessage());
        assertTrue(assertThrows(PyroException.class, () -> pyro.openShell(ws, null, 0, 10)).getMessage().contains("cols 0"));
        assertTrue(assertThrows(PyroException.class, () -> pyro.openShell(ws, null, 80, 5000)).getMessage().contains("rows 5000"));
        ShellInfo s = pyro.openShell(ws, null, 80, 24);
        assertTrue(assertThrows(PyroException.class, () -> pyro.signalShell(ws, s.shellId(), "FOO")).getMessage().contains("'FOO'"));
        pyro.closeShell(ws, s.shellId());
    }
}
