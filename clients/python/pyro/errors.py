"""Errors the client raises: one class, PyroError, with a subclass per error code.

A server error arrives as ``{"error": {"code": ..., "message": ...}}`` with an HTTP status; the client
turns it into the subclass for its code (or PyroError itself for a code it does not know), so a caller
can catch broadly (``except PyroError``) or narrowly (``except NotFoundError``). Mistakes caught before
a request is sent (a missing argument, a seed folder that does not exist) are ``InvalidInputError``
with ``status`` None; a server that cannot be reached is ``ConnectionFailedError``.
"""

from __future__ import annotations

from typing import Any, Optional


class PyroError(Exception):
    """A failed call: ``code`` (e.g. 'not_found'), ``message`` (one sentence), ``status`` (HTTP status or None)."""

    code: str
    message: str
    status: Optional[int]

    def __init__(self, code: str, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __str__(self) -> str:
        where = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, status={self.status!r})"

    def __reduce__(self) -> tuple[Any, tuple[str, str, Optional[int]]]:  # keeps the three fields through pickling (multiprocessing, etc.)
        return (type(self)._rebuild, (self.code, self.message, self.status))

    @classmethod
    def _rebuild(cls, code: str, message: str, status: Optional[int]) -> "PyroError":
        return error_for(code, message, status)


class InvalidInputError(PyroError, ValueError):
    """400 invalid_input, or an argument the client refused before sending anything (status None)."""


class UnauthorizedError(PyroError):
    """401 unauthorized: no token or the wrong one."""


class NotFoundError(PyroError):
    """404 not_found: no such workspace, service, shell, snapshot, environment or route."""


class MethodNotAllowedError(PyroError):
    """405 method_not_allowed."""


class ConflictError(PyroError):
    """409 conflict: e.g. a name already taken, a workspace in the wrong state, a file changed since read."""


class ExpiredError(PyroError):
    """410 expired: the workspace or VM outlived its TTL."""


class TooLargeError(PyroError):
    """413 too_large: the request body or upload is over the server's limit."""


class HostUnsupportedError(PyroError):
    """503 host_unsupported: the server's host cannot boot guests."""


class GuestFailureError(PyroError):
    """502 guest_failure: the guest failed to boot or answer."""


class PyroTimeoutError(PyroError, TimeoutError):
    """504 timeout from the server, or no answer within the client's timeout (status None)."""


class InternalError(PyroError):
    """500 internal_error: a server bug; the details are in the server's log."""


class ConnectionFailedError(PyroError, ConnectionError):
    """The server could not be reached (code 'connection_failed', status None)."""


class UnsafeArchiveError(PyroError):
    """An exported tar has a member that would land outside the output folder (code 'unsafe_archive')."""


ERROR_CLASSES: dict[str, type[PyroError]] = {
    "invalid_input": InvalidInputError,
    "unauthorized": UnauthorizedError,
    "not_found": NotFoundError,
    "method_not_allowed": MethodNotAllowedError,
    "conflict": ConflictError,
    "expired": ExpiredError,
    "too_large": TooLargeError,
    "host_unsupported": HostUnsupportedError,
    "guest_failure": GuestFailureError,
    "timeout": PyroTimeoutError,
    "internal_error": InternalError,
    "connection_failed": ConnectionFailedError,
    "unsafe_archive": UnsafeArchiveError,
}


def error_for(code: str, message: str, status: Optional[int] = None) -> PyroError:
    """The PyroError subclass for ``code`` (PyroError itself for an unknown code)."""
    return ERROR_CLASSES.get(code, PyroError)(code, message, status)


def invalid(message: str) -> InvalidInputError:
    """A client-side argument error (nothing was sent)."""
    return InvalidInputError("invalid_input", message, None)
