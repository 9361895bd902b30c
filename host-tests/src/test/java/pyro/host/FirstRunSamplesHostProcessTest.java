package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pyro.core.LogQuery;
import pyro.core.Pyro;
import pyro.core.WorkspaceOptions;
import pyro.core.model.JsonRecord;
import pyro.core.model.Readiness;
import pyro.core.model.ShellInfo;

/**
 * Issue 26: the {@code --json} samples in docs/first-run.md have the fields the records really have.
 * Each {@code $ pyro ... --json} line of the page and the JSON object under it are read, and the
 * object's field names (and those of its nested objects) are compared with the record the SDK makes
 * for that command (what {@code --json} prints), here over the real agent as a host process. A field
 * added to a record without the sample, or a sample field no record has, fails this test.
 */
class FirstRunSamplesHostProcessTest {
    static Path state;
    static Pyro pyro;
    static String ws;
    static final Map<String, JsonRecord> RECORDS = new LinkedHashMap<>();

    @BeforeAll
    static void make(@TempDir Path seed) throws Exception {
        Files.writeString(seed.resolve("README.md"), "hello\n");
        state = HostProcess.stateDir("docs");
        pyro = HostProcess.pyro(state);
        ws = pyro.createWorkspace(WorkspaceOptions.of(HostProcessBackend.ENV).seed(seed).memMib(256)).workspaceId();
        pyro.execWorkspace(ws, "echo changed >> README.md", null, 30);
        pyro.startService(ws, "web", "touch ready.flag; exec sleep 600", null, Map.of(),
                Readiness.file("ready.flag").withTimeout(10, 20));
        pyro.startService(ws, "marker", "echo up; exec sleep 600", null, Map.of(), null);
        RECORDS.put("workspace status", pyro.statusWorkspace(ws));
        RECORDS.put("workspace service status", pyro.statusService(ws, "web"));
        RECORDS.put("workspace service logs", pyro.logsService(ws, "marker", LogQuery.all()));
        ShellInfo sh = pyro.openShell(ws, null, 80, 24);
        RECORDS.put("workspace shell read", pyro.readShell(ws, sh.shellId(), 0, 65536, 200));
        RECORDS.put("run", pyro.runInVm(HostProcessBackend.ENV, List.of("sh", "-c", "echo hi")));
    }

    @AfterAll
    static void delete() {
        if (ws != null) {
            pyro.deleteWorkspace(ws);
        }
    }

    /** Each sample: the command after "pyro " (up to its first argument that is not a word) and its JSON. */
    static Map<String, String> samples() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("..", "docs", "first-run.md"));
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (!l.startsWith("$ pyro ") || !l.contains(" --json") || i + 1 >= lines.size()) {
                continue;
            }
            int j = i + 1;
            while (j < lines.size() && lines.get(j).startsWith("[pyro]")) {
                j++; // progress on stderr
            }
            if (j >= lines.size() || !lines.get(j).equals("{")) {
                continue;
            }
            StringBuilder json = new StringBuilder();
            for (; j < lines.size(); j++) {
                json.append(lines.get(j)).append('\n');
                if (lines.get(j).equals("}")) {
                    break;
                }
            }
            List<String> words = new ArrayList<>();
            for (String w : l.substring("$ pyro ".length()).split("\\s+")) {
                if (!w.matches("[a-z-]+")) {
                    break;
                }
                words.add(w);
            }
            out.put(String.join(" ", words), json.toString());
        }
        return out;
    }

    private static void fields(String at, Object doc, Object real, List<String> diffs) {
        if (doc instanceof Map<?, ?> d && real instanceof Map<?, ?> r
                && (d.get("type") == null || d.get("type").equals(r.get("type")))) { // a probe of another type has other fields
            TreeSet<String> missing = new TreeSet<>();
            r.keySet().forEach(k -> missing.add(String.valueOf(k)));
            d.keySet().forEach(k -> missing.remove(String.valueOf(k)));
            TreeSet<String> extra = new TreeSet<>();
            d.keySet().forEach(k -> extra.add(String.valueOf(k)));
            r.keySet().forEach(k -> extra.remove(String.valueOf(k)));
            if (!missing.isEmpty()) {
                diffs.add(at + ": the sample lacks " + missing);
            }
            if (!extra.isEmpty()) {
                diffs.add(at + ": no record has " + extra);
            }
            for (Object k : d.keySet()) {
                if (d.get(k) != null && r.get(k) != null) {
                    fields(at + "." + k, d.get(k), r.get(k), diffs);
                }
            }
        }
    }

    @Test
    void everyJsonSampleOfFirstRunHasTheRecordsFields() throws Exception {
        Map<String, String> samples = samples();
        assertTrue(samples.keySet().containsAll(RECORDS.keySet()), "samples found: " + samples.keySet());
        List<String> diffs = new ArrayList<>();
        for (var e : samples.entrySet()) {
            JsonRecord real = RECORDS.get(e.getKey());
            assertTrue(real != null, "a sample for '" + e.getKey() + "', which this test has no record for");
            fields(e.getKey(), JSON.std.mapFrom(e.getValue()), JSON.std.mapFrom(real.toJson()), diffs);
        }
        assertEquals(List.of(), diffs, "docs/first-run.md's samples against the records");
    }

    /** The page says what --json does with null fields, as the records print them. */
    @Test
    void thePageSaysNullFieldsArePrinted() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "first-run.md"));
        assertTrue(RECORDS.get("workspace status").toJson().contains("\"name\" : null"), "a null field is printed");
        assertTrue(page.contains("fields without a value are printed as `null`"), "first-run.md says so");
    }
}
