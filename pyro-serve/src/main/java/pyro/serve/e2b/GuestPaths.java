package pyro.serve.e2b;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * E2B's paths on pyro's guest. An E2B sandbox's user works in {@code /home/user}; a pyro workspace's
 * files live in {@code /workspace}. So {@code /home/user/...} and relative paths (E2B resolves them
 * against the home folder) land in {@code /workspace/...}, where pyro's file calls, diff, export and
 * snapshots see them; any other absolute path is the guest's own ({@code /tmp/x}, {@code /etc/hosts}):
 * commands run as root there, so every path is one the user may reach. {@code ..} is resolved here;
 * a NUL byte is refused. Answers name paths the way the request did.
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
        String abs = path.startsWith("/") ? path : HOME + "/" + path;
        Deque<String> parts = new ArrayDeque<>();
        for (String seg : abs.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.removeLast();
                }
            } else {
                parts.addLast(seg);
            }
        }
        String norm = "/" + String.join("/", parts);
        return under(norm, HOME) ? WORKSPACE + norm.substring(HOME.length()) : norm;
    }

    /** Whether pyro's own file calls reach the guest path (they see /workspace only). */
    static boolean inWorkspace(String guestPath) {
        return under(guestPath, WORKSPACE);
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

    static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
