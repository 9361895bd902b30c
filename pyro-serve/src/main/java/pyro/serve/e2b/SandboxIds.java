package pyro.serve.e2b;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * E2B's {@code sandboxID} for a workspace, and back. E2B ids match {@code [a-z0-9]+} (the SDK puts
 * them in host names), so a workspace id loses every other character ({@code ws-3fa2c1d0e9b8} is
 * {@code ws3fa2c1d0e9b8}). The way back is a map filled as ids are handed out, and, for ids handed
 * out by an earlier server process, the workspace list.
 */
final class SandboxIds {
    private final Map<String, String> workspaces = new ConcurrentHashMap<>();

    /** The sandbox id of a workspace id: lower-cased, only [a-z0-9] kept. */
    static String of(String workspaceId) {
        StringBuilder sb = new StringBuilder(workspaceId.length());
        for (char c : workspaceId.toLowerCase(Locale.ROOT).toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                sb.append(c);
            }
        }
        if (sb.isEmpty()) {
            throw new IllegalArgumentException("workspace id '" + workspaceId + "' has no [a-z0-9] character");
        }
        return sb.toString();
    }

    /** Whether {@code s} has a sandbox id's form. */
    static boolean wellFormed(String s) {
        return s != null && !s.isEmpty() && s.length() <= 128 && s.chars().allMatch(c -> (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9'));
    }

    /** Records a workspace id and returns its sandbox id. */
    String remember(String workspaceId) {
        String sid = of(workspaceId);
        workspaces.put(sid, workspaceId);
        return sid;
    }

    /**
     * The workspace id of {@code sandboxId}, from the map or else from {@code allWorkspaceIds} (asked
     * only on a miss); null when no workspace has it.
     */
    String workspace(String sandboxId, Supplier<? extends Iterable<String>> allWorkspaceIds) {
        if (!wellFormed(sandboxId)) {
            return null;
        }
        String known = workspaces.get(sandboxId);
        if (known != null) {
            return known;
        }
        for (String id : allWorkspaceIds.get()) {
            if (of(id).equals(sandboxId)) {
                workspaces.put(sandboxId, id);
                return id;
            }
        }
        return null;
    }

    void forget(String sandboxId) {
        workspaces.remove(sandboxId);
    }
}
