package pyro.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import pyro.protocol.ErrorCode;
import pyro.core.PyroException;
import pyro.core.model.FileContent;
import pyro.core.model.FileListing;
import pyro.core.model.FileWriteResult;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The file tools: list, read and write /workspace files by path, and apply a unified diff, all or
 * nothing. Paths are checked on the host first (inside /workspace, no '..' out of it) and again by
 * the agent, which also refuses symlinks and non-folder parents; writes can be made conditional on
 * the file's sha256 so an agent never overwrites a change it has not seen.
 */
public final class WorkspaceEdits {
    /** The most one write (or patch) may carry. */
    public static final int WRITE_MAX_BYTES = 8 << 20;
    /** The longest patch text: twice a write, room for the context and removed lines of a patch that writes 8 MiB. */
    public static final int PATCH_MAX_BYTES = 2 * WRITE_MAX_BYTES;
    public static final String EXPECT_NEW = "new";
    private final VmManager vms;

    public WorkspaceEdits(VmManager vms) {
        this.vms = vms;
    }

    private Instance live(String workspace) {
        String id = vms.resolveId(workspace, Instance.KIND_WORKSPACE);
        return vms.requireLive(id, Instance.KIND_WORKSPACE);
    }

    public FileListing list(String workspace, String path, boolean recursive, Long maxEntries) {
        String guest = WorkspacePaths.guestPath(path, "list path");
        Instance inst = live(workspace);
        Reply.FileListResult r = vms.call(inst, new Request.FileList(guest, recursive, maxEntries));
        return new FileListing(inst.id(), r.path(), Boolean.TRUE.equals(r.truncated()), GuestJson.fileEntries(r.entries()));
    }

    /** {@code lineStart}/{@code lineCount} (1-based) read lines; otherwise {@code offset}/{@code limit} bytes. */
    public FileContent read(String workspace, String path, Long offset, Long limit, Long lineStart, Long lineCount,
            boolean base64) {
        String guest = requireFilePath(path, "read path");
        if ((lineStart != null || lineCount != null) && (offset != null || limit != null)) {
            throw PyroException.invalid("read by lines (line_start, line_count) or by bytes (offset, limit), not both.");
        }
        Instance inst = live(workspace);
        Reply.FileReadResult r = vms.call(inst, new Request.FileRead(guest, offset, limit, lineStart, lineCount,
                base64 ? Request.Encoding.BASE64 : Request.Encoding.TEXT));
        return new FileContent(inst.id(), r.path(), r.size(), r.sha256(), r.offset(), r.bytes(),
                Boolean.TRUE.equals(r.eof()), Boolean.TRUE.equals(r.binary()), wire(r.encoding()), r.content(),
                r.lineStart(), r.lineCount(), r.totalLines());
    }

    /**
     * Writes one file atomically, creating its folders; {@code expectedSha256} (the digest a read
     * returned, or {@code new}) makes it fail with a conflict when the file is not as expected.
     */
    public FileWriteResult write(String workspace, String path, byte[] content, String expectedSha256) {
        String guest = requireFilePath(path, "write path");
        checkExpected(expectedSha256);
        if (content == null) {
            throw PyroException.invalid("a write needs content (it may be empty).");
        }
        if (content.length > WRITE_MAX_BYTES) {
            throw PyroException.invalid("the content of " + path + " is " + content.length + " bytes; one write carries at"
                    + " most " + WRITE_MAX_BYTES + " (push larger files with workspace sync push).");
        }
        Instance inst = live(workspace);
        Request.FileChange change = Request.FileChange.write(guest, Base64.getEncoder().encodeToString(content),
                expectedSha256);
        Reply.FileWriteResult r = vms.call(inst, new Request.FileWrite(List.of(change)));
        touch(inst);
        return new FileWriteResult(inst.id(), r.files().stream().map(GuestJson::written).toList());
    }

    /**
     * Applies a unified diff (plain or git's format; paths relative to /workspace, {@code a/} and
     * {@code b/} prefixes as git writes them): every file is read and every hunk checked first, then
     * all files are written in one all-or-nothing write guarded by the digests that were read, so a
     * file changed meanwhile fails the whole patch. A hunk that does not apply is named with its file.
     */
    public FileWriteResult applyPatch(String workspace, String patch) {
        if (patch == null || patch.isBlank()) {
            throw PyroException.invalid("the patch is empty.");
        }
        if (patch.length() > PATCH_MAX_BYTES / 3 && patch.getBytes(StandardCharsets.UTF_8).length > PATCH_MAX_BYTES) {
            throw PyroException.invalid("the patch is over " + PATCH_MAX_BYTES + " bytes (16 MiB): split it into smaller"
                    + " patches.");
        }
        List<UnifiedPatch.FilePatch> files = UnifiedPatch.parse(patch);
        Instance inst = live(workspace);
        List<Request.FileChange> changes = new ArrayList<>();
        List<Integer> hunks = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        int total = 0;
        for (UnifiedPatch.FilePatch fp : files) {
            if (fp.oldPath() != null && fp.newPath() != null && !fp.oldPath().equals(fp.newPath())) {
                throw UnifiedPatch.renameRefused(fp.oldPath(), fp.newPath(), "rename");
            }
            String guest = requireFilePath(fp.path(), "patch path");
            if (!seen.add(guest)) {
                throw PyroException.invalid("the patch changes " + fp.path() + " twice: merge those parts into one.");
            }
            String text = null;
            String sha = EXPECT_NEW;
            if (fp.oldPath() != null) {
                FileContent current;
                try {
                    current = readWhole(inst, guest);
                } catch (PyroException e) {
                    if (e.code() == ErrorCode.NOT_FOUND) {
                        throw PyroException.notFound("the patch changes " + fp.path() + ", which does not exist in the "
                                + "workspace; nothing was changed.");
                    }
                    throw e;
                }
                text = current.content();
                sha = current.sha256();
            } // a new file must not exist yet, which the write checks (expected 'new')
            String result = UnifiedPatch.apply(fp, text);
            if (result == null) {
                changes.add(Request.FileChange.delete(guest, sha));
            } else {
                byte[] bytes = result.getBytes(StandardCharsets.UTF_8);
                total += bytes.length;
                changes.add(Request.FileChange.write(guest, Base64.getEncoder().encodeToString(bytes), sha));
            }
            hunks.add(fp.hunks().size());
        }
        if (total > WRITE_MAX_BYTES) {
            throw PyroException.invalid("the patched files add up to " + total + " bytes; a patch may write at most "
                    + WRITE_MAX_BYTES + ".");
        }
        Reply.FileWriteResult r = vms.call(inst, new Request.FileWrite(changes));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int k = 0; k < r.files().size(); k++) {
            Map<String, Object> m = GuestJson.written(r.files().get(k));
            m.put("hunks", k < hunks.size() ? hunks.get(k) : 0);
            out.add(m);
        }
        touch(inst);
        return new FileWriteResult(inst.id(), out);
    }

    /** A text file whole, for patching (binary files and files over the read limit are refused). */
    private FileContent readWhole(Instance inst, String guest) {
        Reply.FileReadResult r = vms.call(inst, new Request.FileRead(guest, 0L, (long) (4 << 20), null, null,
                Request.Encoding.TEXT));
        if (!Boolean.TRUE.equals(r.eof())) {
            throw PyroException.invalid("the patch changes " + r.path() + ", which is " + r.size() + " bytes: patches apply"
                    + " to files up to 4 MiB.");
        }
        return new FileContent(inst.id(), r.path(), r.size(), r.sha256(), r.offset(), r.bytes(), true, false,
                wire(r.encoding()), r.content(), null, null, null);
    }

    private static String wire(Request.Encoding e) {
        return e == null ? null : e.wire();
    }

    private void touch(Instance inst) {
        vms.store().update(inst.id(), i -> i.set("last_activity_at", VmManager.now()));
    }

    private static String requireFilePath(String path, String what) {
        if (path == null || path.isBlank()) {
            throw PyroException.invalid("a " + what + " is required.");
        }
        String guest = WorkspacePaths.guestPath(path, what);
        if (guest.equals(pyro.protocol.Guest.WORKSPACE)) {
            throw PyroException.invalid(what + " '" + path + "' is the workspace folder itself, not a file.");
        }
        return guest;
    }

    private static void checkExpected(String sha) {
        if (sha != null && !sha.equals(EXPECT_NEW) && !sha.matches("[0-9a-f]{64}")) {
            throw PyroException.invalid("expected_sha256 '" + sha + "' is neither a sha256 (64 lower-case hex digits) nor "
                    + "'new'.");
        }
    }
}
