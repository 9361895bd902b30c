package pyro.serve.e2b;

import pyro.core.PyroException;

/**
 * A failure as E2B's clients read it: an HTTP status, and the Connect code envd's RPCs carry
 * ({@code {"code":"not_found","message":...}}); the control plane and envd's REST routes send the
 * status as the code instead ({@code {"code":404,"message":...}}).
 */
final class E2bError extends RuntimeException {
    final int status;
    final String connectCode;

    E2bError(int status, String connectCode, String message) {
        super(message);
        this.status = status;
        this.connectCode = connectCode;
    }

    static E2bError invalid(String message) {
        return new E2bError(400, "invalid_argument", message);
    }

    static E2bError notFound(String message) {
        return new E2bError(404, "not_found", message);
    }

    static E2bError alreadyExists(String message) {
        return new E2bError(409, "already_exists", message);
    }

    static E2bError unimplemented(String message) {
        return new E2bError(501, "unimplemented", message);
    }

    static E2bError unauthorized(String message) {
        return new E2bError(401, "unauthenticated", message);
    }

    /** What E2B's edge answers for an envd request to a sandbox that is not running: 502. */
    static E2bError sandboxGone(String sandboxId, String why) {
        return new E2bError(502, "unavailable", "sandbox " + sandboxId + " " + why);
    }

    /** The E2B reading of an SDK error. */
    static E2bError of(PyroException e) {
        return switch (e.code()) {
            case INVALID_INPUT -> new E2bError(400, "invalid_argument", e.getMessage());
            case NOT_FOUND, EXPIRED -> new E2bError(404, "not_found", e.getMessage());
            case CONFLICT -> new E2bError(409, "failed_precondition", e.getMessage());
            case TIMEOUT -> new E2bError(504, "deadline_exceeded", e.getMessage());
            case HOST_UNSUPPORTED -> new E2bError(503, "unavailable", e.getMessage());
            case GUEST_FAILURE -> new E2bError(500, "internal", e.getMessage());
        };
    }
}
