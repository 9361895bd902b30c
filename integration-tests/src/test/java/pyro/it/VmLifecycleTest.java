package pyro.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/** The low-level vm_* lifecycle through the packaged CLI, each step a separate process. */
class VmLifecycleTest {
    @Test
    void createStartExecStatusStopDelete() {
        Guests.requireGuests();
        Path state = Guests.newStateDir("vm");
        Guests.pull(state);
        Map<String, Object> created = Json.readMap(Cli.run(state, "vm", "create", Guests.ENV, "--json").stdout());
        String id = created.get("vm_id").toString();
        assertEquals("created", created.get("state"));
        assertTrue(Guests.qemuProcesses(id).isEmpty(), "create does not boot");

        Cli.Result exec0 = Cli.run(state, 60, "vm", "exec", id, "--", "true");
        assertEquals(2, exec0.exitCode(), "exec before start is refused: " + exec0);
        assertTrue(exec0.stderr().contains("start it first"), exec0.toString());

        Map<String, Object> started = Json.readMap(Cli.run(state, "vm", "start", id, "--json").stdout());
        assertEquals("started", started.get("state"), started.toString());
        assertTrue(((Number) started.get("boot_ms")).longValue() > 0);
        Cli.Result exec = Cli.run(state, "vm", "exec", id, "--json", "--", "sh", "-c", "echo in-vm; exit 3");
        assertEquals(3, exec.exitCode(), exec.toString());
        assertEquals("in-vm", Json.readMap(exec.stdout()).get("stdout").toString().strip());
        assertEquals("started", Json.readMap(Cli.run(state, "vm", "status", id, "--json").stdout()).get("state"));

        Map<String, Object> stopped = Json.readMap(Cli.run(state, "vm", "stop", id, "--json").stdout());
        assertEquals("stopped", stopped.get("state"));
        assertTrue(Guests.qemuProcesses(id).isEmpty(), "stop ends the VM");
        Cli.Result del = Cli.run(state, "vm", "delete", id, "--json");
        assertEquals(0, del.exitCode(), del.toString());
        assertFalse(Files.exists(state.resolve("instances").resolve(id)));
        assertEquals(3, Cli.run(state, 60, "vm", "status", id).exitCode());
    }
}
