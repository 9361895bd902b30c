package pyro.cli.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.PyroException;

/**
 * The MCP hosts pyro knows: where each keeps its MCP servers, in which format, and the entry that
 * starts {@code pyro mcp serve} there. Locations as the hosts document them (December 2026):
 * <ul>
 * <li>Claude Code: {@code ~/.claude.json} (or {@code $CLAUDE_CONFIG_DIR/.claude.json}), user scope,
 *     {@code "mcpServers": {"pyro": {"type": "stdio", "command", "args"}}}.
 * <li>Codex: {@code ~/.codex/config.toml} (or {@code $CODEX_HOME/config.toml}),
 *     {@code [mcp_servers.pyro]} with {@code command}, {@code args} and {@code tool_timeout_sec}.
 * <li>OpenCode: {@code ~/.config/opencode/opencode.json} (or {@code $XDG_CONFIG_HOME/opencode/},
 *     {@code opencode.jsonc} when that is the one there), {@code "mcp": {"pyro": {"type": "local",
 *     "command": [launcher, args...], "enabled": true}}}; OpenCode 2's {@code "mcp": {"servers": {...}}}
 *     when the file already uses it.
 * <li>Print only: Claude Desktop ({@code claude_desktop_config.json}, {@code mcpServers}), Cursor
 *     ({@code ~/.cursor/mcp.json}, {@code mcpServers}), VS Code ({@code .vscode/mcp.json}, {@code servers}).
 * </ul>
 */
enum Host {
    CLAUDE_CODE("claude-code", true, "Claude Code"),
    CODEX("codex", true, "Codex"),
    OPENCODE("opencode", true, "OpenCode"),
    CLAUDE_DESKTOP("claude-desktop", false, "Claude Desktop"),
    CURSOR("cursor", false, "Cursor"),
    VSCODE("vscode", false, "VS Code");

    /** The server's name in every host's configuration. */
    static final String SERVER = "pyro";
    /** Codex gives a tool call 60 s unless told otherwise; a first environment build takes minutes. */
    static final long CODEX_TOOL_TIMEOUT_SEC = 600;

    final String wireName;
    final boolean connectable;
    final String title;

    Host(String wireName, boolean connectable, String title) {
        this.wireName = wireName;
        this.connectable = connectable;
        this.title = title;
    }

    static Host of(String name, boolean mustConnect) {
        for (Host h : values()) {
            if (h.wireName.equals(name) && (h.connectable || !mustConnect)) {
                return h;
            }
        }
        List<String> names = new ArrayList<>();
        for (Host h : values()) {
            if (h.connectable || !mustConnect) {
                names.add(h.wireName);
            }
        }
        throw PyroException.invalid("unknown host '" + name + "': use " + String.join(", ", names) + ".");
    }

    static List<Host> connectable() {
        return java.util.Arrays.stream(values()).filter(h -> h.connectable).toList();
    }

    boolean toml() {
        return this == CODEX;
    }

    /** The configuration file this host reads its MCP servers from, for the user of {@code env}. */
    Path configFile(HostEnv env) {
        Path home = env.home();
        return switch (this) {
            case CLAUDE_CODE -> env.dir("CLAUDE_CONFIG_DIR", home).resolve(".claude.json");
            case CODEX -> env.dir("CODEX_HOME", home.resolve(".codex")).resolve("config.toml");
            case OPENCODE -> {
                Path dir = env.dir("XDG_CONFIG_HOME", home.resolve(".config")).resolve("opencode");
                Path json = dir.resolve("opencode.json");
                Path jsonc = dir.resolve("opencode.jsonc");
                yield !Files.exists(json) && Files.exists(jsonc) ? jsonc : json;
            }
            case CLAUDE_DESKTOP -> System.getProperty("os.name", "").startsWith("Mac")
                    ? home.resolve("Library/Application Support/Claude/claude_desktop_config.json")
                    : env.dir("XDG_CONFIG_HOME", home.resolve(".config")).resolve("Claude/claude_desktop_config.json");
            case CURSOR -> home.resolve(".cursor/mcp.json");
            case VSCODE -> Path.of(".vscode", "mcp.json");
        };
    }

    /** The keys from the top of a JSON file down to pyro's entry; OpenCode's depends on the file's shape. */
    List<String> jsonPath(String existingText, String file) {
        return switch (this) {
            case OPENCODE -> JsonEdit.get(existingText, file, List.of("mcp", "servers")) instanceof Map<?, ?> m
                    && !(m.get("type") instanceof String) ? List.of("mcp", "servers", SERVER) : List.of("mcp", SERVER);
            case VSCODE -> List.of("servers", SERVER);
            case CODEX -> List.of("mcp_servers", SERVER);
            default -> List.of("mcpServers", SERVER);
        };
    }

    /**
     * The members of pyro's entry that pyro owns (set on every connect; other members the user added,
     * such as {@code env}, are kept), for a server started as {@code command args...}.
     */
    Map<String, Object> entry(ServerCommand server, List<String> jsonPath) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (this) {
            case OPENCODE -> {
                m.put("type", "local");
                List<Object> argv = new ArrayList<>();
                argv.add(server.command());
                argv.addAll(server.args());
                m.put("command", argv);
                if (jsonPath.size() == 2) {
                    m.put("enabled", true); // OpenCode 1 requires it; 2 says "disabled" instead
                }
            }
            case CLAUDE_CODE, VSCODE -> {
                m.put("type", "stdio");
                m.put("command", server.command());
                m.put("args", List.copyOf(server.args()));
            }
            default -> {
                m.put("command", server.command());
                m.put("args", List.copyOf(server.args()));
            }
        }
        return m;
    }

    /** Members written only when the entry lacks them (the user's own value wins). */
    Map<String, Object> entryDefaults() {
        return this == CODEX ? Map.of("tool_timeout_sec", CODEX_TOOL_TIMEOUT_SEC) : Map.of();
    }

    /** The server command an existing entry holds, or null when it is not a command pyro can read. */
    ServerCommand read(Object entry) {
        if (!(entry instanceof Map<?, ?> m)) {
            return null;
        }
        if (this == OPENCODE) {
            if (m.get("command") instanceof List<?> argv && !argv.isEmpty() && argv.stream().allMatch(String.class::isInstance)) {
                return new ServerCommand((String) argv.getFirst(), argv.subList(1, argv.size()).stream().map(String.class::cast).toList());
            }
            return null;
        }
        if (!(m.get("command") instanceof String c)) {
            return null;
        }
        Object args = m.get("args");
        if (args == null) {
            return new ServerCommand(c, List.of());
        }
        if (args instanceof List<?> l && l.stream().allMatch(String.class::isInstance)) {
            return new ServerCommand(c, l.stream().map(String.class::cast).toList());
        }
        return null;
    }
}
