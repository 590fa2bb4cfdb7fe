"""Fingerprints of screenrev's own code.

A stage's stored results (the records read from exports, the duplicate clusters, the rule
outcomes) name the code that computed them, so that a mended stage recomputes them in every
review it opens instead of leaving them as the earlier code made them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path


@cache
def code_fingerprint(folder: Path, names: tuple[str, ...]) -> str:
    """16 hexadecimal digits from the names and bytes of the modules ``names`` (paths relative
    to ``folder``, in that order), read once per process."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    return digest.hexdigest()[:16]


def modules(folder: Path, *, subfolders: Iterable[str] = (), leave_out: Iterable[str] = ()) -> tuple[str, ...]:
    """The names of the ``.py`` modules of ``folder`` and of its ``subfolders``, sorted,
    less those in ``leave_out``: the argument ``code_fingerprint`` takes."""
    left_out = set(leave_out)
    found = [*folder.glob("*.py"), *(path for sub in subfolders for path in (folder / sub).glob("*.py"))]
    return tuple(sorted(name for name in (path.relative_to(folder).as_posix() for path in found)
                        if name not in left_out))
