package pyro.cli.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.PyroException;

/**
 * pyro's entry merged into real configuration files of each host's format in a temp HOME: the other
 * servers, settings and comments stay, the entry has the shape the host reads (checked with an
 * independent parser: jackson-jr for JSON, python3's tomllib for Codex's TOML), a second connect
 * changes nothing, and the old file is backed up with its permissions.
 */
class HostConfigEditTest {
    @TempDir
    Path home;

    HostEnv env;
    static final ServerCommand SERVER = ServerCommand.of("/opt/pyro 2.8/bin/pyro", null, "repro-fix");

    @BeforeEach
    void setUp() {
        env = new HostEnv(Map.of("HOME", home.toString()), null);
    }

    static final String CLAUDE = """
            {
              "numStartups": 34,
              "theme": "dark",
              "projects": {
                "/home/me/app": {
                  "allowedTools": [],
                  "mcpServers": {}
                }
              },
              "mcpServers": {
                "memory": {
                  "type": "stdio",
                  "command": "npx",
                  "args": [
                    "-y",
                    "@modelcontextprotocol/server-memory"
                  ],
                  "env": {}
                }
              },
              "tipsHistory": {"a": 1.5e3}
            }
            """;

    @Test
    @SuppressWarnings("unchecked")
    void claudeCodeGetsAUserScopeStdioEntryBesideItsOtherServersAndSettings() throws Exception {
        Path file = home.resolve(".claude.json");
        Files.writeString(file, CLAUDE);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Map<String, Object> before = JSON.std.mapFrom(CLAUDE);

        Connector.Result r = Connector.connect(Host.CLAUDE_CODE, env, SERVER);
        assertTrue(r.changed());
        assertEquals(file, r.file());
        assertNotNull(r.backup());
        assertEquals(CLAUDE, Files.readString(r.backup()), "the backup is the old file");
        assertTrue(r.backup().getFileName().toString().matches("\\.claude\\.json\\.pyro-backup-\\d{8}-\\d{6}"),
                r.backup().toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        String after = Files.readString(file);
        Map<String, Object> json = JSON.std.mapFrom(after);
        Map<String, Object> servers = (Map<String, Object>) json.get("mcpServers");
        assertEquals(Map.of("type", "stdio", "command", "/opt/pyro 2.8/bin/pyro",
                "args", List.of("mcp", "serve", "--mode", "repro-fix")), servers.get("pyro"));
        assertEquals(((Map<String, Object>) before.get("mcpServers")).get("memory"), servers.get("memory"));
        json.remove("mcpServers");
        before.remove("mcpServers");
        assertEquals(before, json, "every other setting is as it was");
        assertTrue(after.startsWith(CLAUDE.substring(0, CLAUDE.indexOf("      \"env\": {}\n    }") + 20)),
                "the text before the new entry is byte for byte the old one:\n" + after);
        assertTrue(after.contains("\n    \"pyro\": {\n      \"type\": \"stdio\",\n"), "indented as the file is:\n" + after);

        Connector.Result again = Connector.connect(Host.CLAUDE_CODE, env, SERVER);
        assertEquals(false, again.changed());
        assertNull(again.backup());
        assertEquals(after, Files.readString(file), "connecting twice changes nothing");
        try (var s = Files.list(home)) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().contains("pyro-backup")).count(), "one backup");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aChangedLauncherReplacesOnlyTheOwnedMembersAndKeepsTheUsersEnv() throws Exception {
        Path file = home.resolve(".claude.json");
        Files.writeString(file, "{\"mcpServers\":{\"pyro\":{\"command\":\"/old/bin/pyro\",\"args\":[\"mcp\",\"serve\"],"
                + "\"env\":{\"PYRO_STATE_DIR\":\"/srv/pyro\"}}}}");
        Connector.connect(Host.CLAUDE_CODE, env, SERVER);
        Map<String, Object> pyro = (Map<String, Object>) ((Map<String, Object>) JSON.std.mapFrom(Files.readString(file))
                .get("mcpServers")).get("pyro");
        assertEquals("/opt/pyro 2.8/bin/pyro", pyro.get("command"));
        assertEquals("stdio", pyro.get("type"));
        assertEquals(Map.of("PYRO_STATE_DIR", "/srv/pyro"), pyro.get("env"));
    }

    @Test
    void aMissingFileIsCreatedWithItsFoldersAndNoBackup() throws Exception {
        Connector.Result r = Connector.connect(Host.OPENCODE, env, SERVER);
        Path file = home.resolve(".config/opencode/opencode.json");
        assertEquals(file, r.file());
        assertNull(r.backup());
        assertEquals(Map.of("mcp", Map.of("pyro", Map.of("type", "local", "enabled", true,
                "command", List.of("/opt/pyro 2.8/bin/pyro", "mcp", "serve", "--mode", "repro-fix")))),
                JSON.std.mapFrom(Files.readString(file)));
        assertEquals(false, Connector.connect(Host.OPENCODE, env, SERVER).changed());
    }

    static final String OPENCODE_JSONC = """
            {
              "$schema": "https://opencode.ai/config.json",
              // the model I use
              "model": "anthropic/claude-sonnet-4-5",
              "mcp": {
                "docs": {
                  "type": "remote",
                  "url": "https://docs.example/mcp", // company docs
                },
              },
            }
            """;

    @Test
    void openCodeJsoncKeepsItsCommentsAndTrailingCommas() throws Exception {
        Path dir = Files.createDirectories(home.resolve("xdg/opencode"));
        Path file = dir.resolve("opencode.jsonc");
        Files.writeString(file, OPENCODE_JSONC);
        HostEnv xdg = new HostEnv(Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve("xdg").toString()), null);
        Connector.Result r = Connector.connect(Host.OPENCODE, xdg, SERVER);
        assertEquals(file, r.file(), "the .jsonc file is the one there");
        String after = Files.readString(file);
        for (String kept : List.of("// the model I use\n", "\"url\": \"https://docs.example/mcp\", // company docs\n",
                "\"$schema\": \"https://opencode.ai/config.json\",\n")) {
            assertTrue(after.contains(kept), kept + " in\n" + after);
        }
        Object entry = JsonEdit.get(after, "f", List.of("mcp", "pyro"));
        assertEquals(Map.of("type", "local", "enabled", true,
                "command", List.of("/opt/pyro 2.8/bin/pyro", "mcp", "serve", "--mode", "repro-fix")), entry);
        assertEquals(Map.of("type", "remote", "url", "https://docs.example/mcp"),
                JsonEdit.get(after, "f", List.of("mcp", "docs")));
        assertEquals(after, Connector.apply(Host.OPENCODE, after, "f", SERVER), "idempotent");
    }

    @Test
    void openCode2sServersObjectGetsTheEntryInItsOwnShape() {
        String v2 = "{\n  \"mcp\": {\n    \"servers\": {\n      \"x\": {\"type\": \"local\", \"command\": [\"x\"]}\n    }\n  }\n}\n";
        String after = Connector.apply(Host.OPENCODE, v2, "f", SERVER);
        assertEquals(Map.of("type", "local", "command", List.of("/opt/pyro 2.8/bin/pyro", "mcp", "serve", "--mode",
                "repro-fix")), JsonEdit.get(after, "f", List.of("mcp", "servers", "pyro")));
        assertNull(JsonEdit.get(after, "f", List.of("mcp", "pyro")));
    }

    static final String CODEX = """
            # my Codex settings
            model = "gpt-5-codex"
            approval_policy = "on-request"

            [mcp_servers.context7]
            command = "npx"   # docs lookups
            args = [
              "-y",
              "@upstash/context7-mcp", # pinned below
            ]

            [mcp_servers.context7.env]
            API_KEY = 'k\\ey'

            [profiles.fast]
            model = "o4-mini"
            """;

    @Test
    @SuppressWarnings("unchecked")
    void codexGetsAnMcpServersTableThatPython311sTomllibReadsAsCodexDoes() throws Exception {
        Path file = Files.createDirectories(home.resolve(".codex")).resolve("config.toml");
        Files.writeString(file, CODEX);
        Connector.Result r = Connector.connect(Host.CODEX, env, SERVER);
        assertTrue(r.changed());
        String after = Files.readString(file);
        assertTrue(after.startsWith(CODEX), "the old text is kept whole, comments included:\n" + after);

        Map<String, Object> before = tomllib(CODEX);
        Map<String, Object> parsed = tomllib(after);
        Map<String, Object> servers = (Map<String, Object>) parsed.get("mcp_servers");
        assertEquals(Map.of("command", "/opt/pyro 2.8/bin/pyro", "args", List.of("mcp", "serve", "--mode", "repro-fix"),
                "tool_timeout_sec", 600), servers.get("pyro"));
        servers.remove("pyro");
        assertEquals(before, parsed, "everything else reads as before");
        assertEquals(after, Connector.apply(Host.CODEX, after, "f", SERVER), "connecting twice changes nothing");
        assertEquals(Map.of("command", "/opt/pyro 2.8/bin/pyro", "args", List.of("mcp", "serve", "--mode", "repro-fix"),
                "tool_timeout_sec", 600L), Connector.entry(Host.CODEX, after, "f"), "pyro reads its own entry back");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anExistingCodexTableHasOnlyItsChangedValuesReplacedAndTheUsersTimeoutAndCommentsKept() throws Exception {
        String old = """
                [mcp_servers.pyro]
                command = "/old/bin/pyro" # moved since
                args = ["mcp", "serve"]
                tool_timeout_sec = 900

                [mcp_servers.pyro.env]
                PYRO_MAX_ACTIVE_VMS = "8"
                """;
        String after = Connector.apply(Host.CODEX, old, "f", SERVER);
        assertTrue(after.contains("command = \"/opt/pyro 2.8/bin/pyro\" # moved since\n"), after);
        assertTrue(after.contains("tool_timeout_sec = 900\n"), after);
        Map<String, Object> pyro = (Map<String, Object>) ((Map<String, Object>) tomllib(after).get("mcp_servers"))
                .get("pyro");
        assertEquals(900, pyro.get("tool_timeout_sec"));
        assertEquals(Map.of("PYRO_MAX_ACTIVE_VMS", "8"), pyro.get("env"));
        assertEquals(List.of("mcp", "serve", "--mode", "repro-fix"), pyro.get("args"));
    }

    @Test
    void awkwardLauncherPathsSurviveTomlQuotingAsTomllibReadsThem() throws Exception {
        for (String path : List.of("/opt/a \"quoted\" dir/pyro", "/opt/back\\slash/pyro", "/opt/ünï/ß/pyro",
                "/opt/tab\there/pyro")) {
            String text = Connector.apply(Host.CODEX, "", "f", new ServerCommand(path, List.of("mcp", "serve")));
            @SuppressWarnings("unchecked")
            Map<String, Object> pyro = (Map<String, Object>) ((Map<String, Object>) tomllib(text).get("mcp_servers"))
                    .get("pyro");
            assertEquals(path, pyro.get("command"), text);
            assertEquals(path, ((Map<?, ?>) Connector.entry(Host.CODEX, text, "f")).get("command"));
        }
    }

    @Test
    void aCodexServerDefinedByDottedKeysIsRefusedNamingTheLineAndNothingIsWritten() throws Exception {
        Path file = Files.createDirectories(home.resolve(".codex")).resolve("config.toml");
        String old = "model = \"o3\"\n[mcp_servers]\npyro.command = \"/x/pyro\"\n";
        Files.writeString(file, old);
        PyroException e = assertThrows(PyroException.class, () -> Connector.connect(Host.CODEX, env, SERVER));
        assertEquals(file + " defines mcp_servers.pyro on line 3 in a form pyro does not edit (dotted keys or an inline "
                + "table): make it a [mcp_servers.pyro] table or remove it, then run the command again.", e.getMessage());
        assertEquals(old, Files.readString(file));
        try (var s = Files.list(file.getParent())) {
            assertEquals(1, s.count(), "no backup, no temp file");
        }
    }

    @Test
    void brokenFilesAreRefusedInOneSentenceNamingTheFileAndPlace() throws Exception {
        Path file = home.resolve(".claude.json");
        Files.writeString(file, "{\n  \"mcpServers\": {\n    \"a\": 1,,\n  }\n}\n");
        PyroException e = assertThrows(PyroException.class, () -> Connector.connect(Host.CLAUDE_CODE, env, SERVER));
        assertEquals(file + " is not valid JSON (an unexpected ',' at line 3, column 12): fix it or move it aside, then "
                + "run the command again.", e.getMessage());
        PyroException t = assertThrows(PyroException.class,
                () -> Connector.apply(Host.CODEX, "[mcp_servers.pyro\ncommand = 1\n", "c.toml", SERVER));
        assertEquals("c.toml is not valid TOML (an unclosed table header on line 1): fix it or move it aside, then run "
                + "the command again.", t.getMessage());
        PyroException notObject = assertThrows(PyroException.class,
                () -> Connector.apply(Host.CURSOR, "{\"mcpServers\": []}", "m.json", SERVER));
        assertEquals("m.json: \"mcpServers\" is not a JSON object: fix it or move the file aside, then run the command "
                + "again.", notObject.getMessage());
    }

    @Test
    void printedConfigsHaveEachHostsShape() throws Exception {
        ServerCommand plain = ServerCommand.of("/opt/pyro/bin/pyro", null, null);
        assertEquals(Map.of("mcpServers", Map.of("pyro", Map.of("command", "/opt/pyro/bin/pyro",
                "args", List.of("mcp", "serve")))), JSON.std.mapFrom(Connector.printed(Host.CLAUDE_DESKTOP, plain)));
        assertEquals(Map.of("mcpServers", Map.of("pyro", Map.of("command", "/opt/pyro/bin/pyro",
                "args", List.of("mcp", "serve")))), JSON.std.mapFrom(Connector.printed(Host.CURSOR, plain)));
        assertEquals(Map.of("servers", Map.of("pyro", Map.of("type", "stdio", "command", "/opt/pyro/bin/pyro",
                "args", List.of("mcp", "serve")))), JSON.std.mapFrom(Connector.printed(Host.VSCODE, plain)));
        assertEquals("https://opencode.ai/config.json",
                JSON.std.mapFrom(Connector.printed(Host.OPENCODE, plain)).get("$schema"));
        assertEquals("[mcp_servers.pyro]\ncommand = \"/opt/pyro/bin/pyro\"\nargs = [\"mcp\", \"serve\"]\n"
                + "tool_timeout_sec = 600\n", Connector.printed(Host.CODEX, plain));
        assertNotEquals(Host.CODEX.configFile(env), Host.CODEX.configFile(new HostEnv(Map.of("HOME", home.toString(),
                "CODEX_HOME", home.resolve("elsewhere").toString()), null)));
    }

    /** The TOML text as python3's tomllib (Python 3.11+) reads it, through JSON. */
    static Map<String, Object> tomllib(String toml) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import sys, json, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var in = p.getOutputStream()) {
            in.write(toml.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "tomllib refused:\n" + toml);
        return JSON.std.mapFrom(out);
    }
}
