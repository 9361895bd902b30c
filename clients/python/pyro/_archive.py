"""Trees across the wire: a local folder or archive made into an upload body, and an exported tar
unpacked into a local folder without letting any member land outside it."""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from typing import IO, Optional, Union

from .errors import PyroError, UnsafeArchiveError, invalid

TAR = "application/x-tar"
GZIP = "application/gzip"


@dataclass
class Upload:
    """An upload body: an open binary file positioned at 0, its size, and its Content-Type."""

    body: IO[bytes]
    size: int
    content_type: str

    def close(self) -> None:
        self.body.close()


def archive_kind(path: str) -> Optional[str]:
    """The Content-Type for an archive file by its name (.tar, .tar.gz, .tgz), or None."""
    lower = path.lower()
    if lower.endswith(".tar"):
        return TAR
    if lower.endswith(".tar.gz") or lower.endswith(".tgz"):
        return GZIP
    return None


def _neutral(info: tarfile.TarInfo) -> Optional[tarfile.TarInfo]:
    """Members carry no host user names or ids; anything but files, folders and symlinks is left out."""
    if not (info.isfile() or info.isdir() or info.issym()):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def make_upload(path: Union[str, "os.PathLike[str]"], what: str) -> Upload:
    """A folder as an uncompressed tar of its contents (members relative to it), or a .tar/.tar.gz as is.

    The tar is written to an anonymous temporary file, so a large folder is not held in memory.
    ``what`` names the argument in error messages (seed_path, source_path).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise invalid(f"{what} must be a path (str or os.PathLike), not {type(path).__name__}.")
    path = os.fspath(path)
    if not path:
        raise invalid(f"{what} is empty: give a local folder or a .tar/.tar.gz archive.")
    if os.path.isdir(path):
        tmp = tempfile.TemporaryFile()
        try:
            with tarfile.open(fileobj=tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for child in sorted(os.listdir(path)):
                    tar.add(os.path.join(path, child), arcname=child, recursive=True, filter=_neutral)
            size = tmp.tell()
            tmp.seek(0)
        except OSError as e:
            tmp.close()
            raise invalid(f"{what} '{path}' could not be read: {e.strerror or e}.") from None
        except BaseException:
            tmp.close()
            raise
        return Upload(tmp, size, TAR)
    if os.path.isfile(path):
        kind = archive_kind(path)
        if kind is None:
            raise invalid(f"{what} '{path}' is a file but not a .tar, .tar.gz or .tgz archive: give a folder or an archive.")
        f = open(path, "rb")
        size = os.fstat(f.fileno()).st_size
        return Upload(f, size, kind)
    if os.path.lexists(path):
        raise invalid(f"{what} '{path}' is neither a folder nor a regular file.")
    raise invalid(f"{what} '{path}' does not exist on this machine: give a local folder or a .tar/.tar.gz archive.")


# ---- export: safe extraction ------------------------------------------------------------------


def _unsafe(name: str, why: str) -> UnsafeArchiveError:
    return UnsafeArchiveError("unsafe_archive", f"the exported archive's member '{name}' {why}; nothing was extracted.", None)


def member_path(name: str) -> str:
    """A member's name as a relative POSIX path under the output folder, or UnsafeArchiveError.

    Refuses absolute names, '..' components, NUL bytes and Windows drive or backslash tricks; drops
    '.' components and a trailing '/'. An empty result (the member '.' or './') means the folder itself.
    """
    if "\x00" in name:
        raise _unsafe(name, "holds a NUL byte")
    if name.startswith("/") or name.startswith("\\") or (len(name) > 1 and name[1] == ":"):
        raise _unsafe(name, "is an absolute path")
    if "\\" in name:
        raise _unsafe(name, "holds a backslash")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _unsafe(name, "climbs out with '..'")
    return "/".join(parts)


def check_link_target(member: str, target: str, hard: bool) -> str:
    """The link target as a path relative to the output folder, or UnsafeArchiveError when it leaves it.

    A symlink's target is resolved from the member's own folder; a hard link's from the archive's root.
    Checked lexically here, and again against the real file system while extracting.
    """
    if "\x00" in target:
        raise _unsafe(member, "links to a target with a NUL byte")
    if target.startswith("/"):
        raise _unsafe(member, f"links to the absolute path '{target}'")
    base = "" if hard else posixpath.dirname(member)
    joined = posixpath.normpath(posixpath.join(base, target)) if (base or target) else "."
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        raise _unsafe(member, f"links to '{target}', outside the output folder")
    return "" if joined == "." else joined


def _inside(root_real: str, path: str) -> bool:
    real = os.path.realpath(path)
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def check_members(members: list[tarfile.TarInfo]) -> None:
    """Checks every member before anything is written: names, link targets and types."""
    for m in members:
        rel = member_path(m.name)
        if m.issym():
            check_link_target(rel, m.linkname, hard=False)
        elif m.islnk():
            check_link_target(rel, member_path(m.linkname), hard=True)
        elif not (m.isfile() or m.isdir()):
            raise _unsafe(m.name, "is a device, FIFO or other special file")
        if rel == "" and not m.isdir():
            raise _unsafe(m.name, "names the output folder itself but is not a folder")


def extract_tar(source: IO[bytes], dest: str) -> int:
    """Extracts a tar stream into the new folder ``dest`` (which must not exist yet); returns the file count.

    Every member is checked before anything is written (see check_members); while extracting, each
    member's parent folder and each link's target are checked again with the real file system, so a
    chain of symlinks cannot lead out either. Modes keep their permission bits only (no setuid, setgid
    or sticky); owners are not applied. On any failure ``dest`` is removed.
    """
    try:
        with tarfile.open(fileobj=source, mode="r|*") as stream:
            # a streamed tar can be read once: members and their data are buffered to a scratch file first
            members: list[tarfile.TarInfo] = []
            spool = tempfile.TemporaryFile()
            offsets: dict[int, tuple[int, int]] = {}
            try:
                for m in stream:
                    members.append(m)
                    if m.isfile():
                        f = stream.extractfile(m)
                        start = spool.tell()
                        if f is not None:
                            shutil.copyfileobj(f, spool, 1 << 20)
                        offsets[id(m)] = (start, spool.tell() - start)
                check_members(members)
                return _write_members(members, spool, offsets, dest)
            finally:
                spool.close()
    except tarfile.TarError as e:
        raise PyroError("invalid_archive", f"the exported archive could not be read: {e}.", None) from None


def _write_members(members: list[tarfile.TarInfo], spool: IO[bytes], offsets: dict[int, tuple[int, int]],
                   dest: str) -> int:
    os.mkdir(dest, 0o755)
    root = os.path.realpath(dest)
    files = 0
    dir_modes: list[tuple[str, int]] = []
    try:
        for m in members:
            rel = member_path(m.name)
            target = os.path.join(root, *rel.split("/")) if rel else root
            parent = os.path.dirname(target)
            if rel:
                os.makedirs(parent, exist_ok=True)
                if not _inside(root, parent):
                    raise _unsafe(m.name, "would be written through a symlink that leads outside the output folder")
                _clear_for(target, m)  # a name given twice: the later member wins, as tar does
            mode = m.mode & 0o777
            if m.isdir():
                os.makedirs(target, exist_ok=True)
                dir_modes.append((target, mode | 0o700))  # applied last, so read-only folders can be filled
            elif m.isfile():
                start, size = offsets[id(m)]
                spool.seek(start)
                with open(target, "xb") as out:
                    _copy_n(spool, out, size)
                os.chmod(target, mode)
                files += 1
            elif m.issym():
                check_link_target(rel, m.linkname, hard=False)
                if not _inside(root, os.path.join(os.path.realpath(parent), m.linkname)):
                    raise _unsafe(m.name, f"links to '{m.linkname}', outside the output folder")
                os.symlink(m.linkname, target)
            elif m.islnk():
                src_rel = check_link_target(rel, member_path(m.linkname), hard=True)
                src = os.path.join(root, *src_rel.split("/")) if src_rel else root
                if not _inside(root, src) or not os.path.isfile(src) or os.path.islink(src):
                    raise _unsafe(m.name, f"hard-links to '{m.linkname}', which is not a file extracted before it")
                os.link(src, target)
                files += 1
        for d, mode in reversed(dir_modes):
            os.chmod(d, mode)
        return files
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _clear_for(target: str, m: tarfile.TarInfo) -> None:
    if not os.path.lexists(target):
        return
    is_real_dir = os.path.isdir(target) and not os.path.islink(target)
    if m.isdir() and is_real_dir:
        return
    if is_real_dir:
        shutil.rmtree(target)
    else:
        os.unlink(target)


def _copy_n(src: IO[bytes], dst: IO[bytes], n: int) -> None:
    while n > 0:
        chunk = src.read(min(n, 1 << 20))
        if not chunk:
            raise PyroError("invalid_archive", "the exported archive ended early.", None)
        dst.write(chunk)
        n -= len(chunk)


def staging_path(output_path: str) -> str:
    """A fresh name next to ``output_path`` (same folder, so the final rename stays on one file system)."""
    folder, base = os.path.split(os.path.abspath(output_path))
    return os.path.join(folder, f".{base}.pyro-{uuid.uuid4().hex[:12]}.part")


def check_output_path(output_path: Union[str, "os.PathLike[str]"]) -> str:
    """The absolute output path: its folder must exist; an existing folder there is refused (as the server does)."""
    if not isinstance(output_path, (str, os.PathLike)):
        raise invalid(f"output_path must be a path (str or os.PathLike), not {type(output_path).__name__}.")
    out = os.path.abspath(os.fspath(output_path))
    if not os.fspath(output_path):
        raise invalid("output_path is empty: give the local file or folder to write.")
    if os.path.isdir(out) and not os.path.islink(out):
        raise invalid(f"output_path '{out}' is an existing folder: give a path that does not exist yet "
                      "(an existing file there is replaced).")
    if not os.path.isdir(os.path.dirname(out)):
        raise invalid(f"output_path '{out}': its folder '{os.path.dirname(out)}' does not exist.")
    return out

