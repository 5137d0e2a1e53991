"""Writing files safely (安全写出文件).

Every output goes to a unique temporary file in the same folder — hidden, named ``.<name>.<pid>.<random>.tmp``
so it never looks like a finished file — and is renamed into place only once it is complete and flushed to
disk.  A reader therefore sees the old file or the whole new one, never a part; a write that fails (disk
full, an exception in the writer) removes its temporary file; a process killed mid-write leaves only the
hidden temporary file, which :func:`sweep` removes once its process is gone.  :func:`locked` serialises
read-modify-write cycles (the batch manifest) between processes.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Iterator

from ..problems import OutputError

_TMP = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$")


def temporary_name(path: Path) -> Path:
    """The unique temporary file a write of ``path`` goes through."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _prepare(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(path, exc) from None
    if path.is_dir():
        raise OutputError(path, IsADirectoryError(f"{path} is a folder"))


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """A temporary path to write to; renamed to ``path`` when the block ends without an error.

    For writers that take a file name (openpyxl, pyarrow).  Any error (including :class:`KeyboardInterrupt`)
    removes the temporary file and leaves ``path`` as it was.  An :class:`OSError` (no permission, disk full)
    becomes an :class:`~junyun_lib.problems.OutputError` naming ``path``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("done", encoding="utf-8")
    >>> sorted(p.name for p in folder.iterdir()), (folder / "a.txt").read_text(encoding="utf-8")
    (['a.txt'], 'done')
    """
    path = Path(path)
    _prepare(path)
    tmp = temporary_name(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise OutputError(path, exc) from None
    except BaseException:
        _discard(tmp)
        raise


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(data)
    return path


def write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return write_bytes(path, text.encode("utf-8"))


def write_new_text(path, text: str) -> bool:
    """Write ``text`` (UTF-8) to ``path`` only if no file is there: whole or not at all, never replacing one
    (a file a person made, or one another process wrote meanwhile).  True when written, False when a file was
    already there.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "county.toml"
    >>> write_new_text(target, "a"), write_new_text(target, "b"), target.read_text(encoding="utf-8")
    (True, False, 'a')
    """
    return write_new_bytes(path, text.encode("utf-8"))


def write_new_bytes(path, data: bytes) -> bool:
    """Write ``data`` to ``path`` only if no file is there (as :func:`write_new_text`, for bytes: a copy of a
    file kept as it was, e.g. an unreadable manifest's backup).  True when written, False when a file was
    already there."""
    path = Path(path)
    _prepare(path)
    if path.exists():
        return False
    tmp = temporary_name(path)
    try:
        tmp.write_bytes(data)
        _fsync(tmp)
        try:
            os.link(tmp, path)                  # fails if the name exists: no window to replace a new file
        except FileExistsError:
            return False
        except OSError:                         # a file system without hard links: check, then rename
            if path.exists():
                return False
            os.replace(tmp, path)
        return True
    except OSError as exc:
        raise OutputError(path, exc) from None
    finally:
        _discard(tmp)


def backup(path, data: bytes | None = None) -> Path:
    """Keep a copy of ``path`` (its bytes, or ``data`` when given) beside it: ``<name>.bak``, else
    ``<name>.1.bak``, ``<name>.2.bak`` … — an existing backup is never replaced; one that already holds the same
    bytes is reused.  Written atomically (:func:`write_new_bytes`).  Returns the backup's path.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "manifest.json"
    >>> _ = target.write_bytes(b"{")
    >>> first, again = backup(target), backup(target)
    >>> _ = target.write_bytes(b"[")
    >>> first.name, again.name, backup(target).name
    ('manifest.json.bak', 'manifest.json.bak', 'manifest.json.1.bak')
    """
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise OutputError(path, exc) from None
    for n in range(10_000):
        candidate = path.with_name(f"{path.name}.bak" if n == 0 else f"{path.name}.{n}.bak")
        if candidate.exists() or candidate.is_symlink():
            with contextlib.suppress(OSError):
                if candidate.is_file() and not candidate.is_symlink() and candidate.read_bytes() == data:
                    return candidate
            continue
        if write_new_bytes(candidate, data):
            return candidate
    raise OutputError(path, FileExistsError(f"too many backups of {path.name}"))


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:          # exists but not ours, or not permitted to ask: assume alive
        return True
    return True


def sweep(folder) -> list[Path]:
    """Remove the temporary files (and staging folders) in ``folder`` left by processes that no longer run (e.g.
    after ``kill -9``).

    Temporary files of running processes (a concurrent run) are left alone.  Returns what was removed.
    """
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        m = _TMP.match(entry.name)
        if m and not _alive(int(m.group(1))):
            if entry.is_dir() and not entry.is_symlink():      # a staging folder (:mod:`.ownership`)
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_file():
                _discard(entry)
            else:
                continue
            removed.append(entry)
    return removed


@contextlib.contextmanager
def locked(path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (through a hidden ``.<name>.lock`` beside it) for the block.

    Two processes that update the same file (e.g. two batches merging into one manifest) take turns.
    """
    path = Path(path)
    _prepare(path)
    lock = path.with_name(f".{path.name}.lock")
    try:
        handle = open(lock, "a+b")
    except OSError as exc:
        raise OutputError(path, exc) from None
    with handle:
        _lock(handle)
        try:
            yield
        finally:
            _unlock(handle)


try:  # POSIX
    import fcntl

    def _lock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _lock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
