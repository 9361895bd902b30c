package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.LogQuery;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.ServiceOptions;
import pyro.core.Workspace;
import pyro.core.WorkspaceOptions;
import pyro.core.model.ExecResult;
import pyro.core.model.ShellRead;
import pyro.protocol.ErrorCode;

/**
 * The SDK's workspace handle ({@code pyro.workspace(id)}) over the real agent as a host process: each
 * call through it is the flat SDK call's record, and an exec's options (cwd, timeout as a Duration,
 * streamed output) reach the guest.
 */
class WorkspaceHandleHostProcessTest {
    static Pyro pyro;
    static Workspace ws;

    @BeforeAll
    static void create() {
        Path state = HostProcess.stateDir("handle");
        pyro = HostProcess.pyro(state);
        String id = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).name("handled").memMib(256)).workspaceId();
        ws = pyro.workspace("handled");
        assertEquals(id, ws.status().workspaceId(), "a name makes a handle as an id does");
    }

    @AfterAll
    static void delete() {
        if (ws != null) {
            ws.delete();
        }
    }

    @Test
    void execTakesItsOptionsAsOneValueAndStreamsWhenAsked() {
        ws.exec("mkdir -p src && echo hi > src/a.txt");
        StringBuilder seen = new StringBuilder();
        ExecResult r = ws.exec(Workspace.Exec.of("cat a.txt; pwd").cwd("src").timeout(Duration.ofSeconds(20))
                .onOutput((stderr, chunk) -> seen.append(new String(chunk, StandardCharsets.UTF_8))));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().startsWith("hi\n") && r.stdout().trim().endsWith("/src"), r.stdout());
        assertEquals(r.stdout(), seen.toString(), "the streamed output is the record's");
        ExecResult slow = ws.exec(Workspace.Exec.argv("sleep", "5").timeout(Duration.ofMillis(1500)));
        assertTrue(slow.timedOut(), slow.toString());
        PyroException bad = assertThrows(PyroException.class, () -> ws.exec(Workspace.Exec.of("true").timeout(Duration.ZERO)));
        assertEquals(ErrorCode.INVALID_INPUT, bad.code());
    }

    @Test
    void filesServicesAndShellsAreTheFlatCallsRecords() throws Exception {
        ws.files().write("notes/todo.txt", "one\n");
        assertEquals("one\n", ws.files().read("notes/todo.txt").content());
        assertEquals(pyro.listFiles(ws.id(), "notes", false).toMap(), ws.files().list("notes").toMap());

        ws.services().start("tick", "while true; do echo tick; sleep 0.2; done", ServiceOptions.defaults());
        assertEquals("tick", ws.services().list().services().getFirst().serviceName());
        assertTrue(HostProcess.within(Duration.ofSeconds(10), () -> ws.services().logs("tick", LogQuery.stdout()).stdout().contains("tick")));
        assertEquals("stopped", ws.services().stop("tick", Duration.ofSeconds(2)).state());

        String shell = ws.shells().open().shellId();
        ws.shells().writeLine(shell, "echo handle-$((6*7))");
        StringBuilder out = new StringBuilder();
        long cursor = 0;
        for (int i = 0; i < 20 && !out.toString().contains("handle-42"); i++) {
            ShellRead r = ws.shells().read(shell, cursor, Duration.ofMillis(500));
            out.append(r.output());
            cursor = r.nextCursor();
        }
        assertTrue(out.toString().contains("handle-42"), out.toString());
        ws.shells().close(shell);
    }

    @Test
    void aHandleNeedsAnIdAndAnUnknownOneFailsOnFirstUse() {
        assertEquals(ErrorCode.INVALID_INPUT, assertThrows(PyroException.class, () -> pyro.workspace(" ")).code());
        Workspace ghost = pyro.workspace("ws-000000000000");
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(PyroException.class, ghost::status).code());
    }
}
