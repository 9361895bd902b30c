package pyro.serve.e2b;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * E2B's paths on pyro's guest. An E2B sandbox's user works in {@code /home/user}; a pyro workspace's
 * files live in {@code /workspace}. So {@code /home/user/...} and relative paths (E2B resolves them
 * against the home folder) land in {@code /workspace/...}, {@code /workspace/...} is taken as it is,
 * and any other absolute path is refused: pyro's file calls, diff and export only see /workspace.
 * Answers name paths the way the request did.
 */
final class GuestPaths {
    static final String HOME = "/home/user";
    static final String WORKSPACE = "/workspace";

    private GuestPaths() {}

    /** The guest path for a path the client gave (null or empty: the home folder). */
    static String toGuest(String path) {
        if (path == null || path.isEmpty()) {
            return WORKSPACE;
        }
        if (path.indexOf('\0') >= 0) {
            throw E2bError.invalid("path '" + path.replace("\0", "\\0") + "' contains a NUL byte");
        }
        String rest;
        if (!path.startsWith("/")) {
            rest = "/" + path;
        } else if (under(path, HOME)) {
            rest = path.substring(HOME.length());
        } else if (under(path, WORKSPACE)) {
            rest = path.substring(WORKSPACE.length());
        } else {
            throw E2bError.invalid("path '" + path + "' is outside the sandbox's home: pyro serves " + HOME
                    + " (which is pyro's " + WORKSPACE + ") and " + WORKSPACE + " only");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String seg : rest.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (parts.isEmpty()) {
                    throw E2bError.invalid("path '" + path + "' leads out of " + HOME + " with '..'");
                }
                parts.removeLast();
            } else {
                parts.addLast(seg);
            }
        }
        return parts.isEmpty() ? WORKSPACE : WORKSPACE + "/" + String.join("/", parts);
    }

    /** Whether answers about {@code requested} should name /home/user paths (it did, or was relative). */
    static boolean homeStyle(String requested) {
        return requested == null || requested.isEmpty() || !requested.startsWith("/") || under(requested, HOME);
    }

    /** A guest path as the client expects to read it back. */
    static String toClient(String guestPath, boolean homeStyle) {
        if (homeStyle && under(guestPath, WORKSPACE)) {
            return HOME + guestPath.substring(WORKSPACE.length());
        }
        return guestPath;
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
