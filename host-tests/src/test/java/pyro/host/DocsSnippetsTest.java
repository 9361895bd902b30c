package pyro.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 26: a snippet in docs/ that names the file it comes from ("Claude Desktop
 * (`examples/mcp/claude-desktop.json`):" just above it) is that file: a JSON snippet is the file's
 * JSON, a code snippet's lines are the file's lines, in order (comments at a line's end aside). The
 * files are the ones the build compiles or a guest-backed test runs, so the page cannot drift from
 * code that works. Reads files only.
 */
class DocsSnippetsTest {
    static final Path ROOT = Path.of("..");
    static final Pattern CITED = Pattern.compile("`((?:examples|clients)/[^`\\s]+\\.(?:java|json|toml|py|mjs))`");

    record Snippet(int line, String file, String lang, List<String> body) {}

    static List<Snippet> snippets(String page) throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("docs").resolve(page));
        List<Snippet> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("```") || lines.get(i).length() == 3) {
                continue;
            }
            int p = i - 1;
            while (p >= 0 && lines.get(p).isBlank()) {
                p--;
            }
            StringBuilder paragraph = new StringBuilder();
            while (p >= 0 && !lines.get(p).isBlank() && !lines.get(p).startsWith("```")) {
                paragraph.insert(0, lines.get(p) + " ");
                p--;
            }
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).equals("```")) {
                end++;
            }
            Matcher m = CITED.matcher(paragraph);
            String file = null;
            while (m.find()) {
                file = m.group(1); // the last file the paragraph names is the one just before the snippet
            }
            if (file != null && !paragraph.toString().contains("excerpt") ) {
                out.add(new Snippet(i + 1, file, lines.get(i).substring(3), lines.subList(i + 1, end)));
            }
            i = end;
        }
        return out;
    }

    private static String code(String line) {
        return line.replaceFirst("\\s+//.*$", "").replaceFirst("\\s+#.*$", "").strip().replaceAll("\\s+", " ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"integrations.md", "serve.md", "e2b.md", "first-run.md"})
    void aSnippetThatNamesItsFileIsThatFile(String page) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Snippet s : snippets(page)) {
            Path file = ROOT.resolve(s.file());
            if (!Files.isRegularFile(file)) {
                wrong.add(page + ":" + s.line() + " cites " + s.file() + ", which does not exist");
                continue;
            }
            String text = Files.readString(file);
            if (s.lang().equals("json")) {
                if (!JSON.std.anyFrom(String.join("\n", s.body())).equals(JSON.std.anyFrom(text))) {
                    wrong.add(page + ":" + s.line() + " is not " + s.file());
                }
                continue;
            }
            List<String> have = text.lines().map(DocsSnippetsTest::code).filter(l -> !l.isEmpty()).toList();
            int at = 0;
            for (String l : s.body()) {
                String want = code(l);
                if (want.isEmpty() || want.equals("...")) {
                    continue;
                }
                int found = have.subList(at, have.size()).indexOf(want);
                if (found < 0) {
                    wrong.add(page + ":" + s.line() + " has '" + want + "', not in " + s.file() + " (in this order)");
                    break;
                }
                at += found + 1;
            }
        }
        assertEquals(List.of(), wrong);
    }

    @ParameterizedTest
    @ValueSource(strings = {"integrations.md"})
    void thePageHasSnippetsThatNameTheirFiles(String page) throws Exception {
        assertTrue(snippets(page).size() >= 4, snippets(page).toString());
    }
}
