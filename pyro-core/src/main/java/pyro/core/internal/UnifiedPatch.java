package pyro.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import pyro.core.PyroException;

/**
 * A unified diff (plain or git's format, as {@code workspace diff} writes it) parsed into files and
 * hunks, and applied to a file's text with exact context. A hunk whose lines are not where it says
 * is searched for nearby (as {@code patch} does, without fuzz); one that is nowhere is an error
 * naming the file, the hunk and the first line that differs.
 */
public final class UnifiedPatch {
    /** How far from its stated line a hunk is looked for. */
    static final int MAX_OFFSET = 1000;

    /** One file of the patch: {@code oldPath} null for a new file, {@code newPath} null for a deletion. */
    public record FilePatch(String oldPath, String newPath, List<Hunk> hunks) {
        public String path() {
            return newPath != null ? newPath : oldPath;
        }
    }

    /**
     * @param oldNoNewline the hunk's last old line has no newline at the end of the file
     * @param newNoNewline the same for its last new line
     */
    public record Hunk(String header, int oldStart, List<String> oldLines, List<String> newLines,
            boolean oldNoNewline, boolean newNoNewline) {}

    private UnifiedPatch() {}

    public static List<FilePatch> parse(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast(); // the text's final newline ends the last line; it does not start an empty one
        }
        List<FilePatch> files = new ArrayList<>();
        String section = null; // while a git section's header lines are read: its file (or its diff line's names)
        int i = 0;
        while (i < lines.size()) {
            String l = lines.get(i);
            if (l.startsWith("diff --git ")) {
                section = java.util.Objects.requireNonNullElse(sectionName(l), l.substring("diff --git ".length()));
                FilePatch empty = headerOnly(lines, i);
                if (empty != null) {
                    files.add(empty);
                }
                i++;
                continue;
            }
            if (!l.startsWith("--- ")) {
                refuseUnapplied(lines, i, section);
                i++;
                continue; // index lines and anything between files
            }
            section = null;
            if (i + 1 >= lines.size() || !lines.get(i + 1).startsWith("+++ ")) {
                throw PyroException.invalid("patch line " + (i + 1) + " ('" + l + "') is not followed by a '+++ ' line.");
            }
            String oldPath = path(l.substring(4), "a/");
            String newPath = path(lines.get(i + 1).substring(4), "b/");
            i += 2;
            List<Hunk> hunks = new ArrayList<>();
            while (i < lines.size() && lines.get(i).startsWith("@@")) {
                String header = lines.get(i);
                int[] r = range(header, i + 1);
                List<String> oldL = new ArrayList<>();
                List<String> newL = new ArrayList<>();
                boolean oldNo = false;
                boolean newNo = false;
                i++;
                char last = ' ';
                while (i < lines.size() && (oldL.size() < r[1] || newL.size() < r[3] || lines.get(i).startsWith("\\"))) {
                    String h = lines.get(i);
                    char c = h.isEmpty() ? ' ' : h.charAt(0); // an empty line is an empty context line
                    String body = h.isEmpty() ? "" : h.substring(1);
                    switch (c) {
                        case ' ' -> {
                            oldL.add(body);
                            newL.add(body);
                        }
                        case '-' -> oldL.add(body);
                        case '+' -> newL.add(body);
                        case '\\' -> {
                            // "\ No newline at end of file": the line before it, on its side, ends the file unterminated
                            if (last != '+') {
                                oldNo = true;
                            }
                            if (last != '-') {
                                newNo = true;
                            }
                        }
                        default -> throw PyroException.invalid("patch line " + (i + 1) + " ('" + h + "') in hunk '" + header
                                + "' of " + (newPath != null ? newPath : oldPath) + " is not a context, '-' or '+' line.");
                    }
                    if (c != '\\') {
                        last = c;
                    }
                    i++;
                }
                if (oldL.size() != r[1] || newL.size() != r[3]) {
                    throw PyroException.invalid("hunk '" + header + "' of " + (newPath != null ? newPath : oldPath)
                            + " is cut short: it promises " + r[1] + " old and " + r[3] + " new lines.");
                }
                hunks.add(new Hunk(header, r[0], oldL, newL, oldNo, newNo));
            }
            if (hunks.isEmpty() && oldPath != null && newPath != null) {
                throw PyroException.invalid("the patch for " + newPath + " has no hunks.");
            }
            files.add(new FilePatch(oldPath, newPath, hunks));
        }
        if (files.isEmpty()) {
            throw PyroException.invalid("the patch has no files: expected '--- a/PATH' and '+++ b/PATH' lines.");
        }
        return files;
    }

    /**
     * A git section without {@code ---}/{@code +++} lines: an empty file added or deleted (git writes
     * no hunk for it). Null when the section has a unified diff (the caller reads that) or is neither.
     */
    private static FilePatch headerOnly(List<String> lines, int at) {
        boolean added = false;
        boolean deleted = false;
        for (int k = at + 1; k < lines.size() && !lines.get(k).startsWith("diff --git "); k++) {
            String l = lines.get(k);
            if (l.startsWith("--- ") || l.startsWith("@@")) {
                return null;
            }
            added |= l.startsWith("new file mode ");
            deleted |= l.startsWith("deleted file mode ");
        }
        if (!added && !deleted) {
            return null;
        }
        String name = sectionName(lines.get(at));
        if (name == null) {
            throw PyroException.invalid("cannot read the file name of patch line '" + lines.get(at) + "'.");
        }
        return added ? new FilePatch(null, name, List.of()) : new FilePatch(name, null, List.of());
    }

    /** The file a {@code diff --git a/NAME b/NAME} line names, or null when its two names differ or are unreadable. */
    private static String sectionName(String diffLine) {
        String rest = diffLine.substring("diff --git ".length());
        if (rest.startsWith("\"")) {
            int end = 1;
            while (end < rest.length() && (rest.charAt(end) != '"' || rest.charAt(end - 1) == '\\')) {
                end++;
            }
            return path(rest.substring(0, Math.min(rest.length(), end + 1)), "a/");
        }
        // "a/NAME b/NAME" with the same NAME twice
        int len = (rest.length() - 5) / 2;
        if (len <= 0 || !rest.startsWith("a/") || !rest.substring(2 + len).equals(" b/" + rest.substring(2, 2 + len))) {
            return null;
        }
        return rest.substring(2, 2 + len);
    }

    /** What a patch may change: a regular file's content, its mode one of these. */
    private static final List<String> FILE_MODES = List.of("100644", "100755");

    /**
     * Refuses a header line that asks for what is not applied (a binary file, a symlink or other
     * non-file mode, a mode change, a rename or copy), naming the file: skipping it would report
     * success for a change never made, or write an empty file for a binary one.
     */
    private static void refuseUnapplied(List<String> lines, int at, String section) {
        String l = lines.get(at);
        if (l.equals("GIT binary patch") || l.startsWith("Binary files ") && l.endsWith(" differ")) {
            throw PyroException.invalid("the patch changes " + (section != null ? section : l.substring(13, l.length() - 7))
                    + " as a binary file: binary patches are not applied (write the file with workspace file write).");
        }
        if (section == null) {
            return; // not a git header line: text between files
        }
        for (String kind : List.of("new file mode ", "deleted file mode ", "new mode ")) {
            if (l.startsWith(kind) && !FILE_MODES.contains(l.substring(kind.length()).strip())) {
                String mode = l.substring(kind.length()).strip();
                throw PyroException.invalid("the patch makes " + section + " " + (mode.equals("120000") ? "a symlink"
                        : mode.equals("160000") ? "a submodule" : "something other than a file") + " (mode " + mode
                        + "): only regular files are patched.");
            }
        }
        if (l.startsWith("old mode ") && at + 1 < lines.size() && lines.get(at + 1).startsWith("new mode ")) {
            throw PyroException.invalid("the patch changes the mode of " + section + " from " + l.substring(9).strip() + " to "
                    + lines.get(at + 1).substring(9).strip() + ": modes are not applied, only contents.");
        }
        for (String verb : List.of("rename", "copy")) {
            if (l.startsWith(verb + " from ")) {
                String to = at + 1 < lines.size() && lines.get(at + 1).startsWith(verb + " to ")
                        ? path(lines.get(at + 1).substring(verb.length() + 4), "") : "another name";
                throw renameRefused(path(l.substring(verb.length() + 6), ""), to, verb);
            }
        }
    }

    /** A patch that renames (or copies) a file: not applied, said the same way by every check. */
    public static PyroException renameRefused(String from, String to, String verb) {
        return PyroException.invalid("the patch " + (verb.equals("copy") ? "copies " : "renames ") + from + " to " + to
                + ": " + (verb.equals("copy") ? "copies" : "renames") + " are not applied (write the new file"
                + (verb.equals("copy") ? ")." : " and delete the old one)."));
    }

    /** A '---'/'+++' name: null for /dev/null, git's quoting undone, the a/ or b/ prefix and any tab suffix cut. */
    static String path(String raw, String prefix) {
        String s = raw;
        if (s.startsWith("\"")) {
            s = unquote(s);
        } else {
            int tab = s.indexOf('\t');
            if (tab >= 0) {
                s = s.substring(0, tab);
            }
        }
        if (s.equals("/dev/null")) {
            return null;
        }
        if (s.startsWith(prefix)) {
            s = s.substring(prefix.length());
        }
        if (s.isEmpty()) {
            throw PyroException.invalid("the patch names an empty path ('" + raw + "').");
        }
        return s;
    }

    /** Git's C-style quoted name: {@code "a/sp\303\251cial \"x\""}. */
    static String unquote(String q) {
        int end = q.lastIndexOf('"');
        if (end <= 0) {
            throw PyroException.invalid("the patch names a badly quoted path: " + q);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < end; i++) {
            char c = q.charAt(i);
            if (c != '\\') {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                continue;
            }
            char n = q.charAt(++i);
            switch (n) {
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case 'a' -> out.write(7);
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'v' -> out.write(11);
                case '"', '\\' -> out.write(n);
                default -> {
                    if (i + 2 < end && q.substring(i, i + 3).matches("[0-3][0-7][0-7]")) {
                        out.write(Integer.parseInt(q.substring(i, i + 3), 8));
                        i += 2;
                    } else {
                        throw PyroException.invalid("the patch names a badly quoted path: " + q);
                    }
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** {@code @@ -a,b +c,d @@} as {a, b, c, d} (a missing count is 1). */
    private static int[] range(String header, int lineNo) {
        var m = java.util.regex.Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@.*").matcher(header);
        if (!m.matches()) {
            throw PyroException.invalid("patch line " + lineNo + " ('" + header + "') is not a hunk header '@@ -A,B +C,D @@'.");
        }
        int[] r = new int[4];
        for (int g = 1; g <= 4; g++) {
            String n = m.group(g);
            if (n == null) {
                r[g - 1] = 1;
            } else if (n.length() > 9) { // a line number or count past 999,999,999 is no file's
                throw PyroException.invalid("patch line " + lineNo + " ('" + header + "') has a line number or count "
                        + "too large for any file: " + n + ".");
            } else {
                r[g - 1] = Integer.parseInt(n);
            }
        }
        return r;
    }

    /**
     * Applies one file's hunks to {@code text} (null: the file does not exist) and returns the new text
     * (null: the file is deleted). Throws a conflict naming the hunk that does not apply.
     */
    public static String apply(FilePatch fp, String text) {
        String name = fp.path();
        if (fp.oldPath() == null && text != null) {
            throw new PyroException(pyro.protocol.ErrorCode.CONFLICT, "the patch creates " + name + ", which already exists.");
        }
        if (fp.oldPath() != null && text == null) {
            throw PyroException.notFound("the patch changes " + fp.oldPath() + ", which does not exist in the workspace.");
        }
        List<String> lines = new ArrayList<>();
        boolean finalNewline = true;
        if (text != null && !text.isEmpty()) {
            String[] parts = text.split("\n", -1);
            finalNewline = parts[parts.length - 1].isEmpty();
            for (int k = 0; k < parts.length - (finalNewline ? 1 : 0); k++) {
                lines.add(parts[k]);
            }
        }
        int shift = 0;
        int hunkNo = 0;
        int floor = 0; // hunks apply in order, never overlapping the one before
        for (Hunk h : fp.hunks()) {
            hunkNo++;
            int want = Math.max(0, h.oldStart() - 1 + shift);
            if (h.oldLines().isEmpty() && h.oldStart() == 0) {
                want = 0;
            } else if (h.oldLines().isEmpty()) {
                want = h.oldStart() + shift; // an insertion after line oldStart
            }
            int at = find(lines, h.oldLines(), want, floor);
            if (at < 0) {
                throw new PyroException(pyro.protocol.ErrorCode.CONFLICT, "hunk " + hunkNo + " of " + name + " ('" + h.header()
                        + "') does not apply: " + mismatch(lines, h.oldLines(), want) + "; nothing was changed.");
            }
            for (int k = 0; k < h.oldLines().size(); k++) {
                lines.remove(at);
            }
            lines.addAll(at, h.newLines());
            shift += h.newLines().size() - h.oldLines().size() + (at - want);
            floor = at + h.newLines().size();
            if (at + h.newLines().size() == lines.size()) {
                if (h.newNoNewline()) {
                    finalNewline = false;
                } else if (h.oldNoNewline() || !h.newLines().isEmpty()) {
                    finalNewline = true;
                }
            }
        }
        if (fp.newPath() == null) {
            if (!lines.isEmpty()) {
                throw new PyroException(pyro.protocol.ErrorCode.CONFLICT, "the patch deletes " + name
                        + " but it has lines the patch does not remove; nothing was changed.");
            }
            return null;
        }
        if (lines.isEmpty()) {
            return "";
        }
        return String.join("\n", lines) + (finalNewline ? "\n" : "");
    }

    private static int find(List<String> lines, List<String> old, int want, int floor) {
        for (int d = 0; d <= MAX_OFFSET; d++) {
            for (int at : d == 0 ? new int[] {want} : new int[] {want - d, want + d}) {
                if (at >= floor && at + old.size() <= lines.size() && lines.subList(at, at + old.size()).equals(old)) {
                    return at;
                }
            }
        }
        return -1;
    }

    private static String mismatch(List<String> lines, List<String> old, int want) {
        for (int k = 0; k < old.size(); k++) {
            int n = want + k;
            if (n >= lines.size()) {
                return "the file has " + lines.size() + " lines, the hunk expects line " + (n + 1) + " to be '"
                        + cut(old.get(k)) + "'";
            }
            if (!lines.get(n).equals(old.get(k))) {
                return "line " + (n + 1) + " is '" + cut(lines.get(n)) + "', the hunk expects '" + cut(old.get(k)) + "'";
            }
        }
        return "its lines are not found where it says or near it";
    }

    private static String cut(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
