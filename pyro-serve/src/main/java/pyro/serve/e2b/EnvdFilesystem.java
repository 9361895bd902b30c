package pyro.serve.e2b;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import pyro.core.model.ExecResult;

/**
 * envd's {@code filesystem.Filesystem} unary RPCs ({@code Stat}, {@code ListDir}, {@code MakeDir},
 * {@code Remove}, {@code Move}) as one small guest command each, whose {@code find -printf} lines
 * become proto3-JSON {@code EntryInfo}s (size as a string, type by enum name, mode with Go's type
 * bits as envd sends them). Watching is not served.
 */
final class EnvdFilesystem {
    /** type, size, octal mode, owner, group, mtime, link target, path; NUL-terminated (paths may hold newlines). */
    static final String FORMAT = "%y\\t%s\\t%m\\t%u\\t%g\\t%T@\\t%l\\t%p\\0";
    static final int NOT_FOUND = 3;
    static final int NOT_A_DIR = 4;
    static final int EXISTS = 5;
    static final int EXISTS_NOT_DIR = 6;
    static final long TIMEOUT_SECONDS = 60;

    private final Sandboxes sandboxes;

    EnvdFilesystem(Sandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    Map<String, Object> call(String method, String sid, Map<String, Object> req) {
        return switch (method) {
            case "Stat" -> {
                String p = path(req, "path");
                yield Map.of("entry", one(run(sid, "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 3; "
                        + "find \"$1\" -maxdepth 0 -printf '" + FORMAT + "'", p, guest(p)), p));
            }
            case "ListDir" -> {
                String p = path(req, "path");
                long depth = req.get("depth") instanceof Number n && n.longValue() > 0 ? n.longValue() : 1;
                List<Map<String, Object>> entries = entries(run(sid, "[ -e \"$1\" ] || exit 3; [ -d \"$1\" ] || exit 4; "
                        + "find -H \"$1\" -mindepth 1 -maxdepth \"$2\" -printf '" + FORMAT + "'", p, guest(p), Long.toString(depth)), p);
                yield Map.of("entries", entries);
            }
            case "MakeDir" -> {
                String p = path(req, "path");
                yield Map.of("entry", one(run(sid, "if [ -d \"$1\" ]; then exit 5; elif [ -e \"$1\" ]; then exit 6; fi; "
                        + "mkdir -p -- \"$1\" && find \"$1\" -maxdepth 0 -printf '" + FORMAT + "'", p, guest(p)), p));
            }
            case "Remove" -> {
                String p = path(req, "path");
                run(sid, "rm -rf -- \"$1\"", p, guest(p));
                yield Map.of();
            }
            case "Move" -> {
                String src = path(req, "source");
                String dst = path(req, "destination");
                yield Map.of("entry", one(run(sid, "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 3; "
                        + "mkdir -p -- \"$(dirname -- \"$2\")\" && mv -- \"$1\" \"$2\" && "
                        + "find \"$2\" -maxdepth 0 -printf '" + FORMAT + "'", src, guest(src), guest(dst)), dst));
            }
            default -> throw E2bError.unimplemented("filesystem.Filesystem/" + method + " is not served by pyro serve "
                    + "(docs/e2b.md)");
        };
    }

    private static String path(Map<String, Object> req, String key) {
        if (!(req.get(key) instanceof String s) || s.isEmpty()) {
            throw E2bError.invalid(key + " is required");
        }
        return s;
    }

    private static String guest(String clientPath) {
        return GuestPaths.toGuest(clientPath);
    }

    /** Runs {@code sh -c SCRIPT sh ARGS...}; returns stdout, or the error its exit code names ({@code shown}: the path as asked). */
    private String run(String sid, String script, String shown, String... args) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        argv.addAll(List.of(args));
        String ws = sandboxes.running(sid);
        ExecResult r = sandboxes.pyro().execWorkspace(ws, argv, GuestPaths.WORKSPACE, TIMEOUT_SECONDS);
        return switch (r.exitCode()) {
            case 0 -> r.stdout();
            case NOT_FOUND -> throw E2bError.notFound("path not found: " + shown);
            case NOT_A_DIR -> throw E2bError.invalid("path is not a directory: " + shown);
            case EXISTS -> throw E2bError.alreadyExists("directory already exists: " + shown);
            case EXISTS_NOT_DIR -> throw E2bError.invalid("path already exists but it is not a directory: " + shown);
            default -> throw new E2bError(500, "internal", "the guest command failed (exit " + r.exitCode() + "): "
                    + r.stderr().strip());
        };
    }

    private static Map<String, Object> one(String out, String requested) {
        List<Map<String, Object>> all = entries(out, requested);
        if (all.size() != 1) {
            throw new E2bError(500, "internal", "expected one entry for " + requested + ", got " + all.size());
        }
        return all.getFirst();
    }

    static List<Map<String, Object>> entries(String out, String requested) {
        boolean home = GuestPaths.homeStyle(requested);
        List<Map<String, Object>> list = new ArrayList<>();
        for (String rec : out.split("\0")) {
            if (!rec.isEmpty()) {
                list.add(entry(rec, home));
            }
        }
        return list;
    }

    /** One {@link #FORMAT} record as an {@code EntryInfo}. */
    static Map<String, Object> entry(String rec, boolean homeStyle) {
        String[] f = rec.split("\t", 8);
        if (f.length < 8) {
            throw new E2bError(500, "internal", "unreadable entry from the guest: " + rec);
        }
        int perm = Integer.parseInt(f[2], 8);
        String guestPath = f[7];
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", guestPath.equals(GuestPaths.WORKSPACE) && homeStyle ? "user" : EnvdFiles.name(guestPath));
        e.put("type", switch (f[0]) {
            case "f" -> "FILE_TYPE_FILE";
            case "d" -> "FILE_TYPE_DIRECTORY";
            case "l" -> "FILE_TYPE_SYMLINK";
            default -> "FILE_TYPE_UNSPECIFIED";
        });
        e.put("path", GuestPaths.toClient(guestPath, homeStyle));
        e.put("size", f[1]); // int64: a string in proto3 JSON
        long typeBits = switch (f[0]) {
            case "d" -> 1L << 31;
            case "l" -> 1L << 27;
            default -> 0;
        };
        e.put("mode", typeBits | perm);
        e.put("permissions", permissions(f[0], perm));
        e.put("owner", f[3]);
        e.put("group", f[4]);
        e.put("modifiedTime", timestamp(f[5]));
        if (f[0].equals("l")) {
            e.put("symlinkTarget", f[6]);
        }
        return e;
    }

    /** Go's {@code FileMode.String()}: {@code drwxr-xr-x}, {@code -rw-r--r--}, {@code Lrwxrwxrwx}. */
    static String permissions(String type, int perm) {
        StringBuilder sb = new StringBuilder(switch (type) {
            case "d" -> "d";
            case "l" -> "L";
            default -> "-";
        });
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((perm & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }

    /** {@code find}'s {@code %T@} (seconds with a fraction) as an RFC 3339 google.protobuf.Timestamp. */
    static String timestamp(String secondsDotFraction) {
        BigDecimal s = new BigDecimal(secondsDotFraction);
        long secs = s.longValue();
        long nanos = s.subtract(BigDecimal.valueOf(secs)).movePointRight(9).longValue();
        return Instant.ofEpochSecond(secs, nanos).toString();
    }
}
