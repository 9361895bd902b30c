package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pyro host connect|doctor|repair|print-config} as a user runs them: the real CLI as a process
 * with HOME set to a temp folder, a launcher that really starts pyro's MCP server (connect, doctor and
 * repair start it with the entry's arguments), and each host's real configuration file checked with
 * an independent parser (python3's tomllib for Codex, jackson-jr for the JSON ones).
 */
class HostOnrampCliTest {
    @TempDir
    Path tmp;

    CliLauncher.Result pyro(Path launcher, Path home, String... args) throws Exception {
        return CliLauncher.run(launcher, home, Map.of(), args);
    }

    @Test
    @SuppressWarnings("unchecked")
    void connectThreeHostsThenDoctorFindsAMovedLauncherAndRepairFixesItKeepingTheMode() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path a = CliLauncher.write(tmp.resolve("pyro-a"));
        Path claude = home.resolve(".claude.json");
        Files.writeString(claude, "{\n  \"numStartups\": 3,\n  \"mcpServers\": {\n    \"memory\": {\"type\": \"stdio\", "
                + "\"command\": \"npx\", \"args\": [\"-y\", \"@modelcontextprotocol/server-memory\"]}\n  }\n}\n");

        CliLauncher.Result codex = pyro(a, home, "host", "connect", "codex", "--mode", "repro-fix", "--command", a.toString());
        assertEquals(0, codex.exit(), codex.toString());
        Path toml = home.resolve(".codex/config.toml");
        assertTrue(codex.out().startsWith("connected codex: " + toml + " now starts '" + a
                + " mcp serve --mode repro-fix' (new file).\n"), codex.out());
        Map<String, Object> parsed = tomllib(Files.readString(toml));
        assertEquals(Map.of("mcp_servers", Map.of("pyro", Map.of("command", a.toString(),
                "args", List.of("mcp", "serve", "--mode", "repro-fix"), "tool_timeout_sec", 600))), parsed);
        String written = Files.readString(toml);
        CliLauncher.Result again = pyro(a, home, "host", "connect", "codex", "--mode", "repro-fix", "--command", a.toString());
        assertEquals(0, again.exit(), again.toString());
        assertEquals("codex is already connected: " + toml + " starts '" + a + " mcp serve --mode repro-fix' (unchanged).\n",
                again.out());
        assertEquals(written, Files.readString(toml), "connecting twice changes nothing");

        CliLauncher.Result cc = pyro(a, home, "host", "connect", "claude-code", "--profile", "workspace-full",
                "--command", a.toString(), "--json");
        assertEquals(0, cc.exit(), cc.toString());
        Map<String, Object> ccJson = JSON.std.mapFrom(cc.out());
        assertEquals(true, ccJson.get("changed"));
        assertTrue(Files.exists(Path.of((String) ccJson.get("backup_path"))), cc.out());
        Map<String, Object> servers = (Map<String, Object>) JSON.std.mapFrom(Files.readString(claude)).get("mcpServers");
        assertEquals(Map.of("type", "stdio", "command", a.toString(), "args", List.of("mcp", "serve", "--profile",
                "workspace-full")), servers.get("pyro"));
        assertEquals(List.of("memory", "pyro"), List.copyOf(servers.keySet()), "the other server stays, first");

        assertEquals(0, pyro(a, home, "host", "connect", "opencode", "--command", a.toString()).exit());
        Map<String, Object> oc = JSON.std.mapFrom(Files.readString(home.resolve(".config/opencode/opencode.json")));
        assertEquals(Map.of("type", "local", "enabled", true, "command", List.of(a.toString(), "mcp", "serve")),
                ((Map<String, Object>) oc.get("mcp")).get("pyro"));

        CliLauncher.Result ok = pyro(a, home, "host", "doctor", "--json");
        assertEquals(0, ok.exit(), ok.toString());
        for (Object h : (List<Object>) JSON.std.mapFrom(ok.out()).get("hosts")) {
            assertEquals("ok", ((Map<String, Object>) h).get("status"), ok.out());
        }

        Path b = tmp.resolve("pyro-b");
        Files.move(tmp.resolve("pyro-a"), b);
        Path moved = b.resolve("bin/pyro");
        CliLauncher.Result broken = pyro(moved, home, "host", "doctor");
        assertEquals(1, broken.exit(), broken.toString());
        assertTrue(broken.out().contains("codex        broken         " + toml + "\n  starts: " + a
                + " mcp serve --mode repro-fix\n  problem: the launcher " + a + " does not exist.\n  fix: pyro host repair "
                + "codex\n"), broken.out());

        for (String host : List.of("codex", "claude-code", "opencode")) {
            CliLauncher.Result fixed = pyro(moved, home, "host", "repair", host, "--command", moved.toString());
            assertEquals(0, fixed.exit(), fixed.toString());
            assertTrue(fixed.out().startsWith("connected " + host + ": "), fixed.out());
        }
        assertEquals(List.of("mcp", "serve", "--mode", "repro-fix"),
                ((Map<String, Object>) ((Map<String, Object>) tomllib(Files.readString(toml)).get("mcp_servers"))
                        .get("pyro")).get("args"), "repair keeps the mode");
        CliLauncher.Result healthy = pyro(moved, home, "host", "doctor");
        assertEquals(0, healthy.exit(), healthy.toString());
        assertFalse(healthy.out().contains("broken"), healthy.out());
        CliLauncher.Result nothing = pyro(moved, home, "host", "repair", "codex", "--command", moved.toString());
        assertEquals(0, nothing.exit(), nothing.toString());
        assertTrue(nothing.out().startsWith("codex is already connected"), nothing.out());
    }

    @Test
    void badInputIsOneSentenceAndWritesNothing() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path a = CliLauncher.write(tmp.resolve("pyro"));
        CliLauncher.Result mode = pyro(a, home, "host", "connect", "claude-code", "--mode", "nope", "--command", a.toString());
        assertEquals(2, mode.exit(), mode.toString());
        assertEquals(List.of("pyro: the server would not start, so nothing was written: '" + a + " mcp serve --mode nope' "
                + "exited with status 2: pyro: unknown MCP mode 'nope': use repro-fix, inspect, cold-start, review-eval."),
                mode.err().lines().toList());
        CliLauncher.Result host = pyro(a, home, "host", "connect", "zed", "--command", a.toString());
        assertEquals(List.of("pyro: unknown host 'zed': use claude-code, codex, opencode."), host.err().lines().toList());
        assertEquals(2, host.exit());
        CliLauncher.Result missing = pyro(a, home, "host", "connect", "codex", "--command", "/nonexistent/bin/pyro");
        assertEquals(List.of("pyro: the launcher /nonexistent/bin/pyro does not exist: pass --command with the path of "
                + "the pyro launcher."), missing.err().lines().toList());
        CliLauncher.Result noLauncher = pyro(a, home, "host", "connect", "codex");
        assertEquals(2, noLauncher.exit(), noLauncher.toString());
        assertTrue(noLauncher.err().contains("pass --command PATH"), noLauncher.err());
        CliLauncher.Result notConnected = pyro(a, home, "host", "repair", "codex", "--command", a.toString());
        assertEquals(3, notConnected.exit(), notConnected.toString());
        try (var s = Files.list(home)) {
            assertEquals(List.of(), s.toList(), "nothing was written");
        }
        CliLauncher.Result print = pyro(a, home, "host", "print-config", "cursor", "--command", a.toString());
        assertEquals(0, print.exit(), print.toString());
        assertEquals(Map.of("mcpServers", Map.of("pyro", Map.of("command", a.toString(), "args", List.of("mcp", "serve")))),
                JSON.std.mapFrom(print.out()));
        assertTrue(print.err().contains(home.resolve(".cursor/mcp.json").toString()), print.err());
    }

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
