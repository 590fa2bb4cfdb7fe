"""The derived workspace: a SQLite file under ``.screenrev/``, rebuilt from the review's files.

Nothing here is a source of truth. Deleting ``.screenrev/`` and opening the workspace
again re-imports every search from ``searches/`` and gives the same rows, byte for byte.
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

import orjson

from ..errors import InputError
from ..fingerprint import code_fingerprint, modules
from ..forked import processes_for
from ..review.atomic import folder_lock, left_pending
from ..review.folder import SEARCHES_DIR, Review, Search
from .parse import ParsedFile, Split, bulk, read_export, sha256_of, sha256_of_file
from .pieces import PartFailed, Pieces
from .record import FIELDS, LIST_FIELDS, identity, record_key

SCHEMA_VERSION = "4"
#: Modules of records/ that only write records out: their code does not change what is stored.
_WRITERS = ("export.py", "searchreport.py")


@cache
def reader_version() -> str:
    """The schema, and a fingerprint of the code that reads exports into stored rows (the
    modules of records/ and records/formats/): a workspace stored by other code is read
    again, so that a mended parser mends every review it opens, not only the searches
    imported after it."""
    here = Path(__file__).parent
    return f"{SCHEMA_VERSION}:{code_fingerprint(here, modules(here, subfolders=['formats'], leave_out=_WRITERS))}"

DB_FILE = "workspace.sqlite"

#: Columns of the records table, in order.
RECORD_COLUMNS: tuple[str, ...] = (
    "key",
    "search",
    "database",
    "position",
    "line",
    *FIELDS,
    "extra",
    "raw",
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS searches (
    name TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT NOT NULL,
    records INTEGER NOT NULL,
    warnings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    key TEXT PRIMARY KEY,
    search TEXT NOT NULL REFERENCES searches(name),
    database TEXT NOT NULL,
    position INTEGER NOT NULL,
    line INTEGER NOT NULL,
    {", ".join(f"{name} TEXT" for name in FIELDS)},
    extra TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_order ON records(search, position);
CREATE TABLE IF NOT EXISTS duplicates (
    key TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    is_primary INTEGER NOT NULL,
    evidence TEXT
);
CREATE TABLE IF NOT EXISTS clusters (
    cluster TEXT PRIMARY KEY,
    members INTEGER NOT NULL,
    fields TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rule_outcomes (
    key TEXT NOT NULL,
    criterion TEXT NOT NULL,
    outcome TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (key, criterion)
);
CREATE TABLE IF NOT EXISTS languages (
    key TEXT PRIMARY KEY,
    code TEXT,
    probability REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS checked_decisions (
    file TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    context TEXT NOT NULL,
    rows BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS screening (
    key TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    criterion TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""


def _dumps(value: object) -> str:
    """Compact JSON, non-ASCII kept as it is.

    orjson writes the same text as ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` for the strings, lists and string-keyed dicts stored here, at
    a tenth of the cost: the raw tags of 100,000 records took a second with ``json``.
    """
    return orjson.dumps(value).decode()


# A record's canonical fields in column order, fetched in one call rather than sixteen.
_field_values = operator.itemgetter(*FIELDS)
_LIST_POSITIONS = [index for index, name in enumerate(FIELDS) if name in LIST_FIELDS]


def identified_rows(
    name: str, database: str, parsed: ParsedFile, start: int, stop: int | None, seen: dict[str, int]
) -> Iterator[tuple[str, tuple]]:
    """Rows for the records table (canonical fields, provenance and a stable key), each with
    its record's identity, for records ``start`` to ``stop`` of search ``name``. ``seen``
    counts the identities of the records before ``start`` (numbering repeats, see
    ``record_key``) and is kept up to date."""
    for position, record in enumerate(parsed.map(start, stop), start + 1):
        ident = identity(record)
        occurrence = seen.get(ident, 0) + 1
        seen[ident] = occurrence
        values = list(_field_values(record))
        # List fields are stored one value per line: normalised values never hold a newline.
        for index in _LIST_POSITIONS:
            values[index] = "\n".join(values[index]) or None
        extra = record["extra"]
        yield ident, (
            record_key(name, ident, occurrence),
            name,
            database,
            position,
            record["line"],
            *values,
            _dumps(extra) if extra else "{}",
            _dumps(record["raw"]),
        )


def _changed(search: Search, path: Path) -> InputError:
    return InputError(
        f"changed since it was imported as search {search.name!r} (sha256 differs from screenrev.toml); "
        "restore it, or import the new file with --replace",
        path=path,
    )


def _stat(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns]


def place_left_copies(review: Review, *, locked: bool = False) -> None:
    """Finish what an import killed while it put its copies in place left in ``searches/``:
    a copy of the export the manifest names there, with its sha256, goes in place; any
    other copy is removed. An import holds the folder (``folder_lock``) from its first
    copy to its last: while one runs, its copies are left alone (``locked``: this process
    holds it)."""
    folder = review.root / SEARCHES_DIR
    left = left_pending(folder)
    if not left:
        return
    if not locked:
        with folder_lock(folder, wait=False) as held:
            if held:
                place_left_copies(review, locked=True)
        return
    wanted = {review.path_of(search): search.sha256 for search in review.searches()}
    for target, copies in left.items():
        sha256 = wanted.get(target)
        for copy in copies:
            if (sha256 is not None and sha256_of_file(copy) == sha256
                    and not (target.is_file() and sha256_of_file(target) == sha256)):
                copy.replace(target)
            else:
                copy.unlink(missing_ok=True)


def split_reading(review: Review, name: str, database: str, processes: int | None) -> Split:
    """How a large export imported as search ``name`` is read on several cores (``parse.Split``)."""
    review.workspace_dir.mkdir(parents=True, exist_ok=True)
    return Split(
        processes=processes,
        folder=review.workspace_dir,
        rows=lambda parsed: identified_rows(name, database, parsed, 0, None, {}),
        table="records",
        columns=RECORD_COLUMNS,
    )


class Workspace:
    """The SQLite workspace of a review, kept in step with its manifest."""

    def __init__(self, review: Review, connection: sqlite3.Connection) -> None:
        self.review = review
        self.db = connection

    @classmethod
    def open(
        cls,
        review: Review,
        *,
        on_rebuild: Callable[[Search], None] | None = None,
        check_exports: bool = True,
    ) -> Workspace:
        """Open (creating if needed) and bring up to date with the manifest; with
        ``check_exports``, finish what a killed import left (``place_left_copies``), and
        refuse when an export in ``searches/`` is missing or changed."""
        review.workspace_dir.mkdir(exist_ok=True)
        path = review.workspace_dir / DB_FILE
        connection = sqlite3.connect(path, isolation_level=None)
        # Large pages suit records of a few kilobytes (measured: 6x faster inserts than the
        # default 4 KiB). The rollback journal keeps a killed import from leaving half a
        # search behind; fsync is skipped because the workspace can always be rebuilt.
        connection.execute("PRAGMA page_size=16384")
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-65536")
        connection.executescript(_SCHEMA)
        version = connection.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        if version is None:
            connection.execute("INSERT INTO meta VALUES ('schema', ?)", (reader_version(),))
        elif version[0] != reader_version():
            connection.close()
            path.unlink()
            return cls.open(review, on_rebuild=on_rebuild, check_exports=check_exports)
        workspace = cls(review, connection)
        if check_exports:  # not while an import puts its own copies in place
            place_left_copies(review)
        workspace.sync(on_rebuild=on_rebuild, check_exports=check_exports)
        return workspace

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stored_searches(self) -> dict[str, str]:
        """Search name → sha256 of what the workspace holds."""
        return dict(self.db.execute("SELECT name, sha256 FROM searches"))

    def sync(self, *, on_rebuild: Callable[[Search], None] | None = None, check_exports: bool = True) -> None:
        """Re-import searches the workspace lacks or holds stale; drop ones gone from the manifest."""
        # a count the manifest gives that is not the stored one (edited by hand) is checked
        # against the file again, not taken on trust
        stored = {name: (sha256, records) for name, sha256, records in
                  self.db.execute("SELECT name, sha256, records FROM searches")}
        wanted = {search.name: search for search in self.review.searches()}
        for name in stored.keys() - wanted.keys():
            self.remove(name)
        seen = self._file_stats()
        checked = dict(seen)
        for search in wanted.values():
            if stored.get(search.name) == (search.sha256, search.records):
                if check_exports:
                    checked[search.name] = self._unchanged(search, seen.get(search.name))
                continue
            if on_rebuild:
                on_rebuild(search)
            parsed = self.reread(search)
            self.store(search, parsed)
            checked[search.name] = _stat(self.review.path_of(search))
        checked = {name: stat for name, stat in checked.items() if name in wanted}
        if checked != seen:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('search_files', ?)", (json.dumps(checked),))

    def _file_stats(self) -> dict[str, list[int]]:
        row = self.db.execute("SELECT value FROM meta WHERE name = 'search_files'").fetchone()
        return json.loads(row[0]) if row else {}

    def _unchanged(self, search: Search, stat: list[int] | None) -> list[int]:
        """Check that a search's export is still the file the manifest records (by its size
        and modification time, and by its sha256 when those changed); its size and time."""
        path = self._export(search)
        now = _stat(path)
        if now != stat and sha256_of_file(path) != search.sha256:
            raise _changed(search, path)
        return now

    def _export(self, search: Search) -> Path:
        """The export of a search, which must be there."""
        path = self.review.path_of(search)
        if not path.is_file():
            raise InputError(
                f"the export of search {search.name!r} is missing (restore it from version "
                "control, or remove the search from screenrev.toml)",
                path=path,
            )
        return path

    def reread(self, search: Search, path: Path | None = None) -> ParsedFile:
        """Read a search's file again (or ``path``, a copy of it), checking it is the file
        the manifest recorded."""
        path = path or self._export(search)
        data = path.read_bytes()
        if sha256_of(data) != search.sha256:
            raise _changed(search, path)
        parsed = read_export(
            path,
            data,
            encoding=search.decode_as or None,
            format=search.format,
            accept_risks=bool(search.accepted_risks),
            sha256=search.sha256,
        )
        if parsed.count != search.records:
            raise InputError(
                f"now reads as {parsed.count} records but screenrev.toml records "
                f"{search.records} for search {search.name!r}",
                path=path,
            )
        return parsed

    def store(
        self,
        search: Search,
        parsed: ParsedFile,
        *,
        on_stored: Callable[[int], None] | None = None,
        processes: int | None = None,
        kept: Callable[[], Path] | None = None,
    ) -> None:
        """Replace a search's records in one transaction; ``on_stored(n)`` reports progress.

        A large search is stored by ``processes`` processes (by default one per idle core,
        see ``forked.processes_for``), with the same rows as one process stores. When
        workers read parts of the file (``parse.Split``) and one fails, the file kept in
        the review is read again in one pass and stored by this process. ``kept`` waits
        until that file is complete (the importer copies it beside its place while the
        records are stored), raises if the copy failed, and says where it is.
        """
        try:
            self._store(search, parsed, on_stored=on_stored, processes=processes)
        except PartFailed:
            parsed.close()
            self._store(search, self.reread(search, kept() if kept else None), on_stored=on_stored, processes=1)

    def _store(
        self, search: Search, parsed: ParsedFile, *, on_stored: Callable[[int], None] | None, processes: int | None
    ) -> None:
        count = parsed.count
        if parsed.elsewhere:  # the other cores are storing the later parts
            processes = 1
        elif processes is None:
            processes = processes_for(count)
        pieces = Pieces(
            search=search.name,
            rows=lambda start, stop, seen: identified_rows(search.name, search.database, parsed, start, stop, seen),
            count=len(parsed.raws),
            processes=processes,
            table="records",
            columns=RECORD_COLUMNS,
            folder=self.review.workspace_dir,
            elsewhere=parsed.elsewhere,
        )
        # Workers are forked before the transaction and with collection paused (they map too).
        try:
            with bulk(), pieces, self.transaction():
                self._delete(search.name)
                self.db.execute(
                    "INSERT INTO searches VALUES (?, ?, ?, ?, ?, ?)",
                    (search.name, search.sha256, parsed.format, parsed.encoding, count, _dumps(parsed.warnings)),
                )
                pieces.store(self.db, on_stored)
        except sqlite3.IntegrityError as exc:
            # Keys are 64-bit digests: a clash is a 1-in-10⁸ event, and another search's key
            # can only be met when two search names share their first 24 characters.
            raise InputError(
                f"two records would get the same key ({exc}); import the search under another "
                "--name (its first 24 characters differing from every other search's)",
                path=self.review.path_of(search),
            ) from None

    def remove(self, name: str) -> None:
        """Forget a search and its records."""
        with self.transaction():
            self._delete(name)

    def _delete(self, name: str) -> None:
        self.db.execute("DELETE FROM records WHERE search = ?", (name,))
        self.db.execute("DELETE FROM languages WHERE key NOT IN (SELECT key FROM records)")
        self.db.execute("DELETE FROM searches WHERE name = ?", (name,))
        # Clusters were found among records that have just changed.
        self._clear_clusters()

    def _clear_clusters(self) -> None:
        self.db.execute("DELETE FROM duplicates")
        self.db.execute("DELETE FROM clusters")
        self.db.execute("DELETE FROM meta WHERE name IN ('dedup_inputs', 'undecided_pairs')")
        # Rules are applied to primary records, which have just changed.
        self._clear_screening()

    def clear_screening(self) -> None:
        """Forget the rule outcomes (the protocol they came from is gone)."""
        with self.transaction():
            self._clear_screening()

    def _clear_screening(self) -> None:
        self.db.execute("DELETE FROM rule_outcomes")
        self.db.execute("DELETE FROM screening")
        self.db.execute("DELETE FROM meta WHERE name = 'protocol'")

    def has_clusters(self) -> bool:
        """Whether deduplication has run on the records as they are now."""
        return self.db.execute("SELECT 1 FROM duplicates LIMIT 1").fetchone() is not None

    def store_clusters(
        self,
        cluster: dict[str, str],
        primary: set[str],
        evidence: dict[str, str],
        merged: dict[str, dict],
        *,
        inputs: str = "",
        undecided_pairs: int = 0,
    ) -> None:
        """Replace the duplicate clusters: every record's cluster, and each cluster's merged
        fields; ``inputs`` is the fingerprint of what they were computed from."""
        sizes: dict[str, int] = {}
        for name in cluster.values():
            sizes[name] = sizes.get(name, 0) + 1
        with self.transaction():
            self._clear_clusters()
            self.db.executemany(
                "INSERT INTO duplicates VALUES (?, ?, ?, ?)",
                ((key, cluster[key], int(key in primary), evidence.get(key)) for key in sorted(cluster)),
            )
            self.db.executemany(
                "INSERT INTO clusters VALUES (?, ?, ?)",
                ((name, sizes[name], _dumps(merged[name])) for name in sorted(merged)),
            )
            self.db.execute("INSERT INTO meta VALUES ('dedup_inputs', ?)", (inputs,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('undecided_pairs', ?)", (str(undecided_pairs),))

    def undecided_pairs(self) -> int:
        """Pairs the matcher could not decide and no reviewer has, at the last dedup."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'undecided_pairs'").fetchone()
        return int(row[0]) if row else 0

    def deduplicated_with(self) -> str | None:
        """The fingerprint of the inputs the stored clusters come from (None: dedup not run)."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'dedup_inputs'").fetchone()
        return row[0] if row else None

    def primary_records(self) -> Iterator[dict]:
        """The records to screen: each cluster's primary record with the fields merged from
        its duplicates (every record, as imported, when deduplication has not run)."""
        if not self.has_clusters():
            yield from self.iter_records()
            return
        order = {search.name: index for index, search in enumerate(self.review.searches())}
        for name in sorted(order, key=order.get):
            cursor = self.db.execute(
                "SELECT records.key, records.search, records.database, records.position, duplicates.cluster, "
                "clusters.fields FROM records JOIN duplicates USING (key) "
                "JOIN clusters ON clusters.cluster = duplicates.cluster "
                "WHERE records.search = ? AND duplicates.is_primary = 1 ORDER BY records.position",
                (name,),
            )
            for key, search, database, position, cluster, fields in cursor:
                record = orjson.loads(fields)
                record.update(key=key, search=search, database=database, position=position, cluster=cluster)
                yield record

    def primary_keys(self) -> list[str]:
        """The keys of ``primary_records``, in the same order, without reading their fields."""
        order = {search.name: index for index, search in enumerate(self.review.searches())}
        query = "SELECT key, search, position FROM records"
        if self.has_clusters():
            query += " JOIN duplicates USING (key) WHERE duplicates.is_primary = 1"
        rows = [row for row in self.db.execute(query) if row[1] in order]
        rows.sort(key=lambda row: (order[row[1]], row[2]))
        return [key for key, _, _ in rows]

    def store_screening(self, applied: str, outcomes: Iterable[tuple], screening: Iterable[tuple]) -> None:
        """Replace the rule outcomes: ``(key, criterion, outcome, evidence)`` rows, and per record
        ``(key, outcome, criterion, reason)`` rows (the criterion that decided it, if any)."""
        with self.transaction():
            self._clear_screening()
            self.db.executemany("INSERT INTO rule_outcomes VALUES (?, ?, ?, ?)", outcomes)
            self.db.executemany("INSERT INTO screening VALUES (?, ?, ?, ?)", screening)
            self.db.execute("INSERT INTO meta VALUES ('protocol', ?)", (applied,))

    def detected_languages(self, by: str) -> dict[str, tuple[str | None, float]]:
        """Record key → (language code or None, probability) detected from its text earlier by
        the detection code ``by`` (a fingerprint); those detected by other code are forgotten."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'languages_by'").fetchone()
        if row is None or row[0] != by:
            with self.transaction():
                self.db.execute("DELETE FROM languages")
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('languages_by', ?)", (by,))
            return {}
        return {key: (code, probability) for key, code, probability in self.db.execute("SELECT * FROM languages")}

    def store_languages(self, detected: dict[str, tuple[str | None, float]]) -> None:
        """Keep languages detected from records' text, so that detection runs once per record."""
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO languages VALUES (?, ?, ?)",
                ((key, code, probability) for key, (code, probability) in sorted(detected.items())),
            )

    def screened_with(self) -> str | None:
        """What the stored rule outcomes come from, the protocol's sha256 and the rules' code
        (``rules/stage.applied_version``; None: rules not run)."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'protocol'").fetchone()
        return row[0] if row else None

    def screening_columns(self) -> tuple[list[str], dict[str, dict[str, str]]]:
        """The columns the rules stage adds to an export, and their values per record key:
        ``screening`` and ``exclusion_reason``, then ``rule:<id>`` and ``rule:<id>:evidence``
        for each criterion in protocol order. Empty when the rules have not run."""
        criteria = [c for (c,) in self.db.execute("SELECT criterion FROM rule_outcomes GROUP BY criterion ORDER BY MIN(rowid)")]
        if not criteria:
            return [], {}
        values: dict[str, dict[str, str]] = {}
        for key, outcome, reason in self.db.execute("SELECT key, outcome, reason FROM screening"):
            values[key] = {"screening": outcome, "exclusion_reason": reason if outcome == "exclude" else ""}
        for key, criterion, outcome, evidence in self.db.execute("SELECT * FROM rule_outcomes"):
            row = values[key]
            row[f"rule:{criterion}"] = outcome
            row[f"rule:{criterion}:evidence"] = evidence
        columns = ["screening", "exclusion_reason"]
        for criterion in criteria:
            columns += [f"rule:{criterion}", f"rule:{criterion}:evidence"]
        return columns, values

    def rule_exclusions(self) -> dict[str, str]:
        """Primary record key → label of the criterion that excluded it automatically."""
        return dict(self.db.execute("SELECT key, reason FROM screening WHERE outcome = 'exclude' ORDER BY key"))

    def checked_decisions(self, file: str, sha256: str, context: str) -> list | None:
        """The rows of a decision file as checked before, if its bytes (``sha256``) and what
        they were checked against (``context``) are the same; else None."""
        row = self.db.execute("SELECT rows FROM checked_decisions WHERE file = ? AND sha256 = ? AND context = ?",
                              (file, sha256, context)).fetchone()
        return orjson.loads(row[0]) if row else None

    def keep_checked_decisions(self, files: dict[str, tuple[str, str, list]]) -> None:
        """Keep the checked rows of each decision file (file → sha256, context, rows), and
        forget files no longer there. Another process holding the database makes this a
        no-op: the rows are only kept to be read faster next time."""
        try:
            with self.transaction():
                self.db.execute("DELETE FROM checked_decisions")
                self.db.executemany(
                    "INSERT INTO checked_decisions VALUES (?, ?, ?, ?)",
                    ((file, sha256, context, orjson.dumps(rows)) for file, (sha256, context, rows) in files.items()),
                )
        except sqlite3.OperationalError:
            pass

    def transaction(self) -> _Transaction:
        """A context manager: BEGIN … COMMIT, or ROLLBACK on any exception."""
        return _Transaction(self.db)

    def count_records(self, search: str | None = None) -> int:
        """Number of records, in one search or in all."""
        if search is None:
            return self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM records WHERE search = ?", (search,)).fetchone()[0]

    def extra_columns(self) -> list[str]:
        """Names of the input columns kept beside the canonical fields, in order of first appearance."""
        rows = self.db.execute(
            "SELECT column.key FROM records, json_each(records.extra) AS column "
            "GROUP BY column.key ORDER BY MIN(records.rowid), MIN(column.id)"
        )
        return [name for (name,) in rows]

    def iter_records(self, *, raw: bool = False) -> Iterator[dict]:
        """Every record in manifest order (search by search, file order within each).

        Once deduplication has run, each record also has ``cluster`` and ``primary``.
        """
        order = {search.name: index for index, search in enumerate(self.review.searches())}
        columns = [c for c in RECORD_COLUMNS if raw or c != "raw"]
        selected = ", ".join(f"records.{c}" for c in columns)
        clustered = self.has_clusters()
        if clustered:
            selected += ", duplicates.cluster, duplicates.is_primary"
        for name in sorted(order, key=order.get):
            cursor = self.db.execute(
                f"SELECT {selected} FROM records LEFT JOIN duplicates USING (key) "
                "WHERE search = ? ORDER BY position",
                (name,),
            )
            for row in cursor:
                record = dict(zip(columns, row))
                for field in LIST_FIELDS:
                    record[field] = record[field].split("\n") if record[field] else []
                record["extra"] = json.loads(record["extra"])
                if raw:
                    record["raw"] = [tuple(pair) for pair in json.loads(record["raw"])]
                if clustered:
                    record["cluster"] = row[-2]
                    record["primary"] = bool(row[-1])
                yield record


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
