"""Writing files so that a reader sees the old content or the new, never half of it, and
so that two processes changing files of one folder take turns."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file (UTF-8, ``\\n`` line ends) that replaces ``path`` only when complete."""
    with _atomic(path, "w", encoding="utf-8", newline="") as out:
        yield out


@contextmanager
def _atomic(path: Path, mode: str, **options: str) -> Iterator:
    path = Path(path)
    # mkstemp makes a private (0600) file: the result keeps the mode of the file it
    # replaces, or gets the mode a new file would have.
    permissions = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask()
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, mode, **options) as out:
            yield out
        os.chmod(tmp, permissions)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The end of the name of a file written beside the one it is to replace (``pending``).
PENDING = ".pending"
_PENDING_NAME = re.compile(r"\.(.+)\.[^.]+" + re.escape(PENDING))


def pending(path: Path) -> Path:
    """A new, empty, hidden file beside ``path``, to write its next content in and put it in
    place later (``os.replace``); one a crash leaves behind is found by ``left_pending``."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PENDING)
    os.close(handle)
    return Path(name)


def left_pending(folder: Path) -> dict[Path, list[Path]]:
    """The files ``pending`` made in ``folder`` and never put in place, by the file each was to replace."""
    left: dict[Path, list[Path]] = {}
    if folder.is_dir():
        for entry in os.scandir(folder):
            match = _PENDING_NAME.fullmatch(entry.name)
            if match is not None and entry.is_file():
                left.setdefault(folder / match.group(1), []).append(Path(entry.path))
    return left


@contextmanager
def folder_lock(folder: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on a folder while its files are read and replaced.

    Replacing a file whole (``atomic_text``) after reading it loses what another process
    wrote in between; holding this lock around both makes them take turns. The lock is on
    the folder itself (``flock``), so no lock file is left behind; it is advisory, between
    processes that ask for it, and ends when the process does. Where ``flock`` does not
    exist, nothing is locked. Yields whether the lock is held: without ``wait``, False when
    another holder has it.
    """
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield True
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(descriptor)  # which releases the lock


def write_text(path: Path, text: str) -> None:
    """Replace a file's content atomically."""
    with atomic_text(path) as out:
        out.write(text)


def write_bytes(path: Path, data: bytes) -> None:
    """Replace a binary file's content atomically (a reader never sees half of it)."""
    with _atomic(path, "wb") as out:
        out.write(data)


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
