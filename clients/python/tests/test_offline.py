"""Tests that need no pyro server: configuration, URL building, argument checks (refused before any
request: the client points at a port nobody listens on, so a request would fail differently), and the
wire format against a small fake server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import tarfile
import tempfile
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from pyro import (ConflictError, ConnectionFailedError, InvalidInputError, NotFoundError, Pyro,  # noqa: E402
                  PyroError, PyroTimeoutError, UnauthorizedError, UnsafeArchiveError)
from pyro.client import build_path, query_string  # noqa: E402

TOKEN = "offline-token-0123456789"


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ConfigTest(unittest.TestCase):
    def test_url_and_token_default_to_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"PYRO_URL": "http://127.0.0.1:7878/", "PYRO_TOKEN": TOKEN}):
            p = Pyro()
        self.assertEqual("http://127.0.0.1:7878", p.base_url)

    def test_arguments_win_over_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"PYRO_URL": "http://127.0.0.1:1", "PYRO_TOKEN": "x" * 20}):
            p = Pyro("http://localhost:9999", TOKEN)
        self.assertEqual("http://localhost:9999", p.base_url)

    def test_neither_url_nor_token_is_a_clear_error(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaises(InvalidInputError) as c:
                Pyro()
        self.assertIn("PYRO_URL", c.exception.message)
        self.assertIn("PYRO_TOKEN", c.exception.message)
        self.assertEqual("invalid_input", c.exception.code)
        self.assertIsNone(c.exception.status)

    def test_a_missing_token_or_url_is_named(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaisesRegex(InvalidInputError, "no token"):
                Pyro("http://127.0.0.1:7878")
            with self.assertRaisesRegex(InvalidInputError, "no server URL"):
                Pyro(token=TOKEN)

    def test_bad_urls_and_timeouts_are_refused(self) -> None:
        for url in ["127.0.0.1:7878", "ftp://host", "http://", "http://h:1/?a=b"]:
            with self.assertRaises(InvalidInputError, msg=url):
                Pyro(url, TOKEN)
        for t in [0, -1, "5", True]:
            with self.assertRaises(InvalidInputError, msg=repr(t)):
                Pyro("http://127.0.0.1:1", TOKEN, timeout=t)  # type: ignore[arg-type]

    def test_repr_does_not_show_the_token(self) -> None:
        self.assertNotIn(TOKEN, repr(Pyro("http://127.0.0.1:1", TOKEN)))

    def test_errors_print_code_status_and_message(self) -> None:
        e = NotFoundError("not_found", "no workspace 'x'.", 404)
        self.assertEqual("not_found (HTTP 404): no workspace 'x'.", str(e))
        self.assertIsInstance(e, PyroError)
        self.assertIsInstance(InvalidInputError("invalid_input", "m"), ValueError)


class UrlTest(unittest.TestCase):
    def test_path_segments_are_encoded_whole(self) -> None:
        self.assertEqual("/v1/environments/debian%3A12/pull",
                         build_path("/v1/environments/{environment}/pull", environment="debian:12"))
        # '/' stays inside the segment; '+' is not read as a space by the server's decoder
        self.assertEqual("/v1/workspaces/a%2Fb%2Bc%20d",
                         build_path("/v1/workspaces/{workspace_id}", workspace_id="a/b+c d"))

    def test_query_strings_use_the_servers_forms(self) -> None:
        q = query_string({"path": "a b+c/é", "recursive": True, "plain": False, "cursor": 0, "skip": None,
                          "secret_env": ["A", "B=C"]})
        self.assertEqual("path=a%20b%2Bc%2F%C3%A9&recursive=true&plain=false&cursor=0&secret_env=A&secret_env=B%3DC", q)
        self.assertEqual({"path": ["a b+c/é"], "secret_env": ["A", "B=C"], "recursive": ["true"],
                          "plain": ["false"], "cursor": ["0"]}, urllib.parse.parse_qs(q))
        with self.assertRaises(InvalidInputError):
            query_string({"secrets": {"A": "b"}})

    def test_full_urls_keep_a_base_path(self) -> None:
        p = Pyro("https://example.test:8443/pyro/", TOKEN)
        self.assertEqual("https://example.test:8443/pyro/v1/workspaces/ws-1/files?path=src&recursive=true",
                         p.url("/v1/workspaces/ws-1/files", {"path": "src", "recursive": True}))
        self.assertEqual("http://h:7878/healthz", Pyro("http://h:7878", TOKEN).url("/healthz"))


class ArgumentCheckTest(unittest.TestCase):
    """Each bad call raises InvalidInputError (status None) before a request goes out."""

    def setUp(self) -> None:
        self.p = Pyro(f"http://127.0.0.1:{closed_port()}", TOKEN, timeout=5)

    def refused(self, call: Callable[[], Any], words: str) -> None:
        with self.assertRaises(InvalidInputError) as c:
            call()
        self.assertIsNone(c.exception.status, "the request went out")
        self.assertIn(words, c.exception.message)

    def test_required_and_typed_arguments(self) -> None:
        p = self.p
        self.refused(lambda: p.exec_workspace("ws-1", command=""), "command is empty")
        self.refused(lambda: p.exec_workspace("", command="ls"), "workspace_id is empty")
        self.refused(lambda: p.exec_workspace(None, command="ls"), "workspace_id is required")  # type: ignore[arg-type]
        self.refused(lambda: p.exec_workspace("ws-1", command=["ls"]), "command must be a string")  # type: ignore[arg-type]
        self.refused(lambda: p.exec_workspace("ws-1", command="ls", timeout_seconds=True), "whole number")  # type: ignore[arg-type]
        self.refused(lambda: p.exec_workspace("ws-1", command="ls", timeout_seconds=0), "at least 1")
        self.refused(lambda: p.exec_workspace("ws-1", command="ls", secret_env="TOKEN"), "list of strings")  # type: ignore[arg-type]
        self.refused(lambda: p.run_in_vm("debian:12", command="true", network="yes"), "True or False")  # type: ignore[arg-type]
        self.refused(lambda: p.create_workspace("debian:12", vcpu_count=1.5), "whole number")  # type: ignore[arg-type]
        self.refused(lambda: p.create_workspace("debian:12", secrets={"A": 1}), "dict of str")  # type: ignore[dict-item]
        self.refused(lambda: p.update_workspace("ws-1"), "ttl_seconds or name")
        self.refused(lambda: p.read_file("ws-1", "a", offset=0, line_start=1), "not both")
        self.refused(lambda: p.read_file("ws-1", "a", encoding="utf-8"), "text' or 'base64")
        self.refused(lambda: p.signal_shell("ws-1", "sh-1", "STOP"), "INT, TERM, HUP or KILL")
        self.refused(lambda: p.logs_service("ws-1", "web", stream="all"), "'stdout', 'stderr' or 'both'")
        self.refused(lambda: p.start_service("ws-1", "web", command="x", ready_file="f", ready_tcp=80),
                     "at most one readiness probe")
        self.refused(lambda: p.start_service("ws-1", "web", command="x", env={"A": 1}), "dict of str")  # type: ignore[dict-item]
        self.refused(lambda: p.write_file("ws-1", "a", None), "content is required")  # type: ignore[arg-type]

    def test_local_paths_are_checked_before_uploading(self) -> None:
        p = self.p
        with tempfile.TemporaryDirectory() as d:
            self.refused(lambda: p.create_workspace("debian:12", seed_path=os.path.join(d, "missing")),
                         "does not exist on this machine")
            plain = os.path.join(d, "notes.txt")
            open(plain, "w").close()
            self.refused(lambda: p.push_workspace_sync("ws-1", plain), "not a .tar, .tar.gz or .tgz")
            self.refused(lambda: p.export_workspace("ws-1", "out", d), "is an existing folder")
            self.refused(lambda: p.export_workspace("ws-1", "out", os.path.join(d, "no", "such")), "does not exist")

    def test_an_unreachable_server_is_a_connection_error(self) -> None:
        with self.assertRaises(ConnectionFailedError) as c:
            self.p.list_workspaces()
        self.assertEqual("connection_failed", c.exception.code)
        self.assertIn("is pyro serve running", c.exception.message)


# ---- tar safety of export extraction ---------------------------------------------------------------

def tar_bytes(*members: tuple[tarfile.TarInfo, Optional[bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                t.addfile(info)
    return buf.getvalue()


def file_(name: str, data: bytes = b"x", mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    i = tarfile.TarInfo(name)
    i.mode = mode
    return i, data


def dir_(name: str) -> tuple[tarfile.TarInfo, None]:
    i = tarfile.TarInfo(name)
    i.type = tarfile.DIRTYPE
    i.mode = 0o755
    return i, None


def link(name: str, target: str, hard: bool = False) -> tuple[tarfile.TarInfo, None]:
    i = tarfile.TarInfo(name)
    i.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    i.linkname = target
    return i, None


def special(name: str, kind: bytes) -> tuple[tarfile.TarInfo, None]:
    i = tarfile.TarInfo(name)
    i.type = kind
    return i, None


class ExtractTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.root = self.tmp.name
        self.out = os.path.join(self.root, "out")
        self.outside = os.path.join(self.root, "outside.txt")

    def extract(self, data: bytes) -> int:
        from pyro._archive import extract_tar
        return extract_tar(io.BytesIO(data), self.out)

    def assert_refused(self, data: bytes, words: str) -> None:
        with self.assertRaises(UnsafeArchiveError) as c:
            self.extract(data)
        self.assertEqual("unsafe_archive", c.exception.code)
        self.assertIn(words, c.exception.message)
        self.assertFalse(os.path.lexists(self.out), "a refused archive left the output behind")
        self.assertEqual(["outside.txt"] if os.path.exists(self.outside) else [], sorted(os.listdir(self.root)))

    def test_a_plain_tree_is_extracted_with_permission_bits_only(self) -> None:
        n = self.extract(tar_bytes(dir_("d"), file_("d/a.txt", b"A"), file_("run.sh", b"#!", 0o4755),
                                   link("d/l", "a.txt"), link("d/h", "d/a.txt", hard=True), file_("./dot", b".")))
        self.assertEqual(4, n)
        with open(os.path.join(self.out, "d", "a.txt"), "rb") as f:
            self.assertEqual(b"A", f.read())
        self.assertEqual("a.txt", os.readlink(os.path.join(self.out, "d", "l")))
        self.assertEqual(0o755, os.stat(os.path.join(self.out, "run.sh")).st_mode & 0o7777)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "dot")))
        self.assertTrue(os.path.samefile(os.path.join(self.out, "d", "h"), os.path.join(self.out, "d", "a.txt")))

    def test_absolute_names_are_refused(self) -> None:
        self.assert_refused(tar_bytes(file_("ok"), file_(self.outside)), "absolute path")

    def test_dot_dot_names_are_refused(self) -> None:
        self.assert_refused(tar_bytes(file_("ok"), file_("../outside.txt")), "climbs out")
        self.assert_refused(tar_bytes(file_("a/../../outside.txt")), "climbs out")

    def test_symlinks_leading_out_are_refused(self) -> None:
        self.assert_refused(tar_bytes(link("l", "/etc/passwd")), "absolute path")
        self.assert_refused(tar_bytes(link("l", "../outside.txt")), "outside the output folder")
        self.assert_refused(tar_bytes(dir_("d"), link("d/l", "../../x")), "outside the output folder")

    def test_a_chain_of_symlinks_cannot_lead_out(self) -> None:
        # 'a' -> '.' is inside; 'a/b' -> '..' looks inside lexically but through 'a' it is the output's parent
        self.assert_refused(tar_bytes(link("a", "."), link("a/b", "..")), "outside the output folder")

    def test_writing_through_a_symlink_that_leads_out_is_refused(self) -> None:
        os.mkdir(os.path.join(self.root, "elsewhere"))
        self.addCleanup(lambda: os.rmdir(os.path.join(self.root, "elsewhere")))
        from pyro import _archive
        # even if a link escaped both link checks (mocked here to let it pass), the write under it is caught
        real_inside = _archive._inside

        def inside(root: str, p: str) -> bool:
            return True if p.endswith("../elsewhere") else real_inside(root, p)

        with mock.patch.object(_archive, "check_link_target", return_value=""), \
                mock.patch.object(_archive, "_inside", side_effect=inside):
            with self.assertRaises(UnsafeArchiveError) as c:
                self.extract(tar_bytes(link("l", "../elsewhere"), file_("l/x")))
        self.assertIn("written through a symlink", c.exception.message)
        self.assertEqual([], os.listdir(os.path.join(self.root, "elsewhere")))
        self.assertFalse(os.path.lexists(self.out))

    def test_hard_links_outside_or_to_nothing_are_refused(self) -> None:
        self.assert_refused(tar_bytes(link("h", "../outside.txt", hard=True)), "climbs out")
        self.assert_refused(tar_bytes(link("h", "missing", hard=True)), "not a file extracted before it")

    def test_devices_and_fifos_are_refused(self) -> None:
        self.assert_refused(tar_bytes(special("dev", tarfile.CHRTYPE)), "special file")
        self.assert_refused(tar_bytes(special("fifo", tarfile.FIFOTYPE)), "special file")

    def test_nothing_is_written_when_the_last_member_is_bad(self) -> None:
        self.assert_refused(tar_bytes(file_("a"), file_("b"), file_("/abs")), "absolute path")

    def test_a_corrupt_archive_is_an_error_not_a_traceback(self) -> None:
        with self.assertRaises(PyroError) as c:
            self.extract(b"this is not a tar" * 100)
        self.assertEqual("invalid_archive", c.exception.code)


class UploadTest(unittest.TestCase):
    def test_a_folder_becomes_a_tar_of_its_contents(self) -> None:
        from pyro._archive import make_upload
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "sub"))
            with open(os.path.join(d, "sub", "f.txt"), "w") as f:
                f.write("hi")
            os.symlink("sub/f.txt", os.path.join(d, "l"))
            up = make_upload(d, "seed_path")
            try:
                self.assertEqual("application/x-tar", up.content_type)
                data = up.body.read()
                self.assertEqual(up.size, len(data))
            finally:
                up.close()
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            members = {m.name: m for m in t.getmembers()}
        self.assertEqual({"l", "sub", "sub/f.txt"}, set(members))
        self.assertEqual("sub/f.txt", members["l"].linkname)
        self.assertEqual((0, 0, "", ""), (members["sub/f.txt"].uid, members["sub/f.txt"].gid,
                                          members["sub/f.txt"].uname, members["sub/f.txt"].gname))

    def test_archives_go_as_they_are(self) -> None:
        from pyro._archive import make_upload
        with tempfile.TemporaryDirectory() as d:
            for name, ctype in [("s.tar", "application/x-tar"), ("s.tar.gz", "application/gzip"),
                                ("s.TGZ", "application/gzip")]:
                path = os.path.join(d, name)
                with open(path, "wb") as f:
                    f.write(b"12345")
                up = make_upload(path, "seed_path")
                up.close()
                self.assertEqual((ctype, 5), (up.content_type, up.size), name)


# ---- the wire format, against a fake server ----------------------------------------------------------

class Fake(BaseHTTPRequestHandler):
    """Records each request; answers with what the test put in ``replies`` (status, headers, body)."""

    requests: list[dict[str, Any]] = []
    replies: list[tuple[int, dict[str, str], bytes]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def handle_any(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        Fake.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
        status, headers, out = Fake.replies.pop(0) if Fake.replies else (200, {}, b"{}")
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def reply(status: int, record: Any, headers: Optional[dict[str, str]] = None) -> tuple[int, dict[str, str], bytes]:
    return status, headers or {}, json.dumps(record).encode()


class WireTest(unittest.TestCase):
    server: ThreadingHTTPServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self) -> None:
        Fake.requests.clear()
        Fake.replies.clear()
        self.p = Pyro(f"http://127.0.0.1:{self.server.server_address[1]}", TOKEN, timeout=10)

    def last(self) -> dict[str, Any]:
        return Fake.requests[-1]

    def test_json_bodies_carry_the_tool_arguments_without_unset_ones(self) -> None:
        Fake.replies.append(reply(200, {"exit_code": 0, "stdout": "hi\n"}))
        r = self.p.exec_workspace("ws-1", command="echo hi", cwd="src")
        self.assertEqual({"exit_code": 0, "stdout": "hi\n"}, r)
        req = self.last()
        self.assertEqual(("POST", "/v1/workspaces/ws-1/exec"), (req["method"], req["path"]))
        self.assertEqual("Bearer " + TOKEN, req["headers"]["Authorization"])
        self.assertEqual("application/json", req["headers"]["Content-Type"])
        self.assertEqual({"command": "echo hi", "timeout_seconds": 30, "cwd": "src"}, json.loads(req["body"]))

    def test_get_and_delete_arguments_go_in_the_query(self) -> None:
        self.p.read_shell("ws-1", "sh-1", cursor=5, wait_ms=100)
        self.assertEqual(("GET", "/v1/workspaces/ws-1/shells/sh-1?cursor=5&wait_ms=100"),
                         (self.last()["method"], self.last()["path"]))
        self.p.delete_snapshot("ws-1", "s.1")
        self.assertEqual(("DELETE", "/v1/workspaces/ws-1/snapshots/s.1"), (self.last()["method"], self.last()["path"]))
        self.p.list_files("ws-1", "src", recursive=True)
        self.assertEqual("/v1/workspaces/ws-1/files?path=src&recursive=true", self.last()["path"])
        self.p.update_workspace("ws-1", ttl_seconds=60)
        self.assertEqual(("PATCH", {"ttl_seconds": 60}), (self.last()["method"], json.loads(self.last()["body"])))
        self.p.start_service("ws-1", "web", command="serve", ready_tcp=8000, publish=["8000"])
        self.assertEqual({"service_name": "web", "command": "serve", "ready_tcp": 8000, "publish": ["8000"]},
                         json.loads(self.last()["body"]))

    def test_seed_folders_upload_as_a_tar_with_the_arguments_in_a_header(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "README.md"), "w") as f:
                f.write("# seeded\n")
            Fake.replies.append(reply(201, {"workspace_id": "ws-1"}))
            r = self.p.create_workspace("debian:12", seed_path=d, name="w", network_policy="egress",
                                        secrets={"API_TOKEN": "s3cret-value"})
        self.assertEqual("ws-1", r["workspace_id"])
        req = self.last()
        url = urllib.parse.urlsplit(req["path"])
        self.assertEqual(("/v1/workspaces", ""), (url.path, url.query), "nothing, secrets least of all, in the URL")
        self.assertEqual({"environment": "debian:12", "name": "w", "vcpu_count": 1, "mem_mib": 1024,
                          "ttl_seconds": 600, "network_policy": "egress", "secrets": {"API_TOKEN": "s3cret-value"}},
                         json.loads(req["headers"]["Pyro-Arguments"]))
        self.assertEqual("application/x-tar", req["headers"]["Content-Type"])
        with tarfile.open(fileobj=io.BytesIO(req["body"])) as t:
            self.assertEqual(["README.md"], t.getnames())

    def test_error_records_become_the_subclass_for_their_code(self) -> None:
        for status, code, cls in [(401, "unauthorized", UnauthorizedError), (404, "not_found", NotFoundError),
                                  (409, "conflict", ConflictError), (504, "timeout", PyroTimeoutError),
                                  (418, "teapot", PyroError)]:
            Fake.replies.append(reply(status, {"error": {"code": code, "message": f"m {code}."}}))
            with self.assertRaises(cls) as c:
                self.p.status_workspace("ws-1")
            self.assertEqual((code, f"m {code}.", status), (c.exception.code, c.exception.message, c.exception.status))

    def test_an_error_without_a_record_still_has_a_code(self) -> None:
        Fake.replies.append((502, {"Content-Type": "text/html"}, b"<h1>Bad Gateway</h1>"))
        with self.assertRaises(PyroError) as c:
            self.p.list_workspaces()
        self.assertEqual(("guest_failure", 502), (c.exception.code, c.exception.status))
        self.assertIn("Bad Gateway", c.exception.message)

    def test_a_file_export_is_written_as_it_is(self) -> None:
        record = {"workspace_id": "ws-1", "path": "/workspace/a.bin", "output_path": "/srv/scratch/out",
                  "artifact_type": "file", "bytes": 4}
        Fake.replies.append((200, {"Content-Type": "application/octet-stream", "Pyro-Artifact-Type": "file",
                                   "Pyro-Result": json.dumps(record)}, b"\x00\x01\x02\x03"))
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "a.bin")
            with open(out, "w") as f:
                f.write("old")  # an existing file is replaced
            r = self.p.export_workspace("ws-1", "a.bin", out)
            with open(out, "rb") as f:
                self.assertEqual(b"\x00\x01\x02\x03", f.read())
            self.assertEqual(["a.bin"], os.listdir(d))
        self.assertEqual(out, r["output_path"])
        self.assertEqual("/v1/workspaces/ws-1/export?path=a.bin", self.last()["path"])

    def test_a_folder_export_is_unpacked_and_a_hostile_one_refused(self) -> None:
        good = tar_bytes(dir_("d"), file_("d/f", b"F"))
        bad = tar_bytes(file_("ok"), link("evil", "/etc"))
        with tempfile.TemporaryDirectory() as d:
            Fake.replies.append((200, {"Content-Type": "application/x-tar", "Pyro-Artifact-Type": "directory",
                                       "Pyro-Result": "{}"}, good))
            out = os.path.join(d, "tree")
            r = self.p.export_workspace("ws-1", "out", out)
            self.assertEqual("directory", r["artifact_type"])
            with open(os.path.join(out, "d", "f")) as f:
                self.assertEqual("F", f.read())
            Fake.replies.append((200, {"Content-Type": "application/x-tar", "Pyro-Artifact-Type": "directory"}, bad))
            with self.assertRaises(UnsafeArchiveError):
                self.p.export_workspace("ws-1", "out", os.path.join(d, "tree2"))
            self.assertEqual(["tree"], os.listdir(d))

    def test_a_server_that_does_not_answer_in_time_is_a_timeout(self) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        self.addCleanup(sock.close)
        p = Pyro(f"http://127.0.0.1:{sock.getsockname()[1]}", TOKEN, timeout=0.3)
        with self.assertRaises(PyroTimeoutError) as c:
            p.list_workspaces()
        self.assertIsNone(c.exception.status)


class UnixSocketTest(unittest.TestCase):
    """``unix:/PATH`` talks to pyro serve's 0600 socket and sends no token."""

    def test_requests_go_over_the_socket_without_a_token(self) -> None:
        import socketserver

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        d = tempfile.mkdtemp()
        path = os.path.join(d, "pyro.sock")
        server = Server(path, Fake)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        Fake.requests.clear()
        Fake.replies.clear()
        Fake.replies.append(reply(200, {"workspaces": [], "count": 0}))
        with mock.patch.dict(os.environ, {"PYRO_TOKEN": ""}):
            p = Pyro("unix:" + path, timeout=10)
        self.assertEqual({"workspaces": [], "count": 0}, p.list_workspaces())
        self.assertEqual("/v1/workspaces", Fake.requests[-1]["path"])
        self.assertNotIn("Authorization", Fake.requests[-1]["headers"])
        self.assertEqual("unix:" + path, p.base_url)

    def test_a_missing_socket_is_a_connection_error_and_a_relative_path_is_refused(self) -> None:
        p = Pyro("unix:/nonexistent/pyro.sock", timeout=5)
        with self.assertRaises(ConnectionFailedError):
            p.list_workspaces()
        with self.assertRaises(InvalidInputError) as c:
            Pyro("unix:pyro.sock")
        self.assertIn("unix:pyro.sock", str(c.exception))


if __name__ == "__main__":
    unittest.main()
