"""The client of ``pyro serve``: one method per operation, each returning the operation's JSON record."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import ssl
import tempfile
import time
import urllib.parse
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from . import _archive
from .errors import (ConnectionFailedError, InvalidInputError, PyroError, PyroTimeoutError, error_for, invalid)

Record = dict[str, Any]
"""A result: the operation's JSON record as a plain dict (field names as in the server's openapi.json)."""

PathLike = Union[str, "os.PathLike[str]"]

DEFAULT_TIMEOUT = 300.0
"""Seconds a request may wait for its answer, beyond any time bound the call itself names
(an exec's timeout_seconds, a service's ready_timeout_seconds, a shell read's wait_ms)."""

PULL_TIMEOUT = 3600.0
"""Seconds pull_environment waits at least: the first build of an environment takes minutes."""

USER_AGENT = "pyro-python/0.1"

# the server's own defaults, used only to size request timeouts (the server applies its defaults itself)
_DEFAULT_READY_TIMEOUT_SECONDS = 30
_DEFAULT_GRACE_SECONDS = 10

_STATUS_CODES = {400: "invalid_input", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
                 409: "conflict", 410: "expired", 413: "too_large", 500: "internal_error", 502: "guest_failure",
                 503: "host_unsupported", 504: "timeout"}


# ---- argument checks: a wrong type is refused here, in one sentence, before anything is sent --------


def _str(name: str, value: Any, *, required: bool = False, allow_empty: bool = False) -> Optional[str]:
    if value is None:
        if required:
            raise invalid(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string, not {type(value).__name__}.")
    if not allow_empty and not value.strip():
        raise invalid(f"{name} is empty.")
    return value


def _int(name: str, value: Any, *, minimum: Optional[int] = None) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{name} must be a whole number, not {type(value).__name__}.")
    if minimum is not None and value < minimum:
        raise invalid(f"{name} must be at least {minimum}, got {value}.")
    return value


def _bool(name: str, value: Any) -> Optional[bool]:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise invalid(f"{name} must be True or False, not {type(value).__name__}.")
    return value


def _strs(name: str, value: Any) -> Optional[list[str]]:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise invalid(f"{name} must be a list of strings, not {type(value).__name__}.")
    out = list(value)
    for v in out:
        if not isinstance(v, str):
            raise invalid(f"{name} must be a list of strings; it holds a {type(v).__name__}.")
    return out


def _str_map(name: str, value: Any) -> Optional[dict[str, str]]:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid(f"{name} must be a dict of str to str, not {type(value).__name__}.")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise invalid(f"{name} must be a dict of str to str; {k!r}: {v!r} is not.")
    return dict(value)


def _id(name: str, value: Any) -> str:
    s = _str(name, value, required=True)
    assert s is not None
    return s


def _compact(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments without the ones left out (None): the server then applies its own defaults."""
    return {k: v for k, v in args.items() if v is not None}


def query_string(args: Mapping[str, Any]) -> str:
    """Query parameters as pyro serve reads them: true/false, numbers, and a list as a repeated name."""
    pairs: list[tuple[str, str]] = []
    for k, v in args.items():
        if v is None:
            continue
        if isinstance(v, bool):
            pairs.append((k, "true" if v else "false"))
        elif isinstance(v, (list, tuple)):
            pairs.extend((k, str(x)) for x in v)
        elif isinstance(v, Mapping):
            raise invalid(f"argument '{k}' is a dict, which cannot go in a query string.")
        else:
            pairs.append((k, str(v)))
    return urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


def build_path(template: str, **segments: str) -> str:
    """A route template with its {name} segments filled in, each percent-encoded as one segment."""
    out = template
    for k, v in segments.items():
        out = out.replace("{" + k + "}", urllib.parse.quote(v, safe=""))
    if "{" in out:
        raise ValueError(f"unfilled segment in {out}")
    return out


WS = "/v1/workspaces/{workspace_id}"


class _UnixConnection(http.client.HTTPConnection):
    """HTTP/1.1 over pyro serve's unix socket."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout, blocksize=1 << 20)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except FileNotFoundError:
            sock.close()
            raise ConnectionRefusedError(f"no socket at {self._path}") from None
        except OSError:
            sock.close()
            raise
        self.sock = sock


class Pyro:
    """A client of one ``pyro serve``.

    ``base_url`` (default: env PYRO_URL), e.g. ``http://127.0.0.1:7878``; ``token`` (default: env
    PYRO_TOKEN) is sent as ``Authorization: Bearer TOKEN``; ``timeout`` is how many seconds a request may
    wait for its answer beyond the time bound the call itself names (an exec's timeout_seconds, a
    service's ready_timeout_seconds, a shell read's wait_ms). ``ssl_context`` is used for https URLs.

    Every method returns the operation's record as a plain dict and raises PyroError (a subclass per
    code) when the call fails. A Pyro object holds no connection between calls and may be shared by threads.
    """

    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None,
                 timeout: float = DEFAULT_TIMEOUT, *, ssl_context: Optional[ssl.SSLContext] = None) -> None:
        url = base_url if base_url is not None else os.environ.get("PYRO_URL")
        tok = token if token is not None else os.environ.get("PYRO_TOKEN")
        if url and url.strip().startswith("unix:"):
            self._init_unix(url.strip(), timeout)
            return
        if not url and not tok:
            raise invalid("no pyro server given: pass Pyro(base_url=..., token=...) or set PYRO_URL and PYRO_TOKEN "
                          "(pyro serve prints its URL and where its token is when it starts).")
        if not url:
            raise invalid("no server URL: pass base_url= or set PYRO_URL, e.g. http://127.0.0.1:7878.")
        if not tok:
            raise invalid("no token: pass token= or set PYRO_TOKEN (pyro serve prints where its token file is).")
        parsed = urllib.parse.urlsplit(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise invalid(f"base_url '{url}' is not an http:// or https:// URL with a host.")
        if parsed.query or parsed.fragment:
            raise invalid(f"base_url '{url}' must not carry a query or fragment.")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise invalid(f"timeout must be a positive number of seconds, got {timeout!r}.")
        self.base_url = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path.rstrip("/"), "", ""))
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._prefix = parsed.path.rstrip("/")
        self._token = tok.strip()
        self.timeout = float(timeout)
        self._ssl = ssl_context
        self._unix: Optional[str] = None

    def _init_unix(self, url: str, timeout: float) -> None:
        # unix:/PATH (or unix:///PATH): pyro serve's 0600 socket, where the file's permissions are the
        # check and no token is sent
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        if not path.startswith("/"):
            raise invalid(f"base_url '{url}' names no absolute socket path, e.g. unix:/run/user/1000/pyro.sock.")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise invalid(f"timeout must be a positive number of seconds, got {timeout!r}.")
        self.base_url = "unix:" + path
        self._https = False
        self._host = "localhost"
        self._port = 80
        self._prefix = ""
        self._token = ""
        self.timeout = float(timeout)
        self._ssl = None
        self._unix = path

    def __repr__(self) -> str:
        return f"Pyro(base_url={self.base_url!r})"  # never the token

    # ---- transport --------------------------------------------------------------------------------

    def url(self, path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        """The full URL of a request (what the client would send)."""
        if self._unix is not None:
            return "http://localhost" + self._target(path, query)
        scheme, netloc = urllib.parse.urlsplit(self.base_url)[:2]
        return f"{scheme}://{netloc}" + self._target(path, query)

    def _target(self, path: str, query: Optional[Mapping[str, Any]]) -> str:
        qs = query_string(query) if query else ""
        return self._prefix + path + ("?" + qs if qs else "")

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        # 1 MiB blocks: uploads of seeds and sync pushes go out in far fewer writes than the 8 KiB default
        if self._unix is not None:
            return _UnixConnection(self._unix, timeout)
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=self._ssl,
                                               blocksize=1 << 20)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout, blocksize=1 << 20)

    def _send(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None,
              json_body: Optional[Mapping[str, Any]] = None, upload: Optional[_archive.Upload] = None,
              extra_seconds: float = 0, upload_args: Optional[Mapping[str, Any]] = None
              ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Sends one request; returns the open connection and its response (status not yet checked)."""
        timeout = self.timeout + max(0.0, extra_seconds)
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        body: Any = None
        if upload is not None:
            if upload_args:
                # an upload's other arguments (secrets among them) travel in a header, never in the URL
                headers["Pyro-Arguments"] = json.dumps(_compact(upload_args))
            headers["Content-Type"] = upload.content_type
            headers["Content-Length"] = str(upload.size)
            body = upload.body
        elif json_body is not None:
            body = json.dumps(_compact(json_body)).encode("utf-8")
            headers["Content-Type"] = "application/json"
            headers["Content-Length"] = str(len(body))
        elif method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = "0"
        target = self._target(path, query)
        conn = self._connect(timeout)
        try:
            conn.request(method, target, body=body, headers=headers)
            return conn, conn.getresponse()
        except (socket.timeout, TimeoutError):
            conn.close()
            raise PyroTimeoutError("timeout", f"{method} {path}: no answer from {self.base_url} within {timeout:g} s "
                                   "(raise Pyro(timeout=...) for longer calls).", None) from None
        except ConnectionRefusedError:
            conn.close()
            raise ConnectionFailedError("connection_failed", f"nothing listens at {self.base_url}: is pyro serve "
                                        "running there (PYRO_URL)?", None) from None
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            # a server refusing an upload early (413) may close while the body is still going out
            raise ConnectionFailedError("connection_failed", f"{method} {path} to {self.base_url} failed: "
                                        f"{type(e).__name__}: {e}", None) from None

    def _call(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None,
              json_body: Optional[Mapping[str, Any]] = None, upload: Optional[_archive.Upload] = None,
              extra_seconds: float = 0, upload_args: Optional[Mapping[str, Any]] = None) -> Record:
        conn, resp = self._send(method, path, query=query, json_body=json_body, upload=upload,
                                extra_seconds=extra_seconds, upload_args=upload_args)
        try:
            data = self._read(resp, method, path)
            if resp.status >= 400:
                raise self._error(resp.status, data, method, path)
            try:
                record = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise PyroError("invalid_response", f"{method} {path} answered {resp.status} with a body that is "
                                "not JSON.", resp.status) from None
            if not isinstance(record, dict):
                raise PyroError("invalid_response", f"{method} {path} answered with JSON that is not an object.",
                                resp.status)
            return record
        finally:
            conn.close()

    def _read(self, resp: http.client.HTTPResponse, method: str, path: str) -> bytes:
        try:
            return resp.read()
        except (socket.timeout, TimeoutError):
            raise PyroTimeoutError("timeout", f"{method} {path}: the answer stalled.", None) from None
        except (OSError, http.client.HTTPException) as e:
            raise ConnectionFailedError("connection_failed", f"{method} {path}: the answer broke off: {e}",
                                        None) from None

    @staticmethod
    def _error(status: int, data: bytes, method: str, path: str) -> PyroError:
        code = _STATUS_CODES.get(status, "http_error")
        message = f"{method} {path} answered HTTP {status}."
        try:
            err = json.loads(data.decode("utf-8")).get("error")
            if isinstance(err, dict):
                code = str(err.get("code") or code)
                message = str(err.get("message") or message)
        except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            text = data.decode("utf-8", "replace").strip()
            if text:
                message = f"{message} {text[:500]}"
        return error_for(code, message, status)

    # ---- server ----------------------------------------------------------------------------------

    def healthz(self) -> Record:
        """``{"ok": true, "pyro_version": ...}`` while the server runs (the token is checked too)."""
        return self._call("GET", "/healthz")

    def doctor(self) -> Record:
        """The server host's report, as ``pyro doctor --json`` prints it."""
        return self._call("GET", "/v1/doctor")

    # ---- one-shot runs and environments ----------------------------------------------------------

    def run_in_vm(self, environment: str, *, command: str, vcpu_count: int = 1, mem_mib: int = 1024,
                  timeout_seconds: int = 30, network: bool = False, cold: bool = False) -> Record:
        """Runs one shell command (``sh -lc``) in a fresh VM that is deleted afterwards: the Run record
        (exit_code, stdout, stderr, ...). A non-zero exit_code is the command's result, not an error."""
        body = {"environment": _id("environment", environment), "command": _id("command", command),
                "vcpu_count": _int("vcpu_count", vcpu_count, minimum=1), "mem_mib": _int("mem_mib", mem_mib, minimum=1),
                "timeout_seconds": _int("timeout_seconds", timeout_seconds, minimum=1),
                "network": _bool("network", network), "cold": _bool("cold", cold)}
        return self._call("POST", "/v1/run", json_body=body, extra_seconds=timeout_seconds)

    def list_environments(self) -> Record:
        """``{"count", "environments": [...]}``: each environment's name, description, packages, installed."""
        return self._call("GET", "/v1/environments")

    def pull_environment(self, environment: str) -> Record:
        """Builds ``environment`` into the server's cache if needed (minutes the first time): the Environment."""
        path = build_path("/v1/environments/{environment}/pull", environment=_id("environment", environment))
        return self._call("POST", path, json_body={}, extra_seconds=max(0.0, PULL_TIMEOUT - self.timeout))

    # ---- workspaces ------------------------------------------------------------------------------

    def create_workspace(self, environment: str, *, seed_path: Optional[PathLike] = None, name: Optional[str] = None,
                         vcpu_count: int = 1, mem_mib: int = 1024, ttl_seconds: int = 600, network: bool = False,
                         network_policy: Optional[str] = None, secrets: Optional[Mapping[str, str]] = None,
                         cold: bool = False) -> Record:
        """Creates and boots a workspace: the Workspace record (workspace_id, state, ...).

        ``seed_path`` is a LOCAL folder (uploaded as a tar of its contents) or a local .tar/.tar.gz/.tgz
        archive (uploaded as is); it is copied into /workspace and becomes the baseline of diff_workspace.
        ``network_policy`` is off, egress or egress+published-ports; ``secrets`` maps NAME to VALUE.
        """
        args = {"environment": _id("environment", environment), "name": _str("name", name),
                "vcpu_count": _int("vcpu_count", vcpu_count, minimum=1), "mem_mib": _int("mem_mib", mem_mib, minimum=1),
                "ttl_seconds": _int("ttl_seconds", ttl_seconds, minimum=1), "network": _bool("network", network) or None,
                "network_policy": _str("network_policy", network_policy), "cold": _bool("cold", cold) or None}
        secret_map = _str_map("secrets", secrets)
        if seed_path is None:
            return self._call("POST", "/v1/workspaces", json_body={**args, "secrets": secret_map})
        upload = _archive.make_upload(seed_path, "seed_path")
        try:
            return self._call("POST", "/v1/workspaces", upload=upload, upload_args={**args, "secrets": secret_map})
        finally:
            upload.close()

    def list_workspaces(self) -> Record:
        """``{"count", "workspaces": [...]}``."""
        return self._call("GET", "/v1/workspaces")

    def status_workspace(self, workspace_id: str) -> Record:
        """One workspace's Workspace record (state, resources, expiry, counts)."""
        return self._call("GET", self._ws(workspace_id))

    def update_workspace(self, workspace_id: str, *, ttl_seconds: Optional[int] = None,
                         name: Optional[str] = None) -> Record:
        """Changes the TTL and/or the name: the Workspace record."""
        if ttl_seconds is None and name is None:
            raise invalid("update_workspace needs ttl_seconds or name (or both).")
        body = {"ttl_seconds": _int("ttl_seconds", ttl_seconds, minimum=1), "name": _str("name", name)}
        return self._call("PATCH", self._ws(workspace_id), json_body=body)

    def delete_workspace(self, workspace_id: str) -> Record:
        """Stops and deletes a workspace with all its files: ``{"id", "deleted", "previous_state"}``."""
        return self._call("DELETE", self._ws(workspace_id))

    def exec_workspace(self, workspace_id: str, *, command: str, timeout_seconds: int = 30, cwd: Optional[str] = None,
                       secret_env: Optional[Sequence[str]] = None) -> Record:
        """Runs one shell command (``sh -lc``) in /workspace (or cwd): the Exec record (exit_code, stdout,
        stderr, ...). ``secret_env``: "NAME" or "NAME=ENV_VAR" per workspace secret to pass."""
        body = {"command": _id("command", command), "timeout_seconds": _int("timeout_seconds", timeout_seconds, minimum=1),
                "cwd": _str("cwd", cwd), "secret_env": _strs("secret_env", secret_env)}
        return self._call("POST", self._ws(workspace_id, "/exec"), json_body=body, extra_seconds=timeout_seconds)

    def logs_workspace(self, workspace_id: str) -> Record:
        """The command journal: ``{"workspace_id", "count", "entries": [...]}``."""
        return self._call("GET", self._ws(workspace_id, "/logs"))

    def push_workspace_sync(self, workspace_id: str, source_path: PathLike, *, dest: Optional[str] = None) -> Record:
        """Copies a LOCAL folder (or .tar/.tar.gz) into /workspace or ``dest``: the Sync record."""
        path = self._ws(workspace_id, "/sync")
        query = {"dest": _str("dest", dest)}
        upload = _archive.make_upload(source_path, "source_path")
        try:
            return self._call("POST", path, query=query, upload=upload)
        finally:
            upload.close()

    def diff_workspace(self, workspace_id: str) -> Record:
        """Changes since the seed: ``{"changed", "summary", "entries", "patch", ...}``."""
        return self._call("GET", self._ws(workspace_id, "/diff"))

    def export_workspace(self, workspace_id: str, path: str, output_path: PathLike, *,
                         max_bytes: Optional[int] = None) -> Record:
        """Copies ``path`` (a file or folder in /workspace) to the LOCAL ``output_path``: the export record
        (workspace_id, path, output_path, artifact_type, bytes) with output_path the local absolute path.

        A file is written as it is; a folder arrives as a tar, which is unpacked refusing any member that
        would land outside output_path (UnsafeArchiveError; nothing is left behind then). output_path's
        folder must exist; an existing file there is replaced for a file export, an existing folder is refused.
        """
        ws_path = self._ws(workspace_id, "/export")
        query = {"path": _id("path", path), "max_bytes": _int("max_bytes", max_bytes, minimum=0)}
        out = _archive.check_output_path(output_path)
        conn, resp = self._send("GET", ws_path, query=query)
        try:
            if resp.status >= 400:
                raise self._error(resp.status, self._read(resp, "GET", ws_path), "GET", ws_path)
            try:
                parsed = json.loads(resp.getheader("Pyro-Result") or "{}")
            except json.JSONDecodeError:
                parsed = {}
            record: Record = parsed if isinstance(parsed, dict) else {}
            artifact = resp.getheader("Pyro-Artifact-Type") or record.get("artifact_type") or ""
            ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
            staging = _archive.staging_path(out)
            try:
                if ctype == "application/x-tar":
                    if os.path.lexists(out):
                        raise invalid(f"output_path '{out}' exists and is not a folder: {path} is a folder; "
                                      "name a new path.")
                    self._stream(lambda: _archive.extract_tar(resp, staging), "GET", ws_path)
                    final = staging
                    entries = os.listdir(staging)
                    if artifact not in ("directory", "dir", "folder") and len(entries) == 1:
                        final = os.path.join(staging, entries[0])  # a symlink or other single member
                    os.replace(final, out)
                else:
                    with open(staging, "xb") as f:
                        self._stream(lambda: shutil.copyfileobj(resp, f, 1 << 20), "GET", ws_path)
                    os.replace(staging, out)
            finally:
                if os.path.lexists(staging):
                    if os.path.isdir(staging) and not os.path.islink(staging):
                        shutil.rmtree(staging, ignore_errors=True)
                    else:
                        os.unlink(staging)
        finally:
            conn.close()
        record["output_path"] = out
        record.setdefault("artifact_type", artifact)
        return record

    def _stream(self, action: Callable[[], object], method: str, path: str) -> None:
        try:
            action()
        except (socket.timeout, TimeoutError):
            raise PyroTimeoutError("timeout", f"{method} {path}: the download stalled.", None) from None
        except http.client.HTTPException as e:
            raise ConnectionFailedError("connection_failed", f"{method} {path}: the download broke off: {e}",
                                        None) from None

    # ---- files by path ---------------------------------------------------------------------------

    def list_files(self, workspace_id: str, path: Optional[str] = None, *, recursive: bool = False) -> Record:
        """A folder of /workspace: ``{"path", "count", "truncated", "entries": [{path, type, size, mode}]}``."""
        query = {"path": _str("path", path), "recursive": _bool("recursive", recursive) or None}
        return self._call("GET", self._ws(workspace_id, "/files"), query=query)

    def read_file(self, workspace_id: str, path: str, *, offset: Optional[int] = None, limit: Optional[int] = None,
                  line_start: Optional[int] = None, line_count: Optional[int] = None,
                  encoding: Optional[str] = None) -> Record:
        """Part of a file: ``limit`` bytes from ``offset``, or ``line_count`` lines from ``line_start``
        (1-based). The FileRead record: content, size, sha256, eof, ... ``encoding='base64'`` for binary files."""
        if (offset is not None or limit is not None) and (line_start is not None or line_count is not None):
            raise invalid("read_file takes offset/limit or line_start/line_count, not both.")
        if encoding is not None and encoding not in ("text", "base64"):
            raise invalid(f"encoding must be 'text' or 'base64', got {encoding!r}.")
        query = {"path": _id("path", path), "offset": _int("offset", offset, minimum=0),
                 "limit": _int("limit", limit, minimum=0), "line_start": _int("line_start", line_start, minimum=1),
                 "line_count": _int("line_count", line_count, minimum=0), "encoding": encoding}
        return self._call("GET", self._ws(workspace_id, "/files/content"), query=query)

    def write_file(self, workspace_id: str, path: str, content: str, *,
                   expected_sha256: Optional[str] = None) -> Record:
        """Writes a whole text file atomically (folders created). ``expected_sha256``: the sha256 from
        read_file (write only if unchanged since) or 'new' (only if absent). The FileWrite record."""
        body = {"path": _id("path", path), "content": _str("content", content, required=True, allow_empty=True),
                "expected_sha256": _str("expected_sha256", expected_sha256)}
        return self._call("PUT", self._ws(workspace_id, "/files/content"), json_body=body)

    def apply_patch(self, workspace_id: str, patch: str) -> Record:
        """Applies a unified diff to /workspace, all hunks or none: the FileWrite record."""
        return self._call("POST", self._ws(workspace_id, "/patch"), json_body={"patch": _id("patch", patch)})

    # ---- snapshots, reset, stop/start, fork ---------------------------------------------------------

    def create_snapshot(self, workspace_id: str, name: str) -> Record:
        """Saves the whole running machine as snapshot ``name``: the Snapshot record."""
        return self._call("POST", self._ws(workspace_id, "/snapshots"), json_body={"name": _id("name", name)})

    def list_snapshots(self, workspace_id: str) -> Record:
        """``{"count", "bytes", "snapshots": [...]}``, oldest first."""
        return self._call("GET", self._ws(workspace_id, "/snapshots"))

    def delete_snapshot(self, workspace_id: str, name: str) -> Record:
        """Deletes one snapshot: its Snapshot record."""
        return self._call("DELETE", self._ws(workspace_id, "/snapshots/{name}", name=_id("name", name)))

    def reset_workspace(self, workspace_id: str, *, snapshot: Optional[str] = None) -> Record:
        """Back to ``snapshot`` exactly, or (without one) to the create-time files in a fresh guest."""
        return self._call("POST", self._ws(workspace_id, "/reset"), json_body={"snapshot": _str("snapshot", snapshot)})

    def stop_workspace(self, workspace_id: str) -> Record:
        """Suspends the workspace to disk (services kept): the Workspace record."""
        return self._call("POST", self._ws(workspace_id, "/stop"), json_body={})

    def start_workspace(self, workspace_id: str) -> Record:
        """Resumes a stopped workspace: the Workspace record."""
        return self._call("POST", self._ws(workspace_id, "/start"), json_body={})

    def fork_workspace(self, workspace_id: str, *, name: Optional[str] = None) -> Record:
        """A new workspace from this one's current state: the new Workspace record."""
        return self._call("POST", self._ws(workspace_id, "/fork"), json_body={"name": _str("name", name)})

    # ---- services --------------------------------------------------------------------------------

    def start_service(self, workspace_id: str, service_name: str, *, command: str, cwd: Optional[str] = None,
                      env: Optional[Mapping[str, str]] = None, ready_file: Optional[str] = None,
                      ready_tcp: Union[str, int, None] = None, ready_http: Optional[str] = None,
                      ready_command: Optional[str] = None, ready_timeout_seconds: Optional[int] = None,
                      ready_interval_ms: Optional[int] = None, restart: Optional[str] = None,
                      max_restarts: Optional[int] = None, after: Optional[Sequence[str]] = None,
                      publish: Optional[Sequence[str]] = None, secret_env: Optional[Sequence[str]] = None) -> Record:
        """Starts a background process and waits until it is ready: the Service record.

        At most one readiness probe: ``ready_file`` (a path), ``ready_tcp`` ("[HOST:]PORT" or a port
        number), ``ready_http`` (a URL inside the guest) or ``ready_command`` (exits 0). ``restart``: no,
        on-failure or always. ``after``: "NAME[:started|ready|exited-ok]" each. ``publish``:
        "[HOST_PORT:]GUEST_PORT" each (needs network_policy egress+published-ports).
        """
        probes = [n for n, v in (("ready_file", ready_file), ("ready_tcp", ready_tcp), ("ready_http", ready_http),
                                 ("ready_command", ready_command)) if v is not None]
        if len(probes) > 1:
            raise invalid(f"start_service takes at most one readiness probe, got {' and '.join(probes)}.")
        if ready_tcp is not None and (isinstance(ready_tcp, bool) or not isinstance(ready_tcp, (str, int))):
            raise invalid(f"ready_tcp must be \"[HOST:]PORT\" or a port number, not {type(ready_tcp).__name__}.")
        body = {"service_name": _id("service_name", service_name), "command": _id("command", command),
                "cwd": _str("cwd", cwd), "env": _str_map("env", env), "ready_file": _str("ready_file", ready_file),
                "ready_tcp": ready_tcp, "ready_http": _str("ready_http", ready_http),
                "ready_command": _str("ready_command", ready_command),
                "ready_timeout_seconds": _int("ready_timeout_seconds", ready_timeout_seconds, minimum=1),
                "ready_interval_ms": _int("ready_interval_ms", ready_interval_ms, minimum=1),
                "restart": _str("restart", restart), "max_restarts": _int("max_restarts", max_restarts, minimum=0),
                "after": _strs("after", after), "publish": _strs("publish", publish),
                "secret_env": _strs("secret_env", secret_env)}
        wait = ready_timeout_seconds if ready_timeout_seconds is not None else _DEFAULT_READY_TIMEOUT_SECONDS
        # an 'after' dependency is waited for within the same timeout, then the service's own readiness
        return self._call("POST", self._ws(workspace_id, "/services"), json_body=body, extra_seconds=2 * wait)

    def list_services(self, workspace_id: str) -> Record:
        """``{"count", "running_count", "services": [...]}``."""
        return self._call("GET", self._ws(workspace_id, "/services"))

    def status_service(self, workspace_id: str, service_name: str) -> Record:
        """One service's Service record (state, pid, readiness, exit, ...)."""
        return self._call("GET", self._svc(workspace_id, service_name))

    def logs_service(self, workspace_id: str, service_name: str, *, tail_lines: Optional[int] = None,
                     stream: Optional[str] = None, after: Optional[str] = None) -> Record:
        """A service's output: ``{"stdout", "stderr", "stdout_offset", "stderr_offset", "truncated"}``.
        ``stream``: stdout, stderr or both; ``after``: "STDOUT_OFFSET:STDERR_OFFSET" from an earlier read."""
        if stream is not None and stream not in ("stdout", "stderr", "both"):
            raise invalid(f"stream must be 'stdout', 'stderr' or 'both', got {stream!r}.")
        query = {"tail_lines": _int("tail_lines", tail_lines, minimum=0), "stream": stream,
                 "after": _str("after", after)}
        return self._call("GET", self._svc(workspace_id, service_name, "/logs"), query=query)

    def stop_service(self, workspace_id: str, service_name: str, *, grace_seconds: Optional[int] = None) -> Record:
        """TERM, then KILL after grace_seconds, to the service's process group: the Service record."""
        wait = grace_seconds if grace_seconds is not None else _DEFAULT_GRACE_SECONDS
        return self._call("POST", self._svc(workspace_id, service_name, "/stop"),
                          json_body={"grace_seconds": _int("grace_seconds", grace_seconds, minimum=0)},
                          extra_seconds=wait)

    # ---- shells ------------------------------------------------------------------------------------

    def open_shell(self, workspace_id: str, *, cwd: Optional[str] = None, cols: Optional[int] = None,
                   rows: Optional[int] = None, secret_env: Optional[Sequence[str]] = None) -> Record:
        """Opens a terminal running bash: the Shell record (shell_id, state, ...)."""
        body = {"cwd": _str("cwd", cwd), "cols": _int("cols", cols, minimum=1), "rows": _int("rows", rows, minimum=1),
                "secret_env": _strs("secret_env", secret_env)}
        return self._call("POST", self._ws(workspace_id, "/shells"), json_body=body)

    def read_shell(self, workspace_id: str, shell_id: str, *, cursor: int = 0, max_chars: Optional[int] = None,
                   wait_ms: Optional[int] = None, wait_for_idle_ms: Optional[int] = None,
                   plain: Optional[bool] = None) -> Record:
        """Output from byte ``cursor`` on: ``{"output", "cursor", "next_cursor", "truncated", "state"}``.
        ``wait_ms`` (0-60000) waits for output when there is none yet (a long poll); pass next_cursor
        back as cursor to read only what is new. ``plain`` (default true on the server) strips ANSI escapes."""
        query = {"cursor": _int("cursor", cursor, minimum=0), "max_chars": _int("max_chars", max_chars, minimum=1),
                 "wait_ms": _int("wait_ms", wait_ms, minimum=0),
                 "wait_for_idle_ms": _int("wait_for_idle_ms", wait_for_idle_ms, minimum=0),
                 "plain": _bool("plain", plain)}
        # the server holds the answer up to wait_ms, or 60 s when only wait_for_idle_ms is given
        waits = (wait_ms or 0) / 1000.0 if wait_ms or wait_for_idle_ms is None else 60.0
        return self._call("GET", self._shell(workspace_id, shell_id), query=query, extra_seconds=waits)

    def read_shell_until(self, workspace_id: str, shell_id: str, text: str, *, cursor: int = 0,
                         timeout_seconds: float = 30.0) -> Record:
        """Reads (long polls) until ``text`` appears in the output read since ``cursor``: the last read's
        record with ``output`` holding everything read. PyroTimeoutError when it did not appear in time."""
        _id("text", text)
        deadline = time.monotonic() + timeout_seconds
        seen = ""
        record: Record = {}
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PyroTimeoutError("timeout", f"'{text}' did not appear in shell {shell_id} within "
                                       f"{timeout_seconds:g} s; it printed: {seen[-500:]!r}", None)
            record = self.read_shell(workspace_id, shell_id, cursor=cursor, wait_ms=int(min(left, 10.0) * 1000))
            seen += record.get("output") or ""
            cursor = int(record.get("next_cursor", cursor))
            if text in seen:
                return {**record, "output": seen}
            if record.get("state") not in (None, "running", "open") and not record.get("truncated"):
                raise PyroError("conflict", f"shell {shell_id} is {record.get('state')} and never printed '{text}'.",
                                None)

    def write_shell(self, workspace_id: str, shell_id: str, input: str, *, newline: bool = True) -> Record:
        """Types ``input`` (and Enter, unless newline=False): ``{"bytes", ...}``."""
        body = {"input": _str("input", input, required=True, allow_empty=True), "newline": _bool("newline", newline)}
        return self._call("POST", self._shell(workspace_id, shell_id, "/input"), json_body=body)

    def signal_shell(self, workspace_id: str, shell_id: str, signal: str = "INT") -> Record:
        """Sends INT, TERM, HUP or KILL to the shell's foreground process group."""
        if signal not in ("INT", "TERM", "HUP", "KILL"):
            raise invalid(f"signal must be INT, TERM, HUP or KILL, got {signal!r}.")
        return self._call("POST", self._shell(workspace_id, shell_id, "/signal"), json_body={"signal": signal})

    def close_shell(self, workspace_id: str, shell_id: str) -> Record:
        """Closes the shell and ends every process it started: the Shell record."""
        return self._call("DELETE", self._shell(workspace_id, shell_id))

    # ---- paths -------------------------------------------------------------------------------------

    def _ws(self, workspace_id: str, tail: str = "", **more: str) -> str:
        return build_path(WS + tail, workspace_id=_id("workspace_id", workspace_id), **more)

    def _svc(self, workspace_id: str, service_name: str, tail: str = "") -> str:
        return self._ws(workspace_id, "/services/{service_name}" + tail, service_name=_id("service_name", service_name))

    def _shell(self, workspace_id: str, shell_id: str, tail: str = "") -> str:
        return self._ws(workspace_id, "/shells/{shell_id}" + tail, shell_id=_id("shell_id", shell_id))


__all__ = ["Pyro", "Record", "DEFAULT_TIMEOUT", "query_string", "build_path", "InvalidInputError"]
