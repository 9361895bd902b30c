package pyro.mcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import pyro.core.PyroException;

/**
 * {@code pyro mcp serve --mode NAME}: a task-shaped tool set on top of a profile. A mode keeps only the
 * tools its task needs, all of them from its base profile, and replaces the descriptions of the tools
 * that matter most with ones written for that task, so the model sees fewer, sharper tools; the
 * server's instructions walk through the task. Each mode's tool list and the size of its
 * {@code tools/list} are pinned by McpModesTest.
 */
public enum Mode {
    /** Reproduce a failing test or bug, fix it, prove the fix, hand back the diff. */
    REPRO_FIX("repro-fix", Profile.WORKSPACE_FULL,
            "reproduce a failure in a workspace seeded from the project, fix it, prove the fix and hand back the diff",
            "1. workspace_create with seed_path = the project. 2. workspace_exec the failing test or command until "
                    + "it fails as reported. 3. workspace_snapshot_create 'repro' so every fix attempt starts from the "
                    + "same state (workspace_reset goes back to it). 4. Read with workspace_file_read, change with "
                    + "workspace_patch_apply or workspace_file_write. 5. workspace_exec the test again, then the wider "
                    + "suite. 6. workspace_diff is the change to hand back (workspace_export copies files out). "
                    + "7. workspace_delete.",
            List.of("workspace_create", "workspace_exec", "workspace_file_read", "workspace_file_write",
                    "workspace_patch_apply", "workspace_snapshot_create", "workspace_reset", "workspace_diff",
                    "workspace_export", "workspace_delete"),
            Map.of("workspace_exec", "Run one shell command in the repro workspace and return exit_code, stdout and "
                            + "stderr: the failing test first (run only it, e.g. pytest path::test -x, go test -run "
                            + "Name, mvn -Dtest=Name test), then after a fix the same test and the wider suite. A "
                            + "non-zero exit_code is the result, not a tool error. Each call is a new shell: use cwd "
                            + "or chain with &&. Pipe long output through tail.",
                    "workspace_reset", "Go back to a snapshot (the one taken right after the failure reproduced) "
                            + "exactly as it was: use it when a fix attempt made things worse, then try another fix. "
                            + "Without a snapshot: back to the project as seeded."),
            "Mode repro-fix (built on workspace-full): "),
    /** Look at an untrusted repository without letting it touch the host or the network. */
    INSPECT("inspect", Profile.WORKSPACE_FULL,
            "look through an untrusted repository in an isolated workspace without network, and report what it does",
            "1. workspace_create with seed_path = the repository and no network (the default). 2. workspace_file_list "
                    + "and workspace_file_read to find build files, scripts, hooks and anything that runs on "
                    + "install. 3. workspace_exec read-only commands first (grep, find, git log); run its scripts "
                    + "only to see what they do: the VM has no network and is thrown away. 4. workspace_diff shows "
                    + "what running something changed. 5. workspace_delete. Nothing from the repository is ever "
                    + "run on the host.",
            List.of("workspace_create", "workspace_file_list", "workspace_file_read", "workspace_exec", "workspace_diff",
                    "workspace_delete"),
            Map.of("workspace_create", "Create an isolated workspace VM holding a copy of the repository to inspect "
                            + "(seed_path: its host folder or archive, copied into /workspace) and return its "
                            + "workspace_id. Leave network false: untrusted code then cannot reach anything. The "
                            + "copy's create-time state is what workspace_diff compares against."),
            "Mode inspect (built on workspace-full): "),
    /** Bring a project up from nothing: environment, dependencies, services, a saved warm state. */
    COLD_START("cold-start", Profile.WORKSPACE_FULL,
            "bring a project up from nothing: environment, dependencies, build, services, and a snapshot of the "
                    + "warm result",
            "1. vm_list_environments, then vm_pull_environment the one you need (the first build takes minutes). "
                    + "2. workspace_create with seed_path = the project and network true for package installs. "
                    + "3. workspace_exec the install and build steps one by one, reading failures. 4. service_start "
                    + "each long-running part with a readiness probe; service_logs when one fails. 5. "
                    + "workspace_snapshot_create 'warm' once everything runs, so later work starts from it. "
                    + "6. workspace_delete when done.",
            List.of("vm_list_environments", "vm_pull_environment", "workspace_create", "workspace_exec",
                    "workspace_file_read", "workspace_file_write", "service_start", "service_status", "service_logs",
                    "service_stop", "workspace_snapshot_create", "workspace_delete"),
            Map.of("service_start", "Start a long-running part of the project (dev server, database, worker) in "
                            + "the workspace and return only once it is ready: give one readiness probe (ready_http "
                            + "for a web server, ready_tcp for a database port, ready_file or ready_command). A "
                            + "failure names the probe, its last error and the last log lines; fix the cause with "
                            + "workspace_exec and start it again."),
            "Mode cold-start (built on workspace-full): "),
    /** Review what an agent changed: rerun its checks, read its diff, judge it. */
    REVIEW_EVAL("review-eval", Profile.WORKSPACE_CORE,
            "review or evaluate a change (an agent's or a branch's): run its checks in a fresh workspace and read "
                    + "its diff",
            "1. workspace_create with seed_path = the tree to review. 2. workspace_exec the project's checks "
                    + "(tests, linters, build) and record each exit_code. 3. workspace_diff and workspace_file_read "
                    + "to read the change against the seed. 4. workspace_export a report or artifact if one is "
                    + "wanted. 5. workspace_delete. Judge by exit codes and the diff, not by what the change says "
                    + "about itself.",
            List.of("workspace_create", "workspace_status", "workspace_exec", "workspace_file_read", "workspace_diff",
                    "workspace_export", "workspace_delete"),
            Map.of("workspace_diff", "Compare the workspace with its seed: added, modified and deleted paths and a "
                            + "unified diff of text files. In a review this is the evidence: read every hunk, and "
                            + "check that the tests run cover what changed."),
            "Mode review-eval (built on workspace-core): ");

    private final String wireName;
    private final Profile base;
    private final String purpose;
    private final String steps;
    private final List<String> tools;
    private final Map<String, String> tuned;
    private final String heading;

    Mode(String wireName, Profile base, String purpose, String steps, List<String> tools, Map<String, String> tuned,
            String heading) {
        this.wireName = wireName;
        this.base = base;
        this.purpose = purpose;
        this.steps = steps;
        this.tools = tools;
        this.tuned = tuned;
        this.heading = heading;
    }

    public String wireName() {
        return wireName;
    }

    public Profile base() {
        return base;
    }

    /** The mode called {@code name}, or invalid input naming it and the modes there are. */
    public static Mode of(String name) {
        for (Mode m : values()) {
            if (m.wireName.equals(name)) {
                return m;
            }
        }
        List<String> names = new ArrayList<>();
        for (Mode m : values()) {
            names.add(m.wireName);
        }
        throw PyroException.invalid("unknown MCP mode '" + name + "': use " + String.join(", ", names) + ".");
    }

    /** This mode's tools in the order of its base profile, with the task's descriptions where it has them. */
    public List<ToolDef> tools() {
        Set<String> names = Set.copyOf(tools);
        List<ToolDef> out = new ArrayList<>();
        for (ToolDef t : base.tools()) {
            if (names.contains(t.name())) {
                String d = tuned.getOrDefault(t.name(), t.description());
                out.add(new ToolDef(t.name(), t.title(), d, t.params(), t.hints(), t.output(), t.cuts(), t.call()));
            }
        }
        return out;
    }

    /** The server's instructions: the task step by step, result sizes, and the other modes. */
    public String instructions(ResultLimit limit) {
        StringBuilder b = new StringBuilder("pyro runs commands in disposable Linux microVMs. ").append(heading)
                .append(purpose).append(". ").append(steps).append(' ').append(Profile.results(limit))
                .append("Modes, chosen with 'pyro mcp serve --mode NAME': ");
        for (Mode m : values()) {
            b.append(m.wireName).append(m.ordinal() == values().length - 1 ? "." : ", ");
        }
        return b.toString();
    }
}
