package pyro.core.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import pyro.core.PyroException;
import pyro.core.model.WorkspaceInfo;

/** Guest paths given by users: relative ones are under /workspace, and none may leave it. */
public final class WorkspacePaths {
    private WorkspacePaths() {}

    /**
     * Normalizes {@code path} (null means /workspace) to an absolute guest path inside /workspace, or
     * throws invalid input naming it. Purely lexical: the agent also refuses symlinks that lead out.
     */
    public static String guestPath(String path, String what) {
        String root = WorkspaceInfo.WORKSPACE_PATH;
        if (path == null || path.isBlank()) {
            return root;
        }
        if (path.indexOf('\0') >= 0) {
            throw PyroException.invalid(what + " '" + path.replace("\0", "\\0") + "' contains a NUL byte.");
        }
        String full = path.startsWith("/") ? path : root + "/" + path;
        Deque<String> parts = new ArrayDeque<>();
        for (String seg : full.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (parts.isEmpty()) {
                    throw outside(what, path);
                }
                parts.removeLast();
            } else {
                parts.addLast(seg);
            }
        }
        String norm = "/" + String.join("/", parts);
        if (!norm.equals(root) && !norm.startsWith(root + "/")) {
            throw outside(what, path);
        }
        return norm;
    }

    private static PyroException outside(String what, String path) {
        return PyroException.invalid(what + " '" + path + "' is outside /workspace: only paths inside /workspace are allowed.");
    }
}
