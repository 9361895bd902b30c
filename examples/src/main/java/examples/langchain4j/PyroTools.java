package examples.langchain4j;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import pyro.core.Pyro;
import pyro.core.RunOptions;
import pyro.core.WorkspaceOptions;
import pyro.core.model.JsonRecord;

/**
 * pyro as LangChain4j tools: give an instance to {@code AiServices.builder(...).tools(new PyroTools(pyro))}
 * and the model can run commands in disposable microVMs and work in a persistent workspace. Every
 * method returns the record pyro's CLI prints with {@code --json}; a failure comes back as
 * LangChain4j's tool error (the exception's one sentence).
 */
public class PyroTools {
    private final Pyro pyro;

    public PyroTools(Pyro pyro) {
        this.pyro = pyro;
    }

    private static String json(JsonRecord r) {
        try {
            return com.fasterxml.jackson.jr.ob.JSON.std.asString(r.toMap());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Tool("Run one shell command in a fresh, disposable Linux microVM (deleted afterwards) and return exit_code, "
            + "stdout and stderr as JSON. Nothing persists between calls.")
    public String runCommand(@P("guest environment: debian:12, debian:12-base or debian:12-build") String environment,
            @P("the shell command, run by sh -c") String command) {
        return json(pyro.runInVm(environment, java.util.List.of("sh", "-c", command), RunOptions.defaults()));
    }

    @Tool("Create a persistent workspace VM (files in /workspace survive between calls) and return its record; "
            + "pass its workspace_id to the other workspace tools and delete it when done.")
    public String createWorkspace(@P("guest environment, e.g. debian:12") String environment) {
        return json(pyro.createWorkspace(WorkspaceOptions.of(environment)));
    }

    @Tool("Run a shell command in /workspace of a workspace; returns exit_code, stdout and stderr as JSON.")
    public String execInWorkspace(@P("the workspace_id from createWorkspace") String workspaceId,
            @P("the shell command, run by sh -c") String command) {
        return json(pyro.execWorkspace(workspaceId, command, null, Pyro.DEFAULT_TIMEOUT_SECONDS));
    }

    @Tool("Read a text file of a workspace (path relative to /workspace); returns content, sha256 and eof.")
    public String readFile(@P("the workspace_id") String workspaceId, @P("file path inside /workspace") String path) {
        return json(pyro.readFile(workspaceId, path, null, null));
    }

    @Tool("Write a whole text file in a workspace atomically, creating its folders.")
    public String writeFile(@P("the workspace_id") String workspaceId, @P("file path inside /workspace") String path,
            @P("the new content") String content) {
        return json(pyro.writeFile(workspaceId, path, content, null));
    }

    @Tool("Delete a workspace and everything in it.")
    public String deleteWorkspace(@P("the workspace_id") String workspaceId) {
        return json(pyro.deleteWorkspace(workspaceId));
    }
}
