package pyro.mcp;

import java.util.List;
import java.util.Set;
import pyro.core.PyroException;

/**
 * Which tools {@code pyro mcp serve --profile NAME} offers. A host sends every listed tool's schema to
 * the model on every turn, so the default offers only what the edit/test loop needs.
 */
public enum Profile {
    /** vm_run alone: one-shot commands in a fresh VM. */
    VM_RUN("vm-run", "only vm_run, for one-shot commands in a fresh VM",
            List.of("vm_run")),
    /** The edit/test loop: workspaces, their files and services (15 tools). */
    WORKSPACE_CORE("workspace-core", "vm_run plus the workspace edit/test loop (create, exec, read/write/patch files, "
            + "diff, export, services); no sync push of host folders, interactive shells, snapshots or raw VM lifecycle",
            List.of("vm_run", "vm_list_environments", "workspace_create", "workspace_list", "workspace_status",
                    "workspace_exec", "workspace_file_read", "workspace_file_write", "workspace_patch_apply",
                    "workspace_diff", "workspace_export", "workspace_delete", "service_start", "service_logs",
                    "service_stop")),
    /** Every tool, interactive shells and the raw VM lifecycle included. */
    WORKSPACE_FULL("workspace-full", "every tool: also workspace_sync_push, workspace_logs, workspace_file_list, "
            + "service_list, "
            + "whole-machine snapshots and reset, stop/start and fork, interactive shells (shell_*), service_status, "
            + "vm_list_environments and the raw VM lifecycle (vm_create/start/exec/stop/delete/status, vm_reap_expired)",
            null);

    public static final Profile DEFAULT = WORKSPACE_CORE;

    private final String wireName;
    private final String purpose;
    private final List<String> tools;

    Profile(String wireName, String purpose, List<String> tools) {
        this.wireName = wireName;
        this.purpose = purpose;
        this.tools = tools;
    }

    public String wireName() {
        return wireName;
    }

    /** The profile called {@code name}, or invalid input naming it and the ones there are. */
    public static Profile of(String name) {
        for (Profile p : values()) {
            if (p.wireName.equals(name)) {
                return p;
            }
        }
        throw PyroException.invalid("unknown MCP profile '" + name + "': use vm-run, workspace-core (the default) "
                + "or workspace-full.");
    }

    /** This profile's tools, in the order of {@link Tools#all()}. */
    public List<ToolDef> tools() {
        if (tools == null) {
            return Tools.all();
        }
        Set<String> names = Set.copyOf(tools);
        return Tools.all().stream().filter(t -> names.contains(t.name())).toList();
    }

    /** The server's instructions with the default result limit. */
    public String instructions() {
        return instructions(ResultLimit.DEFAULT);
    }

    /** The server's instructions: how to use the tools, how big results are, and which profile is active. */
    public String instructions(ResultLimit limit) {
        StringBuilder b = new StringBuilder("pyro runs commands in disposable Linux microVMs. ");
        if (this == VM_RUN) {
            b.append("Use vm_run for each command: a fresh VM runs it and is gone afterwards, so nothing persists "
                    + "between calls (chain steps in one command with &&). ");
        } else {
            b.append("Use vm_run for a one-shot command (the VM is gone afterwards). When files or processes must "
                    + "persist across calls, workspace_create a workspace, pass its workspace_id to workspace_exec "
                    + "and the other workspace_* tools, and workspace_delete it when done. Edit files with "
                    + "workspace_file_read, then workspace_file_write (pass the sha256 the read returned as "
                    + "expected_sha256) or workspace_patch_apply for small changes to big files. ");
        }
        b.append(results(limit)).append("Active profile: ").append(wireName).append(" (").append(purpose)
                .append("). Profiles, chosen with 'pyro mcp serve --profile NAME': ");
        for (Profile p : values()) {
            b.append(p.wireName).append(p == DEFAULT ? " (default)" : "").append(" = ").append(p.purpose)
                    .append(p.ordinal() == values().length - 1 ? "." : "; ");
        }
        return b.toString();
    }

    /** The sentences on commands and result sizes every tool set's instructions carry. */
    static String results(ResultLimit limit) {
        return "Commands are one shell string run by 'sh -lc' in the guest. Results are compact JSON of at most "
                + limit.describe() + ": longer output keeps its head and tail around a marker saying what was cut "
                + "and how to get the rest (output_budget_chars sets another limit for one call, up to "
                + Budget.fmt(Budget.MAX_CHARS) + " characters). ";
    }
}
