package pyro.mcp;

import java.util.List;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.core.ServiceOptions;
import pyro.core.model.Readiness;
import pyro.mcp.ToolDef.Hints;

/**
 * Every MCP tool pyro serves, in the order {@code tools/list} shows them. Each is one declaration:
 * name, description, parameters (shared ones below), and the {@link Pyro} call.
 */
public final class Tools {
    private Tools() {}

    // ---- shared parameters --------------------------------------------------------------------

    static final Param ENVIRONMENT = Param.string("environment",
            "Guest environment to boot: debian:12 (git, python3, curl, the usual tools), debian:12-base (minimal) "
                    + "or debian:12-build (debian:12 plus build-essential). vm_list_environments lists them.")
            .mandatory();
    static final Param VCPU_COUNT = Param.integer("vcpu_count", "Virtual CPUs for the guest (1 to 16).")
            .withDefault(Pyro.DEFAULT_VCPUS);
    static final Param MEM_MIB = Param.integer("mem_mib", "Guest memory in MiB (256 to 32768).")
            .withDefault(Pyro.DEFAULT_MEM_MIB);
    static final Param TIMEOUT_SECONDS = Param.integer("timeout_seconds",
            "Seconds the command may run before it is killed and the result says timed_out.")
            .withDefault(Pyro.DEFAULT_TIMEOUT_SECONDS);
    static final Param TTL_SECONDS = Param.integer("ttl_seconds",
            "Seconds of life before the guest expires and is reclaimed (30 to 604800).")
            .withDefault(Pyro.DEFAULT_TTL_SECONDS);
    static final Param NETWORK = Param.bool("network",
            "Give the guest outbound network access (for package installs, git clone, downloads).")
            .withDefault(false);
    static final Param NETWORK_POLICY = Param.string("network_policy",
            "What the guest may reach: off (no network device), egress (outbound connections, as network: true), "
                    + "or egress+published-ports (also lets service_start publish guest ports on the host's 127.0.0.1). "
                    + "Default: egress when network is true, else off.")
            .oneOf("off", "egress", "egress+published-ports");
    static final Param SECRET_ENV = Param.strings("secret_env", "Workspace secrets to give the process as "
            + "environment variables: \"NAME\" (variable NAME) or \"NAME=ENV_VAR\" each; the secrets were given to "
            + "workspace_create, and their values are redacted from all output as [redacted:NAME].");
    static final Param COLD = Param.bool("cold",
            "Boot the guest from power-on even when a saved, booted one could be restored (for comparison; "
                    + "the result's boot field says warm or cold).")
            .withDefault(false);
    static final Param COMMAND = Param.string("command",
            "One shell command line, run by 'sh -lc' inside the guest: pipes, &&, redirects and quotes work, "
                    + "e.g. \"cd src && make test 2>&1 | tail -50\".")
            .mandatory();
    static final Param VM_ID = Param.string("vm_id", "The VM id returned by vm_create (vm-...).").mandatory();
    static final String FILE_HINT = "read the rest with offset and limit, or line_start and line_count";
    /** What one workspace_file_read returns by default (the HTTP API's, and MCP's with --max-result-chars). */
    static final int FILE_READ_LIMIT = 16_000;
    /** The same from an MCP server under the default result limit: a read of source code then fits whole. */
    static final int MCP_FILE_READ_LIMIT = 8_000;
    static final Param SNAPSHOT_NAME = Param.string("name",
            "Snapshot name (1-64 chars: a letter or digit, then letters, digits, '.', '_' or '-').");
    static final Param WORKSPACE_ID = Param.string("workspace_id",
            "The workspace id returned by workspace_create (ws- and 12 hex digits), or the name given to "
                    + "workspace_create; workspace_list shows both.")
            .mandatory();
    static final Param CWD = Param.string("cwd",
            "Working directory inside /workspace (absolute, or relative to /workspace). Default: /workspace.");
    static final Param SERVICE_NAME = Param.string("service_name",
            "The service's name: 1-64 characters, first a letter or digit, then letters, digits, '.', '_' or '-'.")
            .mandatory();
    static final Param SHELL_ID = Param.string("shell_id", "The shell id returned by shell_open.").mandatory();

    // ---- how to get what the output budget cut (the text of each marker) ---------------------------

    static final String COLD_BUILD = "The first use of an environment on a host builds it from Debian packages (2-5 "
            + "minutes, with progress notifications when asked for); vm_pull_environment does that ahead, and later "
            + "boots take seconds.";
    static final String MORE = "or pass output_budget_chars (at most " + Budget.fmt(Budget.MAX_CHARS) + ")";
    static final String RUN_HINT = "rerun with the output filtered (| tail -n 200, | grep ..., > file && head), or use "
            + "a workspace (workspace_exec) where the output can go to a file to read in parts or export to the host, "
            + MORE;
    static final String VM_EXEC_HINT = "redirect the output to a file in the VM and read it in parts (tail, grep, "
            + "sed -n), " + MORE;
    static final String EXEC_HINT = "redirect the output to a file in /workspace and read it in parts (tail, grep, "
            + "sed -n) or export the file to the host with workspace_export, " + MORE;
    static final String LOGS_HINT = "read the end with tail_lines, only newer output with service_logs "
            + "after=STDOUT_OFFSET:STDERR_OFFSET, one stream with stream, " + MORE;
    static final String SHELL_HINT = "read again from this result's cursor with a smaller max_chars, " + MORE;
    static final String DIFF_HINT = "entries lists every changed path; diff single files with workspace_exec, "
            + "export them with workspace_export, " + MORE;

    /** All tools. */
    public static List<ToolDef> all() {
        return List.of(
                // ---- one-shot ---------------------------------------------------------------------
                ToolDef.named("vm_run",
                        "Run one shell command in a fresh, disposable microVM and return exit_code, stdout and stderr; "
                                + "the VM is deleted afterwards. Use this first for any one-shot job (try a tool, run a "
                                + "script, build or test something self-contained). Nothing survives the call: when files "
                                + "or processes must persist across several commands, use workspace_create and "
                                + "workspace_exec instead. A non-zero exit_code is the command's own result, not a tool error. "
                                + COLD_BUILD)
                        .title("Run a command in a fresh VM")
                        .hints(Hints.changes(false, false).reachingNetwork())
                        .output(Schemas.RUN)
                        .budget(Budget.Cut.text("stdout", RUN_HINT), Budget.Cut.text("stderr", RUN_HINT))
                        .param(ENVIRONMENT, COMMAND, VCPU_COUNT, MEM_MIB, TIMEOUT_SECONDS, NETWORK, COLD)
                        .call((pyro, a) -> pyro.runInVm(a.string("environment"), shell(a.string("command")),
                                new pyro.core.RunOptions(a.intValue("vcpu_count"), a.intValue("mem_mib"),
                                        a.longValue("timeout_seconds"), a.bool("network"), a.bool("cold")), a.output())),
                ToolDef.named("vm_list_environments",
                        "List the guest environments (name, description, installed packages, whether the image is "
                                + "cached locally). Use it to choose the 'environment' for vm_run, vm_create or workspace_create.")
                        .title("List guest environments")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.ENVIRONMENT_LIST)
                        .budget(Budget.Cut.list("environments"))
                        .call((pyro, a) -> pyro.listEnvironments()),
                ToolDef.named("vm_pull_environment",
                        "Build an environment into the local cache if it is not there (from Debian packages: a "
                                + "few minutes the first time, with progress notifications when the client asks for "
                                + "them) and save a booted guest so later boots are warm starts. Call it once before "
                                + "the first vm_run or workspace_create to keep those calls short.")
                        .title("Prepare a guest environment")
                        .hints(Hints.changes(false, true).reachingNetwork())
                        .output(Schemas.ENVIRONMENT)
                        .param(ENVIRONMENT)
                        .call((pyro, a) -> pyro.pullEnvironment(a.string("environment"))),

                // ---- raw VM lifecycle -------------------------------------------------------------
                ToolDef.named("vm_create",
                        "Create (but do not boot) a VM and return its vm_id; then vm_start it, vm_exec in it, and "
                                + "vm_delete it when done. Prefer vm_run for one command and workspace_create for "
                                + "stateful work; use this only when you need to control the VM lifecycle yourself.")
                        .title("Create a VM")
                        .hints(Hints.changes(false, false).reachingNetwork())
                        .output(Schemas.VM)
                        .param(ENVIRONMENT, VCPU_COUNT, MEM_MIB, TTL_SECONDS, NETWORK)
                        .call((pyro, a) -> pyro.createVm(a.string("environment"), a.intValue("vcpu_count"),
                                a.intValue("mem_mib"), a.longValue("ttl_seconds"), a.bool("network"))),
                ToolDef.named("vm_start", "Boot a VM made by vm_create and wait until it accepts commands.")
                        .title("Start a VM")
                        .hints(Hints.changes(false, true))
                        .output(Schemas.VM)
                        .param(VM_ID)
                        .call((pyro, a) -> pyro.startVm(a.string("vm_id"))),
                ToolDef.named("vm_exec",
                        "Run one shell command in a started VM (from vm_create + vm_start) and return exit_code, "
                                + "stdout and stderr.")
                        .title("Run a command in a VM")
                        .hints(Hints.changes(false, false).reachingNetwork())
                        .output(Schemas.EXEC)
                        .budget(Budget.Cut.text("stdout", VM_EXEC_HINT), Budget.Cut.text("stderr", VM_EXEC_HINT))
                        .param(VM_ID, COMMAND, TIMEOUT_SECONDS)
                        .call((pyro, a) -> pyro.execVm(a.string("vm_id"), a.string("command"),
                                a.longValue("timeout_seconds"))),
                ToolDef.named("vm_stop", "Shut down a started VM; it can be started again with vm_start.")
                        .title("Stop a VM")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.VM)
                        .param(VM_ID)
                        .call((pyro, a) -> pyro.stopVm(a.string("vm_id"))),
                ToolDef.named("vm_delete", "Stop a VM if needed and delete it and its disk for good.")
                        .title("Delete a VM")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.DELETE)
                        .param(VM_ID)
                        .call((pyro, a) -> pyro.deleteVm(a.string("vm_id"))),
                ToolDef.named("vm_status", "Show a VM's state, accel, resources, boot time, expiry, and why it failed if it did.")
                        .title("VM status")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.VM)
                        .param(VM_ID)
                        .call((pyro, a) -> pyro.statusVm(a.string("vm_id"))),
                ToolDef.named("vm_reap_expired",
                        "Delete every VM and workspace whose TTL has passed, freeing their slots and disk; "
                                + "returns what was reaped.")
                        .title("Delete expired VMs and workspaces")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.REAP)
                        .call((pyro, a) -> pyro.reapExpired()),

                // ---- workspaces -------------------------------------------------------------------
                ToolDef.named("workspace_create",
                        "Create and boot a persistent workspace VM and return its workspace_id. Use it when state "
                                + "must persist across calls (edit files, build, test, run services): pass the id to "
                                + "workspace_exec, workspace_sync_push, workspace_diff, workspace_export and finally "
                                + "workspace_delete. Files live in /workspace; seed_path copies a host folder or "
                                + "archive there first and becomes the baseline workspace_diff compares against. "
                                + "It expires after ttl_seconds without being used (every call on it renews that). "
                                + COLD_BUILD)
                        .title("Create a workspace")
                        .hints(Hints.changes(false, false).reachingNetwork())
                        .output(Schemas.WORKSPACE)
                        .param(ENVIRONMENT,
                                Param.string("seed_path",
                                        "Host path of a folder or a .tar/.tar.gz archive to copy into /workspace "
                                                + "(absolute, or relative to the server's working directory). "
                                                + "Default: an empty /workspace."),
                                Param.string("name",
                                        "Optional unique name (1-64 chars: a letter or digit, then letters, digits, "
                                                + "'.', '_' or '-') usable instead of the id in later calls."),
                                VCPU_COUNT, MEM_MIB, TTL_SECONDS, NETWORK, NETWORK_POLICY, COLD,
                                Param.object("secrets", "Secrets kept inside the guest only, NAME -> VALUE (NAME: "
                                        + "1-64 letters, digits or underscores, not a digit first). Processes get them "
                                        + "by secret_env; the host keeps only names and digests; values are redacted "
                                        + "from all output."),
                                Param.object("secret_files", "More secrets, NAME -> host path of a file whose text "
                                        + "is the value (read by the server; one trailing newline dropped)."))
                        .call((pyro, a) -> pyro.createWorkspace(secrets(a, new pyro.core.WorkspaceOptions(
                                a.string("environment"), a.string("name"), a.path("seed_path"), a.intValue("vcpu_count"),
                                a.intValue("mem_mib"), a.longValue("ttl_seconds"), networkPolicy(a), a.bool("cold"))))),
                ToolDef.named("workspace_list", "List the workspaces with their ids, states, expiry and command counts.")
                        .title("List workspaces")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.WORKSPACE_LIST)
                        .budget(Budget.Cut.list("workspaces"))
                        .call((pyro, a) -> pyro.listWorkspaces()),
                ToolDef.named("workspace_status",
                        "Show one workspace: state, resources, expiry, seed, command and service counts.")
                        .title("Workspace status")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.WORKSPACE)
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.statusWorkspace(a.string("workspace_id"))),
                ToolDef.named("workspace_exec",
                        "Run one shell command in a workspace (from workspace_create) and return exit_code, stdout "
                                + "and stderr. Files and installed packages persist between calls; each call is a new "
                                + "shell, so 'cd' and exported variables do not carry over (use cwd, or chain with &&).")
                        .title("Run a command in a workspace")
                        .hints(Hints.changes(false, false).reachingNetwork())
                        .output(Schemas.EXEC)
                        .budget(Budget.Cut.text("stdout", EXEC_HINT), Budget.Cut.text("stderr", EXEC_HINT))
                        .param(WORKSPACE_ID, COMMAND, CWD, TIMEOUT_SECONDS, SECRET_ENV)
                        .call((pyro, a) -> pyro.execWorkspace(a.string("workspace_id"), shell(a.string("command")),
                                a.string("cwd"), a.longValue("timeout_seconds"), a.strings("secret_env"), a.output())),
                ToolDef.named("workspace_logs",
                        "Show a workspace's command journal: every workspace_exec with its sequence number, command, "
                                + "exit code and times.")
                        .title("Workspace command journal")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.WORKSPACE_LOGS)
                        .budget(Budget.Cut.list("entries"))
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.logsWorkspace(a.string("workspace_id"))),
                ToolDef.named("workspace_sync_push",
                        "Copy a host folder or a .tar/.tar.gz archive into a workspace (into /workspace or dest), "
                                + "overwriting files of the same name. Does not change the workspace_diff baseline.")
                        .title("Copy host files into a workspace")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.SYNC)
                        .param(WORKSPACE_ID,
                                Param.string("source_path",
                                        "Host path of the folder or .tar/.tar.gz archive to copy (absolute, or "
                                                + "relative to the server's working directory).")
                                        .mandatory(),
                                Param.string("dest",
                                        "Target folder inside /workspace (absolute, or relative to /workspace). "
                                                + "Default: /workspace."))
                        .call((pyro, a) -> pyro.pushWorkspaceSync(a.string("workspace_id"), a.path("source_path"),
                                a.string("dest"))),
                ToolDef.named("workspace_diff",
                        "Compare /workspace with its create-time baseline: added, modified and deleted paths and a "
                                + "unified diff of text files. Use it to review what your commands changed.")
                        .title("Diff a workspace against its baseline")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.DIFF)
                        .budget(Budget.Cut.list("entries"), Budget.Cut.text("patch", DIFF_HINT))
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.diffWorkspace(a.string("workspace_id"))),
                ToolDef.named("workspace_export",
                        "Copy a file or folder out of a workspace to the host, e.g. a build artifact or the edited "
                                + "sources.")
                        .title("Export workspace files to the host")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.EXPORT)
                        .param(WORKSPACE_ID,
                                Param.string("path", "Path inside /workspace to export (absolute, or relative to "
                                        + "/workspace).").mandatory(),
                                Param.string("output_path", "Host path to write (absolute, or relative to the server's "
                                        + "working directory); its folder must exist, an existing file there is replaced, an existing "
                                        + "folder is refused.").mandatory(),
                                Param.integer("max_bytes", "Refuse the export when its files add up to more than "
                                        + "this many bytes (apparent size: a sparse file counts in full); never more "
                                        + "than the output folder's free space.").withDefault(Pyro.DEFAULT_EXPORT_MAX_BYTES))
                        .call((pyro, a) -> pyro.exportWorkspace(a.string("workspace_id"), a.string("path"),
                                a.path("output_path"), a.longValue("max_bytes"))),
                ToolDef.named("workspace_update",
                        "Change a workspace's TTL (ttl_seconds: it now expires that long after its last use; every "
                                + "call on it renews that) and/or its name.")
                        .title("Update a workspace")
                        .hints(Hints.changes(false, true))
                        .output(Schemas.WORKSPACE)
                        .param(WORKSPACE_ID, Param.integer("ttl_seconds", "The new idle timeout in seconds."),
                                Param.string("name", "A new unique name."))
                        .call((pyro, a) -> pyro.updateWorkspace(a.string("workspace_id"), a.optLong("ttl_seconds"),
                                a.string("name"))),
                ToolDef.named("workspace_delete",
                        "Stop a workspace and delete it with all its files; export what you need first.")
                        .title("Delete a workspace")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.DELETE)
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.deleteWorkspace(a.string("workspace_id"))),

                // ---- files by path ---------------------------------------------------------------------
                ToolDef.named("workspace_file_list",
                        "List a folder of /workspace: each entry's path (relative to /workspace), type (file, dir, "
                                + "symlink, other), size and mode; recursive lists everything under it.")
                        .title("List workspace files")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.FILE_LIST)
                        .budget(Budget.Cut.list("entries"))
                        .param(WORKSPACE_ID,
                                Param.string("path", "Folder inside /workspace (absolute, or relative to /workspace); "
                                        + "default /workspace."),
                                Param.bool("recursive", "Everything under the folder, depth first.").withDefault(false))
                        .call((pyro, a) -> pyro.listFiles(a.string("workspace_id"), a.string("path"), a.bool("recursive"))),
                ToolDef.named("workspace_file_read",
                        "Read part of a text file in /workspace: limit bytes from offset, or line_count lines from "
                                + "line_start (1-based). Returns content, the whole file's size and sha256 (pass it to "
                                + "workspace_file_write as expected_sha256), and eof; read on from offset+bytes. Binary "
                                + "files are refused unless encoding is base64.")
                        .title("Read a workspace file")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.FILE_READ)
                        .budget(Budget.Cut.text("content", FILE_HINT))
                        .param(WORKSPACE_ID,
                                Param.string("path", "File inside /workspace (absolute, or relative to /workspace).")
                                        .mandatory(),
                                Param.integer("offset", "First byte to read.").withDefault(0),
                                Param.integer("limit", "Bytes to read (at most 4194304; " + MCP_FILE_READ_LIMIT + " when not "
                                        + "given to an MCP server with its default result limit).").withDefault(FILE_READ_LIMIT),
                                Param.integer("line_start", "Read lines instead, from this one (1-based)."),
                                Param.integer("line_count", "How many lines to read (default: to the end)."),
                                Param.string("encoding", "text (default) or base64 (for binary files)."))
                        .call((pyro, a) -> {
                            boolean lines = a.optLong("line_start") != null || a.optLong("line_count") != null;
                            String enc = a.string("encoding");
                            if (enc != null && !enc.equals("text") && !enc.equals("base64")) {
                                throw PyroException.invalid("encoding '" + enc + "' is not text or base64.");
                            }
                            return pyro.readFile(a.string("workspace_id"), a.string("path"),
                                    lines ? null : a.optLong("offset"), lines ? null : readLimit(a),
                                    a.optLong("line_start"), a.optLong("line_count"), "base64".equals(enc));
                        }),
                ToolDef.named("workspace_file_write",
                        "Write a whole file in /workspace atomically, creating its folders. Give expected_sha256 (from "
                                + "workspace_file_read) to write only if nobody changed the file since, or 'new' to "
                                + "create it only if it does not exist. For small edits to a big file, "
                                + "workspace_patch_apply sends less.")
                        .title("Write a workspace file")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.FILE_WRITE)
                        .param(WORKSPACE_ID,
                                Param.string("path", "File inside /workspace (absolute, or relative to /workspace).")
                                        .mandatory(),
                                Param.string("content", "The file's new content (UTF-8 text; may be empty).").mandatory(),
                                Param.string("expected_sha256", "The file's current sha256, or 'new'."))
                        .call((pyro, a) -> pyro.writeFile(a.string("workspace_id"), a.string("path"), a.string("content"),
                                a.string("expected_sha256"))),
                ToolDef.named("workspace_patch_apply",
                        "Apply a unified diff (git's format or plain, paths relative to /workspace, a/ and b/ prefixes "
                                + "as git writes them) to /workspace, all or nothing: every hunk is checked first, and a "
                                + "hunk that does not apply is named with its file and the line that differs.")
                        .title("Apply a patch to a workspace")
                        .hints(Hints.changes(true, false))
                        .output(Schemas.FILE_WRITE)
                        .param(WORKSPACE_ID, Param.string("patch", "The unified diff.").mandatory())
                        .call((pyro, a) -> pyro.applyPatch(a.string("workspace_id"), a.string("patch"))),

                // ---- whole-machine snapshots, reset, stop/start, fork --------------------------------
                ToolDef.named("workspace_snapshot_create",
                        "Save a running workspace's whole machine (files, running services and their logs, open "
                                + "shells) as a named snapshot that workspace_reset can go back to. The workspace pauses "
                                + "while it is written (about a second per few hundred MB of guest memory).")
                        .title("Snapshot a workspace")
                        .hints(Hints.changes(false, false))
                        .output(Schemas.SNAPSHOT)
                        .param(WORKSPACE_ID, SNAPSHOT_NAME.mandatory())
                        .call((pyro, a) -> pyro.createSnapshot(a.string("workspace_id"), a.string("name"))),
                ToolDef.named("workspace_snapshot_list", "List a workspace's snapshots with their sizes, oldest first.")
                        .title("List workspace snapshots")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.SNAPSHOT_LIST)
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.listSnapshots(a.string("workspace_id"))),
                ToolDef.named("workspace_snapshot_delete", "Delete one snapshot of a workspace.")
                        .title("Delete a workspace snapshot")
                        .hints(Hints.changes(true, false))
                        .output(Schemas.SNAPSHOT)
                        .param(WORKSPACE_ID, SNAPSHOT_NAME.mandatory())
                        .call((pyro, a) -> pyro.deleteSnapshot(a.string("workspace_id"), a.string("name"))),
                ToolDef.named("workspace_reset",
                        "Bring a workspace back to a snapshot exactly as it was (files, running services, shells), "
                                + "or without a snapshot to its create-time files in a fresh guest. Everything since is "
                                + "lost; the diff baseline stays the create-time one.")
                        .title("Reset a workspace")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.WORKSPACE)
                        .param(WORKSPACE_ID, Param.string("snapshot", "The snapshot to go back to; default: the "
                                + "create-time state."))
                        .call((pyro, a) -> pyro.resetWorkspace(a.string("workspace_id"), a.string("snapshot"))),
                ToolDef.named("workspace_stop",
                        "Suspend a workspace to disk: no CPU and no guest memory held until workspace_start resumes it, "
                                + "services still running. Its TTL keeps counting.")
                        .title("Stop (suspend) a workspace")
                        .hints(Hints.changes(false, true))
                        .output(Schemas.WORKSPACE)
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.stopWorkspace(a.string("workspace_id"))),
                ToolDef.named("workspace_start", "Resume a workspace stopped with workspace_stop where it was.")
                        .title("Start (resume) a workspace")
                        .hints(Hints.changes(false, true))
                        .output(Schemas.WORKSPACE)
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.startWorkspace(a.string("workspace_id"))),
                ToolDef.named("workspace_fork",
                        "Make a new workspace from a running one's current state (files, services, shells), e.g. to "
                                + "try two approaches side by side; each has its own disk from then on.")
                        .title("Fork a workspace")
                        .hints(Hints.changes(false, false))
                        .output(Schemas.WORKSPACE)
                        .param(WORKSPACE_ID, Param.string("name", "Optional unique name for the new workspace."))
                        .call((pyro, a) -> pyro.forkWorkspace(a.string("workspace_id"), a.string("name"))),

                // ---- shells -----------------------------------------------------------------------
                ToolDef.named("shell_open",
                        "Open an interactive shell (a pseudo-terminal running bash) in a workspace and return its "
                                + "shell_id. Use it for programs that need a terminal or keep state between inputs "
                                + "(a REPL, a debugger, an interactive installer); for plain commands workspace_exec "
                                + "is simpler. Then shell_write input, shell_read output, and shell_close it.")
                        .title("Open an interactive shell")
                        .hints(Hints.changes(false, false))
                        .output(Schemas.SHELL)
                        .param(WORKSPACE_ID, CWD,
                                Param.integer("cols", "Terminal width in columns.").withDefault(Pyro.DEFAULT_SHELL_COLS),
                                Param.integer("rows", "Terminal height in rows.").withDefault(Pyro.DEFAULT_SHELL_ROWS),
                                SECRET_ENV)
                        .call((pyro, a) -> pyro.openShell(a.string("workspace_id"), a.string("cwd"),
                                a.intValue("cols"), a.intValue("rows"), a.strings("secret_env"))),
                ToolDef.named("shell_read",
                        "Read a shell's output from a byte cursor: returns output, next_cursor and truncated. Pass "
                                + "next_cursor as cursor to the next read to get only new output; read again (after a "
                                + "moment) when a program is still producing output.")
                        .title("Read shell output")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.SHELL_READ)
                        .budget(Budget.Cut.text("output", SHELL_HINT))
                        .param(WORKSPACE_ID, SHELL_ID,
                                Param.integer("cursor", "Byte offset in the shell's output to read from; use the "
                                        + "previous read's next_cursor.").withDefault(0),
                                Param.integer("max_chars", "At most this many characters are returned; "
                                        + "truncated says whether more is waiting.").withDefault(Pyro.DEFAULT_SHELL_MAX_CHARS),
                                Param.integer("wait_ms", "When nothing new is there yet, wait up to this many "
                                        + "milliseconds (0-60000) for output instead of returning empty.").withDefault(0),
                                Param.integer("wait_for_idle_ms", "Return once the output has been quiet this many "
                                        + "milliseconds (so a command's whole burst arrives in one read), within wait_ms "
                                        + "(60000 when wait_ms is 0)."),
                                Param.bool("plain", "Return the output as a terminal shows it: ANSI escape sequences "
                                        + "removed, carriage returns and backspaces applied. Cursors stay byte offsets of "
                                        + "the raw output.").withDefault(true))
                        .call((pyro, a) -> pyro.readShell(a.string("workspace_id"), a.string("shell_id"),
                                a.longValue("cursor"), shellReadChars(a), a.intValue("wait_ms"),
                                a.optLong("wait_for_idle_ms") == null ? null : (int) (long) a.optLong("wait_for_idle_ms"),
                                a.bool("plain"))),
                ToolDef.named("shell_write",
                        "Type input into a shell opened by shell_open (a newline is added, i.e. Enter is "
                                + "pressed, unless newline is false). Read the result with shell_read.")
                        .title("Type into a shell")
                        .hints(Hints.changes(false, false).reachingNetwork())
                        .output(Schemas.SHELL_WRITE)
                        .param(WORKSPACE_ID, SHELL_ID,
                                Param.string("input", "The text to type; may be empty to just press Enter.")
                                        .mandatory().allowingEmpty(),
                                Param.bool("newline", "Press Enter after the input.").withDefault(true))
                        .call((pyro, a) -> pyro.writeShell(a.string("workspace_id"), a.string("shell_id"),
                                a.string("input"), a.bool("newline"))),
                ToolDef.named("shell_signal",
                        "Send a signal to the foreground process group of a shell, e.g. INT (Ctrl-C) to stop a "
                                + "running program without closing the shell.")
                        .title("Signal a shell's program")
                        .hints(Hints.changes(true, false))
                        .output(Schemas.SHELL_SIGNAL)
                        .param(WORKSPACE_ID, SHELL_ID,
                                Param.string("signal", "The signal to send.").oneOf("INT", "TERM", "HUP", "KILL")
                                        .withDefault("INT"))
                        .call((pyro, a) -> pyro.signalShell(a.string("workspace_id"), a.string("shell_id"),
                                a.string("signal"))),
                ToolDef.named("shell_close", "Close a shell and end every process it started.")
                        .title("Close a shell")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.SHELL)
                        .param(WORKSPACE_ID, SHELL_ID)
                        .call((pyro, a) -> pyro.closeShell(a.string("workspace_id"), a.string("shell_id"))),

                // ---- services ---------------------------------------------------------------------
                ToolDef.named("service_start",
                        "Start a long-running background process (dev server, database, file watcher) in a "
                                + "workspace and wait until it is ready; it keeps running across calls until "
                                + "service_stop or workspace_delete. Give one readiness probe (ready_file, ready_tcp, "
                                + "ready_http or ready_command) so the call returns only once the service really "
                                + "works; without one it returns as soon as the process is alive. A failure names the "
                                + "probe, the attempts, the last probe error and the last log lines. Read its output "
                                + "with service_logs.")
                        .title("Start a background service")
                        .hints(Hints.changes(false, false).reachingNetwork())
                        .output(Schemas.SERVICE)
                        .param(WORKSPACE_ID, SERVICE_NAME,
                                COMMAND,
                                CWD,
                                Param.object("env", "Extra environment variables for the service, as "
                                        + "{\"NAME\": \"value\"}."),
                                Param.string("ready_file", "Ready when this file exists (relative to cwd)."),
                                Param.stringOrInteger("ready_tcp", "Ready when this TCP port accepts connections "
                                        + "inside the guest: \"[HOST:]PORT\", e.g. \"8000\" or \"127.0.0.1:5432\"."),
                                Param.string("ready_http", "Ready when this URL (inside the guest) answers 2xx or "
                                        + "3xx, e.g. \"http://127.0.0.1:8000/health\"."),
                                Param.string("ready_command", "Ready when this shell command exits 0 (run by sh "
                                        + "inside the guest)."),
                                Param.integer("ready_timeout_seconds", "Seconds to wait for readiness before the "
                                        + "service is killed and reported failed.")
                                        .withDefault(Readiness.DEFAULT_TIMEOUT_SECONDS),
                                Param.integer("ready_interval_ms", "Milliseconds between readiness probes.")
                                        .withDefault(Readiness.DEFAULT_INTERVAL_MS),
                                Param.string("restart", "Restart the service when it ends: no, on-failure (non-zero "
                                        + "exit, signal, failed readiness) or always; readiness is checked again after "
                                        + "each restart.").oneOf("no", "on-failure", "always")
                                        .withDefault(ServiceOptions.DEFAULT_RESTART),
                                Param.integer("max_restarts", "At most this many restarts in a row (a run that stayed "
                                        + "up 10 s resets the row); then the service is failed.")
                                        .withDefault(ServiceOptions.DEFAULT_MAX_RESTARTS),
                                Param.strings("after", "Start only once these services are there: "
                                        + "\"NAME[:started|ready|exited-ok]\" each (default condition ready), "
                                        + "waited for within ready_timeout_seconds."),
                                Param.strings("publish", "Guest ports to reach from the host while the service "
                                        + "runs: \"[HOST_PORT:]GUEST_PORT\" each (e.g. \"8080\" for a free host port, "
                                        + "\"18080:8080\"); the host listens on 127.0.0.1 only. The result's "
                                        + "published_ports says where. Needs a workspace created with network_policy "
                                        + "egress+published-ports."),
                                SECRET_ENV)
                        .call((pyro, a) -> pyro.startService(a.string("workspace_id"), a.string("service_name"),
                                a.string("command"), ServiceOptions.defaults().cwd(a.string("cwd"))
                                        .env(a.stringMap("env")).readiness(readiness(a)).restart(a.string("restart"))
                                        .maxRestarts(a.intValue("max_restarts"))
                                        .after(a.strings("after")).publish(a.strings("publish"))
                                        .secretEnv(a.strings("secret_env")))),
                ToolDef.named("service_list",
                        "List a workspace's services with their states (starting, running, stopped, exited, failed).")
                        .title("List services")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.SERVICE_LIST)
                        .budget(Budget.Cut.list("services"))
                        .param(WORKSPACE_ID)
                        .call((pyro, a) -> pyro.listServices(a.string("workspace_id"))),
                ToolDef.named("service_status",
                        "Show one service: state, pid, times, exit code, stop reason and readiness probe results.")
                        .title("Service status")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.SERVICE)
                        .param(WORKSPACE_ID, SERVICE_NAME)
                        .call((pyro, a) -> pyro.statusService(a.string("workspace_id"), a.string("service_name"))),
                ToolDef.named("service_logs",
                        "Read a service's stdout and stderr. The result's stdout_offset and stderr_offset, passed "
                                + "back as after=\"STDOUT_OFFSET:STDERR_OFFSET\", read only what is new.")
                        .title("Read service logs")
                        .hints(Hints.READ_ONLY)
                        .output(Schemas.SERVICE_LOGS)
                        .budget(Budget.Cut.text("stdout", LOGS_HINT), Budget.Cut.text("stderr", LOGS_HINT))
                        .param(WORKSPACE_ID, SERVICE_NAME,
                                Param.integer("tail_lines", "Only the last this many lines of each stream. Default: "
                                        + "everything."),
                                Param.string("stream", "Which output to read.").oneOf("stdout", "stderr", "both")
                                        .withDefault("both"),
                                Param.string("after", "\"STDOUT_OFFSET:STDERR_OFFSET\" from a previous "
                                        + "service_logs result: read only output written since. Default: from the start."))
                        .call((pyro, a) -> pyro.logsService(a.string("workspace_id"), a.string("service_name"),
                                a.optInt("tail_lines"), a.string("stream"), a.string("after"))),
                ToolDef.named("service_stop",
                        "Stop a service: TERM to its process group, then KILL after grace_seconds; no child "
                                + "process survives.")
                        .title("Stop a service")
                        .hints(Hints.changes(true, true))
                        .output(Schemas.SERVICE)
                        .param(WORKSPACE_ID, SERVICE_NAME,
                                Param.integer("grace_seconds", "Seconds between TERM and KILL.").withDefault(Pyro.DEFAULT_SERVICE_GRACE_SECONDS))
                        .call((pyro, a) -> pyro.stopService(a.string("workspace_id"), a.string("service_name"),
                                a.longValue("grace_seconds"))));
    }

    /**
     * shell_read's max_chars, lowered to fit the output budget: what is not read stays in the shell for
     * the next read from next_cursor, so nothing is lost (truncated says more is waiting).
     */
    static int shellReadChars(Args a) {
        ResultLimit l = Budget.of("shell_read", a);
        // under a line cap, read no more than a screenful or two of short lines can take
        int room = l.lines() != Integer.MAX_VALUE ? Math.min(l.bytes(), l.chars()) / 2 : l.chars() - 1_000;
        return Math.min(a.intValue("max_chars"), Math.max(100, room));
    }

    /** workspace_file_read's limit: the one given, else what fits the MCP server's default result limit. */
    static long readLimit(Args a) {
        if (a.has("limit")) {
            return a.longValue("limit");
        }
        return a.limit() != null && a.limit().capsLines() ? MCP_FILE_READ_LIMIT : FILE_READ_LIMIT;
    }

    static final List<String> PROBES = List.of("ready_file", "ready_tcp", "ready_http", "ready_command");

    /** The one readiness probe of service_start (or none), with its timeout and interval. */
    static Readiness readiness(Args a) {
        List<String> given = PROBES.stream().filter(a::has).toList();
        if (given.size() > 1) {
            throw PyroException.invalid("service_start takes at most one readiness probe, got "
                    + String.join(" and ", given) + ".");
        }
        Readiness r = Readiness.none();
        if (a.has("ready_file")) {
            r = Readiness.file(a.string("ready_file"));
        } else if (a.has("ready_tcp")) {
            r = tcp(a.string("ready_tcp"));
        } else if (a.has("ready_http")) {
            r = Readiness.http(a.string("ready_http"));
        } else if (a.has("ready_command")) {
            r = Readiness.command(a.string("ready_command"));
        }
        return r.withTimeout(a.longValue("ready_timeout_seconds"), a.longValue("ready_interval_ms"));
    }

    /** "[HOST:]PORT" as the CLI's --ready-tcp reads it. */
    static Readiness tcp(String spec) {
        return Readiness.tcp(spec, "ready_tcp");
    }

    /** The MCP form of a command: one string for {@code sh -lc} (as the SDK's string overloads do). */
    static List<String> shell(String command) {
        if (command == null || command.isBlank()) {
            throw PyroException.invalid("the command is empty: give a shell command to run.");
        }
        return List.of("sh", "-lc", command);
    }

    /** workspace_create's policy: network_policy, else network true as egress; the two must agree. */
    static pyro.core.NetworkPolicy networkPolicy(Args a) {
        String named = a.string("network_policy");
        if (named == null) {
            return pyro.core.NetworkPolicy.of(a.bool("network"));
        }
        pyro.core.NetworkPolicy p = pyro.core.NetworkPolicy.parse(named);
        if (a.bool("network") && !p.egress()) {
            throw PyroException.invalid("network is true but network_policy is '" + named + "': give one of them.");
        }
        return p;
    }

    /** workspace_create's secrets and secret_files, a name in both refused. */
    static pyro.core.WorkspaceOptions secrets(Args a, pyro.core.WorkspaceOptions o) {
        for (var e : a.stringMap("secrets").entrySet()) {
            o = o.secret(e.getKey(), e.getValue());
        }
        for (var e : a.stringMap("secret_files").entrySet()) {
            if (o.secrets().containsKey(e.getKey())) {
                throw PyroException.invalid("secret '" + e.getKey() + "' is in both secrets and secret_files.");
            }
            o = o.secretFile(e.getKey(), java.nio.file.Path.of(e.getValue()));
        }
        return o;
    }
}
