"""A large search stored by several processes at once, giving the rows one process gives.

The records are cut into consecutive slices. Forked workers map and normalise the later
slices and write their rows to SQLite files of their own while this process stores the
first slice; the workers' rows are then copied in slice by slice, so rows keep file order.
A record's key numbers the records sharing an identity in file order
(``record.record_key``), which a worker cannot know for identities that also occur in
earlier slices: those keys are renumbered as the slice is copied in. A worker that fails
leaves its slice to this process, so results and errors are those of a single pass,
whatever the number of cores.

A large file can also be read in parts (``parse.Split``): a ``PartWorker`` parses a later
part of the file itself as well as mapping and storing it, numbering its positions from
1; they are moved on as the part is copied in after the records parsed here. A part
worker that fails makes the caller read the whole file again in one pass (``PartFailed``).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from ..forked import end, fork
from .record import record_key

#: How often storing reports progress, in records.
REPORT_EVERY = 5000

Rows = Callable[[int, int, dict[str, int]], Iterator[tuple[str, tuple]]]
"""``rows(start, stop, seen)``: (identity, row) for records ``start`` to ``stop``, where
``seen`` counts the identities of the records before ``start`` and is kept up to date."""


class Pieces:
    """Workers started on entering, storing slices of ``count`` records; ``store`` gathers them.

    ``insert`` is the statement inserting one row into ``table`` (whose ``columns`` the rows
    hold, the key first); ``folder`` receives the workers' files and is removed on exit.
    ``elsewhere`` are the later parts of the file, which workers read themselves
    (``PartWorker``): their rows follow the ``count`` records given here.
    """

    def __init__(
        self,
        *,
        search: str,
        rows: Rows,
        count: int,
        processes: int,
        table: str,
        columns: tuple[str, ...],
        folder: Path,
        elsewhere: Sequence[PartWorker] = (),
    ) -> None:
        self.search = search
        self.rows = rows
        self.table = table
        self.columns = columns
        self.folder = folder
        processes = max(1, min(processes, count))
        bounds = [count * index // processes for index in range(processes + 1)]
        self.slices = list(zip(bounds, bounds[1:]))
        # Parts of the file that workers parsed as well as stored follow, in file order.
        self.elsewhere = {len(self.slices) + index: part for index, part in enumerate(elsewhere)}
        self._workers: dict[int, int] = {}
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._attached: list[str] = []
        self._db: sqlite3.Connection | None = None

    @property
    def insert(self) -> str:
        """The statement inserting one row."""
        return _insert(self.table, self.columns)

    def __enter__(self) -> Pieces:
        if len(self.slices) > 1:
            self._scratch = tempfile.TemporaryDirectory(dir=self.folder, prefix=".pieces-")
            for index in range(1, len(self.slices)):
                try:
                    self._workers[index] = self._fork(index)
                except OSError:  # no process to spare: this process stores the slice
                    pass
        return self

    def __exit__(self, *exc: object) -> None:
        for pid in self._workers.values():
            end(pid)
        self._workers.clear()
        # Detached after the transaction that read them has ended: SQLite refuses before.
        if self._db is not None:
            for alias in self._attached:
                self._db.execute(f"DETACH DATABASE {alias}")
        if self._scratch is not None:
            self._scratch.cleanup()

    def store(self, db: sqlite3.Connection, on_stored: Callable[[int], None] | None = None) -> None:
        """Insert every slice's rows into ``db`` in order; ``on_stored(n)`` reports progress."""
        self._db = db
        seen: dict[str, int] = {}
        done = 0
        for index, (start, stop) in enumerate(self.slices):
            if self._stored_by_worker(index):
                self._copy(db, index, seen)
            else:
                rows = (row for _, row in self.rows(start, stop, seen))
                db.executemany(self.insert, _reporting(rows, on_stored, done))
            done = stop
            if on_stored is not None:
                on_stored(done)
        for index, part in self.elsewhere.items():
            if not part.finished():
                raise PartFailed(f"the worker storing records {done + 1:,} to {done + part.count:,} failed")
            self._copy(db, index, seen, part.path, shift=done)
            done += part.count
            if on_stored is not None:
                on_stored(done)

    def _stored_by_worker(self, index: int) -> bool:
        """Whether a worker has stored this slice (waiting for it to end)."""
        if index not in self._workers:
            return False
        status = os.waitpid(self._workers[index], 0)[1]
        # Forgotten once reaped, not before: an interrupted wait leaves it to ``__exit__``.
        del self._workers[index]
        return os.waitstatus_to_exitcode(status) == 0

    def _path(self, index: int) -> str:
        assert self._scratch is not None
        return os.path.join(self._scratch.name, f"piece-{index}.sqlite")

    def _fork(self, index: int) -> int:
        pid = fork()
        if pid == 0:
            self._work(index)
        return pid

    def _work(self, index: int) -> None:
        """In the worker: store one slice's rows and identities in a file of its own, then exit."""
        code = 1
        try:
            start, stop = self.slices[index]
            write_piece(self._path(index), self.table, self.columns, self.rows(start, stop, {}))
            code = 0
        finally:
            # Whatever happened, nothing of the parent's (open files, its database
            # connection, exit handlers) may run here.
            os._exit(code)

    def _copy(self, db: sqlite3.Connection, index: int, seen: dict[str, int], path: str | None = None,
              shift: int = 0) -> None:
        """Copy a worker's rows in, renumbering keys of identities met in earlier slices and
        moving positions on by ``shift`` (for a part whose worker numbered them from 1)."""
        alias = f"piece{index}"
        db.execute(f"ATTACH DATABASE ? AS {alias}", (path or self._path(index),))
        self._attached.append(alias)
        here: dict[str, int] = {}
        renumbered: list[tuple[str, int]] = []
        identities = db.execute(f"SELECT identity FROM {alias}.identities ORDER BY rowid")
        for rowid, (identity,) in enumerate(identities, 1):
            occurrence = seen.get(identity, 0) + 1
            seen[identity] = occurrence
            local = here.get(identity, 0) + 1
            here[identity] = local
            if occurrence != local:
                renumbered.append((record_key(self.search, identity, occurrence), rowid))
        key = self.columns[0]
        db.executemany(f"UPDATE {alias}.{self.table} SET {key} = ? WHERE rowid = ?", renumbered)
        columns = ", ".join(self.columns)
        selected = ", ".join(f"position + {int(shift)}" if shift and column == "position" else column
                             for column in self.columns)
        db.execute(f"INSERT INTO {self.table} ({columns}) SELECT {selected} FROM {alias}.{self.table} ORDER BY rowid")


def write_piece(path: str, table: str, columns: tuple[str, ...], rows: Iterable[tuple[str, tuple]]) -> None:
    """Rows and their identities, in a SQLite file of their own (a worker's part)."""
    db = sqlite3.connect(path, isolation_level=None)
    # A scratch file: nothing to roll back or to keep safe from a crash.
    db.execute("PRAGMA page_size=16384")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
    db.execute("CREATE TABLE identities (identity TEXT NOT NULL)")
    identities: list[str] = []
    db.execute("BEGIN")
    db.executemany(_insert(table, columns), _noting(rows, identities))
    db.executemany("INSERT INTO identities VALUES (?)", zip(identities))
    db.execute("COMMIT")
    db.close()


class PartFailed(Exception):
    """A worker reading part of a file failed (an error, or out of memory): the whole file
    must be read in one pass, which raises the error a single pass raises, if any."""


class PartWorker:
    """A forked worker that reads one part of a large file and stores its rows in a file of its own.

    ``read()`` runs in the worker: it parses the part and returns how many records it holds
    and their rows (identity, row), made as they are stored; or None when the part must be
    read in one pass over the whole file instead (it raised an error or noted anything).
    The worker reports the count before storing the rows.
    """

    def __init__(self, path: str, table: str, columns: tuple[str, ...],
                 read: Callable[[], tuple[int, Iterable[tuple[str, tuple]]] | None]) -> None:
        self.path = path
        self.count = 0
        reader, writer = os.pipe()
        self.pid = fork()
        if self.pid == 0:
            code = 1
            try:
                os.close(reader)
                try:
                    part = read()
                except Exception:  # the single pass will raise it, naming file and line
                    part = None
                os.write(writer, b"%d\n" % (-1 if part is None else part[0]))
                if part is not None:
                    write_piece(path, table, columns, part[1])
                code = 0
            finally:
                os._exit(code)
        os.close(writer)
        self._reader = reader

    def ready(self) -> bool:
        """Wait until the worker has read its part: whether it could (and ``count`` is known)."""
        with os.fdopen(self._reader, "rb") as pipe:
            line = pipe.readline()
        count = int(line) if line.strip() else -1
        self.count = max(count, 0)
        return count >= 0

    def finished(self) -> bool:
        """Wait until the worker has stored its part: whether it did."""
        if self.pid == 0:
            return False
        status = os.waitpid(self.pid, 0)[1]
        self.pid = 0
        return os.waitstatus_to_exitcode(status) == 0

    def stop(self) -> None:
        """End the worker if it is still running."""
        end(self.pid)
        self.pid = 0


def _insert(table: str, columns: tuple[str, ...]) -> str:
    """The statement inserting one row of ``columns`` into ``table``."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _noting(rows: Iterable[tuple[str, tuple]], identities: list[str]) -> Iterator[tuple]:
    for identity, row in rows:
        identities.append(identity)
        yield row


def _reporting(rows: Iterable[tuple], on_stored: Callable[[int], None] | None, done: int) -> Iterator[tuple]:
    if on_stored is None:
        yield from rows
        return
    for count, row in enumerate(rows, 1):
        yield row
        if count % REPORT_EVERY == 0:
            on_stored(done + count)
