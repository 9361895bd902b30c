package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import pyro.core.Pyro;
import pyro.core.model.Readiness;

/**
 * The CLI's defaults are the SDK's constants (which the MCP tools use too), and those are the
 * values docs/contract.md promises: every command's option of that name, read from picocli's model.
 */
class CliDefaultsTest {
    static final Map<String, Object> CONTRACT = new LinkedHashMap<>();

    static {
        CONTRACT.put("--vcpu-count", 1);
        CONTRACT.put("--mem-mib", 1024);
        CONTRACT.put("--timeout-seconds", 30L);
        CONTRACT.put("--ttl-seconds", 600L);
        CONTRACT.put("--ready-timeout-seconds", 30L);
        CONTRACT.put("--ready-interval-ms", 500L);
        CONTRACT.put("--grace-seconds", 10L);
        CONTRACT.put("--cols", 120);
        CONTRACT.put("--rows", 30);
        CONTRACT.put("--max-chars", 65536);
        CONTRACT.put("--max-restarts", 5);
    }

    @Test
    void theSdkConstantsHaveTheContractValues() {
        Map<String, Object> sdk = new LinkedHashMap<>();
        sdk.put("--vcpu-count", Pyro.DEFAULT_VCPUS);
        sdk.put("--mem-mib", Pyro.DEFAULT_MEM_MIB);
        sdk.put("--timeout-seconds", Pyro.DEFAULT_TIMEOUT_SECONDS);
        sdk.put("--ttl-seconds", Pyro.DEFAULT_TTL_SECONDS);
        sdk.put("--ready-timeout-seconds", Readiness.DEFAULT_TIMEOUT_SECONDS);
        sdk.put("--ready-interval-ms", Readiness.DEFAULT_INTERVAL_MS);
        sdk.put("--grace-seconds", Pyro.DEFAULT_SERVICE_GRACE_SECONDS);
        sdk.put("--cols", Pyro.DEFAULT_SHELL_COLS);
        sdk.put("--rows", Pyro.DEFAULT_SHELL_ROWS);
        sdk.put("--max-chars", Pyro.DEFAULT_SHELL_MAX_CHARS);
        sdk.put("--max-restarts", pyro.core.ServiceOptions.DEFAULT_MAX_RESTARTS);
        assertEquals(CONTRACT, sdk);
    }

    @Test
    void everyCommandsOptionDefaultsToTheContractValue() {
        Map<String, String> seen = new TreeMap<>();
        walk(new CommandLine(new Main()), seen);
        for (var e : seen.entrySet()) {
            String option = e.getKey().substring(e.getKey().lastIndexOf(' ') + 1);
            assertEquals(String.valueOf(CONTRACT.get(option)), e.getValue(), e.getKey());
        }
        for (String option : CONTRACT.keySet()) {
            assertTrue(seen.keySet().stream().anyMatch(k -> k.endsWith(" " + option)), option + " is used somewhere");
        }
        // run, vm create, workspace create each have the sizes
        for (String c : new String[] {"pyro run", "pyro vm create", "pyro workspace create"}) {
            assertTrue(seen.containsKey(c + " --vcpu-count") && seen.containsKey(c + " --mem-mib"), c + ": " + seen);
        }
    }

    private static void walk(CommandLine cl, Map<String, String> seen) {
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
            // update's options change a value only when given, and a run's TTL follows its timeout unless given:
            // they have no default on purpose
            String at = cl.getCommandSpec().qualifiedName() + " " + o.longestName();
            if (CONTRACT.containsKey(o.longestName()) && !at.startsWith("pyro workspace update ")
                    && !at.equals("pyro run --ttl-seconds")) {
                seen.put(cl.getCommandSpec().qualifiedName() + " " + o.longestName(), o.defaultValue());
            }
        }
        cl.getSubcommands().values().forEach(sub -> walk(sub, seen));
    }
}
