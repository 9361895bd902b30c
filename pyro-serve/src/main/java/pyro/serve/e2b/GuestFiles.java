package pyro.serve.e2b;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import pyro.core.model.ExecResult;

/**
 * Reading and writing guest files outside /workspace, where pyro's file calls do not reach: small
 * guest commands, the bytes as base64 (read in {@link #READ_CHUNK} pieces through the exec's
 * output, written in {@link #WRITE_CHUNK} pieces as command-line arguments to a temporary file
 * beside the target, renamed over it at the end). Slower than the file calls, so meant for the odd
 * {@code /tmp} or {@code /etc} file; the home folder goes through the file calls.
 */
final class GuestFiles {
    static final int READ_CHUNK = 512 << 10;
    static final int WRITE_CHUNK = 48 << 10;
    static final long TIMEOUT_SECONDS = 60;

    private final Sandboxes sandboxes;

    GuestFiles(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    byte[] read(String ws, String guest, String shown, long max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String b64 = run(ws, shown, "[ -e \"$1\" ] || exit 3; [ -d \"$1\" ] && exit 4; [ -r \"$1\" ] || exit 5; "
                    + "tail -c +\"$2\" -- \"$1\" | head -c " + READ_CHUNK + " | base64 -w0", guest, Long.toString(out.size() + 1L));
            byte[] piece = Base64.getDecoder().decode(b64.strip());
            out.writeBytes(piece);
            if (piece.length < READ_CHUNK) {
                return out.toByteArray();
            }
            if (out.size() > max) {
                throw new E2bError(413, "resource_exhausted", shown + " is over " + max + " bytes");
            }
        }
    }

    void write(String ws, String guest, String shown, byte[] content) {
        String tmp = guest + ".pyro-partial";
        run(ws, shown, "[ -d \"$1\" ] && exit 4; mkdir -p -- \"$(dirname -- \"$1\")\" || exit 6; : > \"$2\" || exit 5",
                guest, tmp);
        for (int off = 0; off < content.length; off += WRITE_CHUNK) {
            byte[] piece = Arrays.copyOfRange(content, off, Math.min(content.length, off + WRITE_CHUNK));
            run(ws, shown, "printf %s \"$2\" | base64 -d >> \"$1\"", tmp, Base64.getEncoder().encodeToString(piece));
        }
        run(ws, shown, "mv -f -- \"$2\" \"$1\"", guest, tmp);
    }

    private String run(String ws, String shown, String script, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("sh", "-c", script, "sh"));
        argv.addAll(List.of(args));
        ExecResult r = sandboxes.pyro().execWorkspace(ws, argv, GuestPaths.WORKSPACE, TIMEOUT_SECONDS);
        return switch (r.exitCode()) {
            case 0 -> r.stdout();
            case 3 -> throw E2bError.notFound("path not found: " + shown);
            case 4 -> throw E2bError.invalid("path is a directory: " + shown);
            case 5 -> throw new E2bError(403, "permission_denied", "permission denied: " + shown);
            case 6 -> throw E2bError.invalid("the folder of " + shown + " cannot be made (a file is in the way)");
            default -> throw new E2bError(500, "internal", "the guest command on " + shown + " failed (exit " + r.exitCode()
                    + "): " + r.stderr().strip());
        };
    }
}
