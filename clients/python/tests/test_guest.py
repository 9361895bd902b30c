"""Tests against a real ``pyro serve`` booting real guests. They run only when PYRO_URL and PYRO_TOKEN
are set (otherwise they are skipped, and the reason is printed); PYRO_TEST_REQUIRE_SERVER=1 makes a
missing server a failure instead. PYRO_TEST_ENVIRONMENT picks the environment (default debian:12).

Each class shares ONE workspace (created in setUpClass from a seed folder, deleted in tearDownClass),
so the whole file boots one guest. The tests are numbered because some build on earlier ones.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import unittest
from typing import Any, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from pyro import InvalidInputError, NotFoundError, Pyro, PyroError, UnauthorizedError  # noqa: E402

URL = os.environ.get("PYRO_URL")
TOKEN = os.environ.get("PYRO_TOKEN")
ENVIRONMENT = os.environ.get("PYRO_TEST_ENVIRONMENT", "debian:12")
HAVE_SERVER = bool(URL and TOKEN)
SKIP_REASON = "guest-backed tests need a pyro serve: set PYRO_URL and PYRO_TOKEN to run them"

if not HAVE_SERVER:
    if os.environ.get("PYRO_TEST_REQUIRE_SERVER") == "1":
        raise RuntimeError("PYRO_TEST_REQUIRE_SERVER=1 but PYRO_URL or PYRO_TOKEN is not set")
    print(f"SKIPPED {__name__}: {SKIP_REASON}", file=sys.stderr)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@unittest.skipUnless(HAVE_SERVER, SKIP_REASON)
class ServerErrorsTest(unittest.TestCase):
    """Bad input the server refuses, with the code and status it promises."""

    def test_a_wrong_token_is_unauthorized(self) -> None:
        with self.assertRaises(UnauthorizedError) as c:
            Pyro(URL, "wrong-token-0123456789").list_workspaces()
        self.assertEqual(("unauthorized", 401), (c.exception.code, c.exception.status))

    def test_an_unknown_workspace_is_not_found(self) -> None:
        p = Pyro()
        for call in (lambda: p.status_workspace("ws-000000000000"),
                     lambda: p.exec_workspace("ws-000000000000", command="true"),
                     lambda: p.delete_workspace("no-such-name")):
            with self.assertRaises(NotFoundError) as c:
                call()
            self.assertEqual(("not_found", 404), (c.exception.code, c.exception.status))
            self.assertTrue(c.exception.message)

    def test_bad_arguments_are_invalid_input(self) -> None:
        with self.assertRaises(PyroError) as c:
            Pyro().create_workspace("debian:12", vcpu_count=99)
        self.assertEqual(("invalid_input", 400), (c.exception.code, c.exception.status))
        self.assertIsInstance(c.exception, InvalidInputError)

    def test_the_unix_socket_needs_no_token(self) -> None:
        sock = os.environ.get("PYRO_TEST_SOCKET")
        if not sock:
            self.skipTest("PYRO_TEST_SOCKET names no pyro serve unix socket")
        over_socket = Pyro("unix:" + sock, token="")
        self.assertTrue(over_socket.healthz()["ok"])
        self.assertEqual(Pyro().list_environments(), over_socket.list_environments())

    def test_the_server_answers(self) -> None:
        self.assertTrue(Pyro().healthz()["ok"])
        names = [e["name"] for e in Pyro().list_environments()["environments"]]
        self.assertIn(ENVIRONMENT, names)


@unittest.skipUnless(HAVE_SERVER, SKIP_REASON)
class GuestWorkspaceTest(unittest.TestCase):
    """One seeded workspace, through exec, diff, export, files, sync, a service, a shell and a snapshot."""

    pyro: Pyro
    ws: str
    tmp: Any

    @classmethod
    def setUpClass(cls) -> None:
        cls.pyro = Pyro()
        cls.tmp = tempfile.TemporaryDirectory(prefix="pyro-sdk-test-")
        seed = os.path.join(cls.tmp.name, "seed")
        os.makedirs(os.path.join(seed, "src"))
        with open(os.path.join(seed, "README.md"), "w") as f:
            f.write("# seeded\n")
        with open(os.path.join(seed, "src", "main.py"), "w") as f:
            f.write("print('hello from the seed')\n")
        t0 = time.monotonic()
        ws = cls.pyro.create_workspace(ENVIRONMENT, seed_path=seed, ttl_seconds=1800)
        cls.ws = ws["workspace_id"]
        log(f"created {cls.ws} in {time.monotonic() - t0:.1f} s ({ws.get('boot')}, {ws.get('accel')})")

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            if getattr(cls, "ws", None):
                gone = cls.pyro.delete_workspace(cls.ws)
                log(f"deleted {cls.ws}: {gone.get('deleted')}")
        finally:
            cls.tmp.cleanup()

    def exec(self, command: str, **kw: Any) -> dict[str, Any]:
        return self.pyro.exec_workspace(self.ws, command=command, **kw)

    def test_01_the_seed_is_in_workspace_and_exec_returns_exit_code_and_output(self) -> None:
        r = self.exec("cat README.md && python3 src/main.py && echo oops >&2 && exit 7")
        self.assertEqual(7, r["exit_code"])
        self.assertEqual("# seeded\nhello from the seed\n", r["stdout"])
        self.assertEqual("oops\n", r["stderr"])
        self.assertFalse(r["timed_out"])
        self.assertEqual("/workspace/src", self.exec("pwd", cwd="src")["stdout"].strip())
        st = self.pyro.status_workspace(self.ws)
        self.assertEqual("started", st["state"])
        self.assertIn(self.ws, [w["workspace_id"] for w in self.pyro.list_workspaces()["workspaces"]])

    def test_02_diff_shows_what_commands_changed(self) -> None:
        r = self.exec("echo '## more' >> README.md && mkdir -p build/out && echo artifact > build/out/a.txt "
                      "&& ln -s out/a.txt build/link")
        self.assertEqual(0, r["exit_code"], r)
        d = self.pyro.diff_workspace(self.ws)
        self.assertTrue(d["changed"])
        status = {e["path"]: e["status"] for e in d["entries"]}
        self.assertEqual("modified", status.get("README.md"), d)
        self.assertEqual("added", status.get("build/out/a.txt"), d)
        self.assertIn("+## more", d["patch"])
        journal = self.pyro.logs_workspace(self.ws)
        self.assertGreaterEqual(journal["count"], 2)

    def test_03_export_a_file(self) -> None:
        out = os.path.join(self.tmp.name, "README.exported")
        r = self.pyro.export_workspace(self.ws, "README.md", out)
        self.assertEqual("file", r["artifact_type"])
        self.assertEqual(out, r["output_path"])
        with open(out) as f:
            self.assertEqual("# seeded\n## more\n", f.read())

    def test_04_export_a_folder(self) -> None:
        self.exec("mkdir -p build/out && echo artifact > build/out/a.txt && ln -sfn out/a.txt build/link")
        out = os.path.join(self.tmp.name, "build.exported")
        r = self.pyro.export_workspace(self.ws, "build", out)
        self.assertEqual("directory", r["artifact_type"])
        with open(os.path.join(out, "out", "a.txt")) as f:
            self.assertEqual("artifact\n", f.read())
        self.assertEqual("out/a.txt", os.readlink(os.path.join(out, "link")))
        with self.assertRaises(InvalidInputError):  # an existing folder is not overwritten
            self.pyro.export_workspace(self.ws, "build", out)

    def test_05_files_by_path(self) -> None:
        w = self.pyro.write_file(self.ws, "notes/todo.txt", "one\ntwo\n", expected_sha256="new")
        self.assertEqual("created", w["files"][0]["action"])
        r = self.pyro.read_file(self.ws, "notes/todo.txt")
        self.assertEqual("one\ntwo\n", r["content"])
        self.pyro.apply_patch(self.ws, "--- a/notes/todo.txt\n+++ b/notes/todo.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n")
        self.assertEqual("TWO\n", self.pyro.read_file(self.ws, "notes/todo.txt", line_start=2)["content"])
        with self.assertRaises(PyroError) as c:  # the digest is stale now
            self.pyro.write_file(self.ws, "notes/todo.txt", "x", expected_sha256=r["sha256"])
        self.assertEqual("conflict", c.exception.code)
        names = [e["path"] for e in self.pyro.list_files(self.ws, "notes")["entries"]]
        self.assertIn("notes/todo.txt", names)

    def test_06_push_a_local_folder(self) -> None:
        src = os.path.join(self.tmp.name, "push")
        os.makedirs(os.path.join(src, "deep"))
        with open(os.path.join(src, "deep", "pushed.txt"), "w") as f:
            f.write("pushed\n")
        r = self.pyro.push_workspace_sync(self.ws, src, dest="incoming")
        self.assertEqual(1, r["files"])
        self.assertEqual("pushed\n", self.exec("cat incoming/deep/pushed.txt")["stdout"])

    def test_07_a_service_with_a_readiness_probe_and_its_logs(self) -> None:
        t0 = time.monotonic()
        s = self.pyro.start_service(self.ws, "web", command="echo starting; python3 -m http.server 8000",
                                    ready_http="http://127.0.0.1:8000/", ready_timeout_seconds=120)
        log(f"service ready in {time.monotonic() - t0:.1f} s")
        self.assertEqual("running", s["state"], s)
        self.assertEqual("http", s["readiness"]["type"])
        self.assertIn("web", [x["service_name"] for x in self.pyro.list_services(self.ws)["services"]])
        self.assertEqual("running", self.pyro.status_service(self.ws, "web")["state"])
        logs = self.pyro.logs_service(self.ws, "web")
        self.assertIn("starting", logs["stdout"])
        self.assertIn("GET / HTTP", logs["stderr"])  # the readiness probe's request, as http.server logs it
        stopped = self.pyro.stop_service(self.ws, "web", grace_seconds=2)
        self.assertEqual("stopped", stopped["state"])

    def test_08_a_shell(self) -> None:
        sh = self.pyro.open_shell(self.ws)
        sid = sh["shell_id"]
        try:
            self.assertEqual("running", sh["state"])
            self.pyro.write_shell(self.ws, sid, "echo hi")
            r = self.read_until(sid, "\nhi")
            self.assertIn("\nhi", r["output"])
            self.pyro.write_shell(self.ws, sid, "sleep 300")
            self.pyro.signal_shell(self.ws, sid, "INT")
            self.pyro.write_shell(self.ws, sid, "echo after-$((40+2))")
            self.read_until(sid, "after-42", cursor=r["next_cursor"])
        finally:
            closed = self.pyro.close_shell(self.ws, sid)
        self.assertEqual("closed", closed["state"])

    def read_until(self, shell_id: str, text: str, cursor: int = 0, seconds: float = 60) -> dict[str, Any]:
        """Long polls (wait_ms) until text shows up; the plain read API, as a caller would use it."""
        seen, deadline = "", time.monotonic() + seconds
        last: Optional[dict[str, Any]] = None
        while time.monotonic() < deadline:
            last = self.pyro.read_shell(self.ws, shell_id, cursor=cursor, wait_ms=5000)
            seen += last["output"]
            cursor = last["next_cursor"]
            if text in seen:
                return {**last, "output": seen}
        self.fail(f"{text!r} not in the shell's output within {seconds} s: {seen!r}")

    def test_09_a_snapshot_then_reset_back_to_it(self) -> None:
        self.exec("echo before > state.txt")
        t0 = time.monotonic()
        snap = self.pyro.create_snapshot(self.ws, "checkpoint")
        log(f"snapshot in {time.monotonic() - t0:.1f} s ({snap['bytes']} bytes)")
        self.assertEqual("checkpoint", snap["name"])
        self.assertIn("checkpoint", [s["name"] for s in self.pyro.list_snapshots(self.ws)["snapshots"]])
        self.exec("echo after > state.txt && rm README.md")
        t0 = time.monotonic()
        ws = self.pyro.reset_workspace(self.ws, snapshot="checkpoint")
        log(f"reset in {time.monotonic() - t0:.1f} s")
        self.assertEqual("started", ws["state"])
        r = self.exec("cat state.txt README.md")
        self.assertEqual(0, r["exit_code"], r)
        self.assertEqual("before\n# seeded\n## more\n", r["stdout"])
        self.pyro.delete_snapshot(self.ws, "checkpoint")
        self.assertEqual([], self.pyro.list_snapshots(self.ws)["snapshots"])
        with self.assertRaises(NotFoundError):
            self.pyro.reset_workspace(self.ws, snapshot="checkpoint")


if __name__ == "__main__":
    unittest.main()
