package pyro.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import pyro.core.internal.Json;

/** The JSON shape is the contract: every field present (nulls included), snake_case names. */
class RecordJsonTest {
    @Test
    void workspaceRecordHasEveryContractFieldEvenWhenNull() {
        WorkspaceInfo w = new WorkspaceInfo("ws-0123456789ab", null, "debian:12", "started", "qemu", "tcg", 1, 1024, 600,
                false, "2026-11-25T00:00:00Z", "2026-11-25T00:10:00Z", "2026-11-25T00:00:00Z", SeedInfo.EMPTY, 0,
                null, ServiceCounts.NONE, List.of(), null);
        Map<String, Object> m = Json.readMap(w.toJson());
        for (String f : List.of("workspace_id", "name", "environment", "state", "backend", "accel", "vcpu_count", "mem_mib",
                "ttl_seconds", "created_at", "expires_at", "last_activity_at", "workspace_path", "workspace_seed",
                "command_count", "last_command", "service_count", "running_service_count", "service_counts", "shells")) {
            assertTrue(m.containsKey(f), "missing " + f + " in " + w.toJson());
        }
        assertEquals(null, m.get("last_command"));
        assertEquals("/workspace", m.get("workspace_path"));
    }

    @Test
    void fieldsAddedInThisReleaseArePresentEvenWhenNull() {
        WorkspaceInfo w = new WorkspaceInfo("ws-0123456789ab", null, "debian:12", "started", "qemu", "tcg", 1, 1024, 600,
                false, "2026-11-25T00:00:00Z", "2026-11-25T00:10:00Z", "2026-11-25T00:00:00Z", SeedInfo.EMPTY, 0,
                null, ServiceCounts.NONE, List.of(), null);
        Map<String, Object> m = Json.readMap(w.toJson());
        assertTrue(m.containsKey("boot"), w.toJson());
        @SuppressWarnings("unchecked")
        Map<String, Object> seed = (Map<String, Object>) m.get("workspace_seed");
        assertEquals(0, seed.get("skipped_special_files"));
        VmInfo v = new VmInfo("vm-0123456789ab", "debian:12", "started", "qemu", "tcg", 1, 1024, 600, false, null, null,
                1L, null, "warm");
        assertEquals("warm", Json.readMap(v.toJson()).get("boot"));
        ExecResult e = new ExecResult("vm-0123456789ab", 1, List.of("true"), null, 0, "", "", 1, false, false, false);
        assertEquals("cold", Json.readMap(new RunResult("debian:12", "qemu", "tcg", 5, 9, e, "cold").toJson()).get("boot"));
    }

    @Test
    void diffSummaryCountsEachStatus() {
        DiffResult d = new DiffResult("ws-0123456789ab", List.of(new DiffEntry("a", "added", false),
                new DiffEntry("b", "modified", true), new DiffEntry("c", "deleted", false)), "");
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) Json.readMap(d.toJson()).get("summary");
        assertEquals(Map.of("added", 1, "modified", 1, "deleted", 1, "type_changed", 0), summary);
        assertEquals(true, Json.readMap(d.toJson()).get("changed"));
    }
}
