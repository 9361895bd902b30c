"""Python client of ``pyro serve``, the HTTP API of pyro: commands for coding agents in microVMs.

    from pyro import Pyro
    pyro = Pyro()  # PYRO_URL and PYRO_TOKEN, or Pyro(base_url=..., token=...)
    ws = pyro.create_workspace("debian:12", seed_path="./src")
    print(pyro.exec_workspace(ws["workspace_id"], command="ls")["stdout"])
    pyro.delete_workspace(ws["workspace_id"])

Every method returns the operation's JSON record as a plain dict and raises PyroError on failure.
Standard library only; Python 3.10 or later.
"""

from .client import DEFAULT_TIMEOUT, Pyro, Record
from .errors import (ConflictError, ConnectionFailedError, ExpiredError, GuestFailureError, HostUnsupportedError,
                     InternalError, InvalidInputError, MethodNotAllowedError, NotFoundError, PyroError,
                     PyroTimeoutError, TooLargeError, UnauthorizedError, UnsafeArchiveError)

__version__ = "0.1.0"

__all__ = [
    "Pyro", "Record", "DEFAULT_TIMEOUT", "PyroError", "InvalidInputError", "UnauthorizedError", "NotFoundError",
    "MethodNotAllowedError", "ConflictError", "ExpiredError", "TooLargeError", "HostUnsupportedError",
    "GuestFailureError", "PyroTimeoutError", "InternalError", "ConnectionFailedError", "UnsafeArchiveError",
]
