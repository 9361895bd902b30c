package pyro.agent;

import pyro.protocol.ErrorCode;

/** A request failed in a documented way; becomes an {@code error} reply with this code and message. */
final class AgentException extends Exception {
    private final ErrorCode code;

    AgentException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    ErrorCode code() {
        return code;
    }

    static AgentException invalid(String message) {
        return new AgentException(ErrorCode.INVALID_INPUT, message);
    }

    static AgentException notFound(String message) {
        return new AgentException(ErrorCode.NOT_FOUND, message);
    }

    static AgentException conflict(String message) {
        return new AgentException(ErrorCode.CONFLICT, message);
    }
}
