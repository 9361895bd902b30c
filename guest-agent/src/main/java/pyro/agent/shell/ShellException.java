package pyro.agent.shell;

import pyro.protocol.ErrorCode;

/** A shell request failed in a documented way: becomes an {@code error} reply with this code. */
final class ShellException extends Exception {
    final ErrorCode code;

    ShellException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    static ShellException invalid(String message) {
        return new ShellException(ErrorCode.INVALID_INPUT, message);
    }
}
