package pyro.agent.service;

import pyro.protocol.ErrorCode;

/** A service request failed in a documented way; becomes an {@code error} reply with this code. */
final class ServiceException extends Exception {
    private final transient ErrorCode code;

    ServiceException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    ErrorCode code() {
        return code;
    }

    static ServiceException invalid(String message) {
        return new ServiceException(ErrorCode.INVALID_INPUT, message);
    }

    static ServiceException notFound(String message) {
        return new ServiceException(ErrorCode.NOT_FOUND, message);
    }

    static ServiceException conflict(String message) {
        return new ServiceException(ErrorCode.CONFLICT, message);
    }
}
