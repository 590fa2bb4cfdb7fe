"""The review folder: finding it, its manifest ``screenrev.toml``, and its searches."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import tomlkit
from tomlkit.exceptions import ParseError as TomlParseError
from tomlkit.items import Comment, Whitespace

from ..errors import ManifestError, ReviewNotFoundError, ScreenrevError
from .atomic import folder_lock, write_text

MANIFEST = "screenrev.toml"
SEARCHES_DIR = "searches"
DECISIONS_DIR = "decisions"
WORKSPACE_DIR = ".screenrev"
REPORTS_DIR = "reports"
PROTOCOL = "protocol.yaml"


@dataclass(frozen=True)
class Search:
    """One database search: the export file as downloaded and what it held."""

    name: str
    """Stable name of the search; record keys derive from it."""
    file: str
    """Path of the export inside the review folder (under ``searches/``)."""
    database: str
    """Database searched (PsycINFO, Web of Science Core Collection, …)."""
    sha256: str
    """SHA-256 of the file's bytes at import."""
    format: str
    """Export format detected from the content."""
    encoding: str
    """How the bytes were decoded."""
    records: int
    """Number of records read (checked again on every rebuild)."""
    interface: str = ""
    """Platform the database was searched on (Ovid, EBSCOhost, ProQuest…)."""
    searched: str = ""
    """Date the search was run (ISO 8601)."""
    accepted_risks: list[str] = field(default_factory=list)
    """Possible-data-loss findings the user accepted with ``--accept-risks``."""
    decode_as: str = ""
    """Encoding the user imposed with ``--encoding`` (empty: detected from the bytes)."""
    method: str = "database"
    """How the records were found (``METHODS``): a database or a register search, or one of
    PRISMA 2020's other methods (a website, an organisation, citation searching, other)."""
    strategy: str = ""
    """The search strategy as run (PRISMA-S item 8), as text."""
    strategy_file: str = ""
    """Or the file holding it, inside the review folder."""
    limits: str = ""
    """Limits and filters applied (PRISMA-S item 9): dates, languages, publication types…"""
    peer_review: str = ""
    """Whether and how the strategy was peer reviewed (PRISMA-S item 14, e.g. PRESS)."""
    update_of: str = ""
    """The search this one runs again (a review update): its earlier runs are kept beside it."""

    def to_toml(self) -> dict:
        """The manifest entry (empty optional values, and the default method, left out)."""
        entry = {key: value for key, value in asdict(self).items() if value not in ("", [])}
        if entry.get("method") == "database":
            del entry["method"]
        return entry

    @property
    def stream(self) -> str:
        """``databases`` (databases and registers: the first column of the PRISMA 2020 flow)
        or ``other`` (other methods: the second)."""
        return "databases" if self.method in DATABASE_METHODS else "other"


#: How records can be found, as PRISMA 2020 names the sources.
METHODS = ("database", "register", "website", "organisation", "citation", "other")
#: The methods whose records the flow counts in its first column (databases and registers).
DATABASE_METHODS = ("database", "register")


@dataclass(frozen=True)
class Stopping:
    """Where title/abstract screening stopped early, by a stated stopping rule (``[screening.stopping]``)."""

    method: str
    """The stopping rule, in words (e.g. "hypergeometric test, Callaghan & Müller-Hansen 2020")."""
    recall_target: float | None = None
    """Recall the rule aims for (0–1)."""
    confidence: float | None = None
    """Confidence with which the target is reached (0–1)."""
    records_screened_when_met: int | None = None
    """Records screened when the rule was met."""
    date: str = ""
    """Date the rule was met (ISO 8601)."""

    def describe(self) -> str:
        """One line for the flow: the rule and when it was met."""
        parts = [self.method]
        if self.recall_target is not None:
            parts.append(f"recall target {self.recall_target:.0%}")
        if self.confidence is not None:
            parts.append(f"confidence {self.confidence:.0%}")
        if self.records_screened_when_met is not None:
            parts.append(f"met after {self.records_screened_when_met:,} records")
        if self.date:
            parts.append(f"on {self.date}")
        return ", ".join(parts)


MANIFEST_TEMPLATE = '''\
# screenrev review manifest. Everything screenrev reports is derived from this file and
# the files it names; the .screenrev/ folder is a workspace that can always be rebuilt.

[review]
title = {title}
# The review question, in one or two sentences.
question = {question}

# The eligibility criteria as rules (see protocols/README.md in screenrev).
protocol = "protocol.yaml"

# Human decisions: CSV files, one row per decision, appended to and never rewritten.
decisions = "decisions"

# Searches are added by `screenrev import FILE --database NAME`; each entry records the
# file exactly as downloaded and its SHA-256, so that a changed file is noticed.
'''

PROTOCOL_TEMPLATE = '''\
# Eligibility criteria for this review, written as rules that a person can read aloud.
# Each criterion has an id, a label (the exclusion reason shown in the PRISMA flow),
# what it looks at, and when it excludes. Missing data never excludes a record: a
# criterion that cannot be decided leaves the record for a human ("unsure").
#
# Examples (uncomment the criteria you need, delete "criteria: []", and adapt; every
# construct is described in protocols/README.md of screenrev):
#
# criteria:
#   - id: year
#     label: Published in or before 2007
#     field: year
#     at_most: 2007
#
#   - id: language
#     label: Not written in English
#     field: language
#     not_in: [English]
#
#   - id: peer-review
#     label: Not in a peer-reviewed journal
#     peer_reviewed: false
#
#   - id: children
#     label: Participants were children
#     text: [title, abstract]
#     any: [child*, infant*, "primary school"]
#     unless: [adult*]
#     action: flag             # flag for the screeners instead of excluding
criteria: []
'''


class Review:
    """A review folder: ``screenrev.toml``, ``searches/``, ``decisions/``, ``.screenrev/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest_path = root / MANIFEST
        self._document = self._load()

    @classmethod
    def find(cls, start: Path | None = None) -> Review:
        """The review folder containing ``start`` (default: the current directory), like git."""
        start = (start or Path.cwd()).resolve()
        for folder in (start, *start.parents):
            if (folder / MANIFEST).is_file():
                return cls(folder)
        raise ReviewNotFoundError(start)

    @classmethod
    def create(cls, root: Path, *, title: str, question: str = "") -> Review:
        """Lay out a new review folder; refuses to overwrite an existing manifest."""
        root.mkdir(parents=True, exist_ok=True)
        if (root / MANIFEST).exists():
            raise ScreenrevError(f"{root / MANIFEST} already exists: this is a review folder already")
        for folder in (SEARCHES_DIR, DECISIONS_DIR):
            (root / folder).mkdir(exist_ok=True)
            keep = root / folder / ".gitkeep"
            if not any((root / folder).iterdir()):
                keep.touch()
        if not (root / PROTOCOL).exists():
            write_text(root / PROTOCOL, PROTOCOL_TEMPLATE)
        gitignore = root / ".gitignore"
        if not gitignore.exists():
            # out/ holds what `screenrev run` draws: derived, like the workspace.
            write_text(gitignore, f"{WORKSPACE_DIR}/\nout/\n")
        manifest = MANIFEST_TEMPLATE.format(
            title=tomlkit.string(title).as_string(), question=tomlkit.string(question).as_string()
        )
        write_text(root / MANIFEST, manifest)
        return cls(root)

    def _load(self) -> tomlkit.TOMLDocument:
        try:
            document = tomlkit.parse(self.manifest_path.read_text(encoding="utf-8"))
        except TomlParseError as exc:
            raise ManifestError(str(exc).split(" at line")[0], path=self.manifest_path, line=exc.line) from None
        except UnicodeDecodeError:
            raise ManifestError("not UTF-8 text", path=self.manifest_path) from None
        if not isinstance(document.get("review"), dict):
            # an emptied or foreign file: every count would be zero, every decision unknown
            raise ManifestError("has no [review] table: is it this review's manifest? (restore it from version "
                                "control, or start one with 'screenrev init')", path=self.manifest_path)
        return document

    @property
    def title(self) -> str:
        """The review's title from the manifest."""
        return str(self._document.get("review", {}).get("title", ""))

    def inside(self, key: str, value: object) -> Path:
        """A path the manifest gives (``key`` names where), which must stay inside the review
        folder: a cloned review is untrusted input, and its manifest must not make screenrev
        read or write anywhere else (no absolute path, no ``..`` out, no link leading out)."""
        text = str(value)
        path = self.root / text
        if not text or Path(text).is_absolute() or not path.resolve().is_relative_to(self.root.resolve()):
            raise ManifestError(f"{key} = {text!r} is not a path inside the review folder; paths in screenrev.toml "
                                "are relative to the folder and stay inside it", path=self.manifest_path)
        return path

    @property
    def decisions_dir(self) -> Path:
        """Where the human decisions are kept (``decisions`` in the manifest)."""
        return self.inside("[review] decisions", self._document.get("review", {}).get("decisions", DECISIONS_DIR))

    @property
    def protocol_path(self) -> Path:
        """The protocol (rule file) named in the manifest (``protocol.yaml`` by default)."""
        return self.inside("[review] protocol", self._document.get("review", {}).get("protocol", PROTOCOL))

    @property
    def reports_dir(self) -> Path:
        """Where the full-text reports are kept (``[full_text] reports`` in the manifest,
        ``reports`` by default): files named by record key, or mapped (``decisions/fulltext.py``)."""
        return self.inside("[full_text] reports", self.section("full_text").get("reports", REPORTS_DIR)).resolve()

    @property
    def workspace_dir(self) -> Path:
        """Where the derived SQLite workspace lives."""
        return self.root / WORKSPACE_DIR

    def searches(self) -> list[Search]:
        """The searches in the manifest, in the order they were added."""
        entries = self._document.get("searches", [])
        searches = []
        for number, entry in enumerate(entries, 1):
            try:
                values = {key: entry[key] for key in entry}
                values["accepted_risks"] = list(values.get("accepted_risks", []))
                search = Search(**{k: (v.unwrap() if hasattr(v, "unwrap") else v) for k, v in values.items()})
            except TypeError as exc:
                raise ManifestError(
                    f"search #{number} is malformed ({exc}); each [[searches]] entry needs "
                    "name, file, database, sha256, format, encoding and records",
                    path=self.manifest_path,
                ) from None
            if search.method not in METHODS:
                raise ManifestError(f"search #{number} ({search.name}): method {search.method!r} is not one of "
                                    f"{', '.join(METHODS)}", path=self.manifest_path)
            problem = _malformed(search, searches)
            if problem:
                raise ManifestError(f"search #{number} ({search.name!r}): {problem}", path=self.manifest_path)
            searches.append(search)
        return searches

    def search(self, name: str) -> Search | None:
        """The search called ``name``, if any."""
        return next((search for search in self.searches() if search.name == name), None)

    def edit_searches(self, change: Callable[[list[Search]], list[Search]]) -> list[Search]:
        """Change the manifest's searches as the file holds them now, and write them back.

        Under the manifest's lock the file is read again, ``change`` is given its searches
        and returns them as they should be (it raises to change nothing); so two commands
        writing the manifest at once take turns, and neither writes back a manifest read
        before the other wrote. The searches are written where they stand (``_put_searches``).
        """
        with self._editing():
            searches = change(self.searches())
            self._put_searches(searches)
        return searches

    def _put_searches(self, searches: list[Search]) -> None:
        """Rewrite the searches where they stand: an entry kept keeps its place and its
        comments, a new one goes after the others, and the comment lines that closed the
        last entry (those introducing the next table) still close the list."""
        entries = self._document.get("searches")
        if not isinstance(entries, tomlkit.items.AoT) or not len(entries):
            if "searches" in self._document:
                del self._document["searches"]
            if searches:
                self._document.append("searches", tomlkit.aot())
                entries = self._document["searches"]
        if searches:
            closing = _closing_lines(entries[-1]) if len(entries) else []
            kept = {str(entry.get("name")): entry for entry in entries}
            tables = []
            for search in searches:
                table = kept.pop(search.name, None)
                own = _closing_lines(table) if table is not None else []
                table = table if table is not None else tomlkit.table()
                values = search.to_toml()
                for key in [key for key in table if key not in values]:
                    del table[key]
                for key, value in values.items():
                    if key not in table or table[key] != value:
                        table[key] = value
                for _, line in own or [(None, tomlkit.nl())]:
                    table.value.add(line)
                tables.append(table)
            while len(entries):
                del entries[-1]
            for table in tables:
                entries.append(table)
            _closing_lines(tables[-1])
            for _, line in closing:
                tables[-1].value.add(line)

    @contextmanager
    def _editing(self) -> Iterator[None]:
        """Hold the manifest (the review folder's lock) while it is read again, changed and
        written: what another command wrote meanwhile is kept."""
        with folder_lock(self.root):
            self._document = self._load()
            yield
            write_text(self.manifest_path, tomlkit.dumps(self._document))

    def section(self, name: str) -> dict:
        """A manifest table as plain Python values (empty when absent); dotted names reach sub-tables."""
        table: object = self._document
        for part in name.split("."):
            table = table.get(part, {}) if hasattr(table, "get") else {}
        if not hasattr(table, "unwrap"):
            return dict(table) if isinstance(table, dict) else {}
        value = table.unwrap()
        if not isinstance(value, dict):
            raise ManifestError(f"[{name}] must be a table", path=self.manifest_path)
        return value

    def save_section(self, name: str, values: dict, *, comment: str = "") -> None:
        """Replace one top-level manifest table in the file as it is now (comments elsewhere
        in the file are kept)."""
        table = tomlkit.table()
        if comment:
            table.comment(comment)
        for key, value in values.items():
            table[key] = value
        with self._editing():
            self._document[name] = table

    @property
    def stopping(self) -> Stopping | None:
        """The stopping rule met during title/abstract screening (``[screening.stopping]``), if any."""
        values = self.section("screening.stopping")
        if not values:
            return None
        numbers = {"recall_target": float, "confidence": float, "records_screened_when_met": int}
        for name, kind in numbers.items():
            value = values.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or (kind is int and not isinstance(value, int))):
                raise ManifestError(f"[screening.stopping] {name} must be a number", path=self.manifest_path)
        unknown = set(values) - {"method", "date", *numbers}
        if unknown or not str(values.get("method", "")).strip():
            problem = f"unknown key {sorted(unknown)[0]!r}" if unknown else "method is required"
            raise ManifestError(
                f"[screening.stopping]: {problem} (keys: method, recall_target, confidence, "
                "records_screened_when_met, date)",
                path=self.manifest_path,
            )
        return Stopping(
            method=str(values["method"]),
            recall_target=values.get("recall_target"),
            confidence=values.get("confidence"),
            records_screened_when_met=values.get("records_screened_when_met"),
            date=str(values.get("date", "")),
        )

    def path_of(self, search: Search) -> Path:
        """The export file of a search, inside the review folder."""
        return self.inside(f"[[searches]] {search.name!r} file", search.file)


def iso_date(value: str, what: str) -> str:
    """``value`` when it is a date written YYYY-MM-DD (or empty); else a one-line error naming
    ``what`` (an option): dates go into the PRISMA-S report and order a review's runs."""
    from datetime import date

    if value:
        try:
            if len(value) != 10:
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise ScreenrevError(f"{what} {value!r} is not a date written YYYY-MM-DD") from None
    return value


_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEXT_FIELDS = ("name", "file", "database", "format", "encoding", "interface", "searched", "decode_as", "method",
                "strategy", "strategy_file", "limits", "peer_review", "update_of")


def _malformed(search: Search, earlier: list[Search]) -> str:
    """What is wrong with a search's entry as the manifest gives it ('' when nothing): a
    hand-edited manifest must not make records vanish or count twice without a word."""
    for name in _TEXT_FIELDS:
        if not isinstance(getattr(search, name), str):
            return f"{name} must be text, not {getattr(search, name)!r}"
    if not search.name.strip():
        return "its name is empty"
    if isinstance(search.records, bool) or not isinstance(search.records, int) or search.records < 0:
        return f"records must be a whole number, not {search.records!r}"
    if not _SHA256.fullmatch(search.sha256):
        return f"sha256 {search.sha256!r} is not a SHA-256 (64 hexadecimal digits)"
    if not isinstance(search.accepted_risks, list) or not all(isinstance(r, str) for r in search.accepted_risks):
        return "accepted_risks must be a list of texts"
    for other in earlier:
        if other.name == search.name:
            return "another search has this name: each search needs its own (record keys derive from it)"
        if other.file == search.file:
            return f"search {other.name!r} has the same file {search.file!r}: each export is one search"
    if search.update_of and search.update_of not in {other.name for other in earlier}:
        return f"update_of {search.update_of!r} names no search before it"
    return ""


def _closing_lines(table: tomlkit.items.Table) -> list:
    """Remove and return the blank and comment lines that end ``table``'s body: in the file
    they stand before the next table, and belong with it."""
    body = table.value.body
    cut = len(body)
    while cut and body[cut - 1][0] is None and isinstance(body[cut - 1][1], (Whitespace, Comment)):
        cut -= 1
    closing = body[cut:]
    del body[cut:]
    return closing
