"""Human screening decisions: CSV files under ``decisions/``, one row per decision.

A decision file has the header ``key,stage,decision,reason,reviewer,timestamp,note`` (any
order; other columns are ignored). Rules, checked on every read with an error naming the
file, the line and the column:

* ``key`` is a record's key; a decision on any member of a duplicate cluster applies to the
  cluster (to its primary record, the one counted in the flow).
* ``stage`` is ``title_abstract`` or ``full_text``; ``decision`` is ``include``, ``exclude``
  or ``maybe`` at both stages, and also ``not_retrieved`` at full text. The stage
  ``rules_audit`` holds a human's check of a record a rule excluded (``decisions/audit.py``):
  ``rightly_excluded`` or ``wrongly_excluded``. ``maybe`` at title/
  abstract sends the record to full text (its report is sought); ``maybe`` at full text
  means the report is still being assessed.
* ``reason`` belongs to exclusions (and, in free words, to ``not_retrieved``: why the report
  could not be had). At title/abstract it is optional and must be a
  label (or id) of one of the protocol's criteria. At full text it is required (PRISMA 2020
  reports full-text exclusions with reasons) and must be a criterion label, a full-text
  reason of the protocol, or one of ``[full_text] reasons`` in the manifest.
* ``reviewer`` is required; ``timestamp`` is an ISO 8601 date or date and time.
* A reviewer decides a record once per stage: a second row by the same reviewer that
  differs (decision or reason) is an error, not a silent correction. Repeating the same
  decision is harmless.
* A full-text decision needs the record to be included (or ``maybe``) at title/abstract.

Files are append-only: new rows are added by writing the whole new file to a temporary
file (flushed to disk) and renaming it over the old one, so a killed process leaves the
file as it was or with every new row, never half a row. CSVs with ``key_a,key_b,decision``
columns are duplicate-pair decisions (``clusters.is_queue_file``) and are left to dedup.

Several reviewers may screen the same records (dual screening). A record's settled
decision at a stage is the decision all its reviewers agree on; a decision by a reviewer
with the resolver role (``[reviewers] resolvers``) settles a disagreement; otherwise the
manifest's ``[conflicts]`` policy for the stage applies (``include_if_any``: the most
inclusive decision wins), and without one the disagreement stays an unresolved conflict.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import operator
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Protocol

from .. import __version__
from ..errors import DecisionError
from ..review import spreadsheet
from ..review.atomic import atomic_text, folder_lock, write_text

COLUMNS = ("key", "stage", "decision", "reason", "reviewer", "timestamp", "note")
REQUIRED_COLUMNS = ("key", "stage", "decision", "reviewer", "timestamp")
TITLE_ABSTRACT = "title_abstract"
FULL_TEXT = "full_text"
STAGES = (TITLE_ABSTRACT, FULL_TEXT)
"""The screening stages, which the flow counts."""
RULES_AUDIT = "rules_audit"
#: Every stage a decision file may name: screening, and the audit of the rules' exclusions.
ALL_STAGES = (*STAGES, RULES_AUDIT)
RIGHTLY_EXCLUDED, WRONGLY_EXCLUDED = "rightly_excluded", "wrongly_excluded"
#: The decisions each stage allows.
DECISIONS = {
    TITLE_ABSTRACT: ("include", "exclude", "maybe"),
    FULL_TEXT: ("include", "exclude", "maybe", "not_retrieved"),
    RULES_AUDIT: (RIGHTLY_EXCLUDED, WRONGLY_EXCLUDED),
}
#: Conflict policies (``[conflicts] <stage> = …``).
POLICIES = ("resolver", "include_if_any")
# How inclusive each decision is, for ``include_if_any``: retrieving more is the safe side.
_INCLUSIVENESS = {"include": 3, "maybe": 2, "exclude": 1, "not_retrieved": 0,
                  WRONGLY_EXCLUDED: 3, RIGHTLY_EXCLUDED: 1}


@dataclass(frozen=True)
class Decision:
    """One row of a decision file: a reviewer's decision on a record at a stage."""

    key: str
    """The record decided on (any member of its duplicate cluster)."""
    stage: str
    """``title_abstract`` or ``full_text``."""
    decision: str
    """``include``, ``exclude``, ``maybe`` or (full text) ``not_retrieved``."""
    reason: str = ""
    """Exclusion reason, as written in the file."""
    reviewer: str = ""
    """Who decided."""
    timestamp: str = ""
    """When (ISO 8601)."""
    note: str = ""
    """Free text."""
    file: str = ""
    """Where the row is (relative to the review folder)."""
    line: int = 0
    """Line of the row in its file."""
    record: str = ""
    """The primary record of the key's cluster, which the decision applies to."""
    label: str = ""
    """The reason as the flow reports it (a criterion id resolved to its label)."""

    def row(self) -> list[str]:
        """The decision as a row of a decision file."""
        return [self.key, self.stage, self.decision, self.reason, self.reviewer, self.timestamp, self.note]

    @property
    def where(self) -> str:
        """``file:line`` of the row."""
        return f"{self.file}:{self.line}"


#: A decision's fields in order, as a tuple (what ``Decision(*values)`` takes back).
_as_fields = operator.attrgetter(*(f.name for f in fields(Decision)))


@dataclass(frozen=True)
class Reasons:
    """The exclusion reasons decisions may give: protocol criteria and full-text reasons."""

    criteria: Mapping[str, str] = field(default_factory=dict)
    """Criterion id → label (the protocol's criteria, in order)."""
    full_text: tuple[str, ...] = ()
    """Further reasons allowed at full text only."""

    def allowed(self, stage: str) -> list[str]:
        """The reason labels allowed at a stage."""
        labels = list(dict.fromkeys(self.criteria.values()))
        if stage == FULL_TEXT:
            labels += [reason for reason in self.full_text if reason not in labels]
        return labels

    def resolve(self, stage: str, text: str) -> str | None:
        """The label a written reason stands for (a label, or a criterion id), or None."""
        if text in self._allowed_sets[stage]:
            return text
        return self.criteria.get(text)

    @functools.cached_property
    def _allowed_sets(self) -> dict[str, frozenset[str]]:
        # A review's decision files give the same few reasons thousands of times.
        return {stage: frozenset(self.allowed(stage)) for stage in STAGES}


@dataclass(frozen=True)
class SettlementRules:
    """How disagreements are settled: who resolves them, and each stage's policy."""

    resolvers: frozenset[str] = frozenset()
    """Reviewers whose decision settles a record."""
    policies: Mapping[str, str] = field(default_factory=dict)
    """Stage → ``resolver`` (a resolver must decide; the default) or ``include_if_any``."""

    def policy(self, stage: str) -> str:
        """The policy for a stage."""
        return self.policies.get(stage, "resolver")


@dataclass(frozen=True)
class Settled:
    """The decision that counts for a record at a stage."""

    decision: str
    reason: str = ""
    """The exclusion reason's label (empty when none was given)."""
    how: str = "single"
    """``single`` (one reviewer), ``agreed``, ``resolver`` or ``policy``."""


@dataclass(frozen=True)
class Conflict:
    """Reviewers disagree on a record at a stage and nothing settles it."""

    record: str
    stage: str
    decisions: tuple[Decision, ...]


@dataclass
class Settlement:
    """The settled decision per primary record at one stage, and the conflicts left."""

    stage: str
    settled: dict[str, Settled]
    conflicts: list[Conflict]


# --- reading and checking ------------------------------------------------------------


#: The rules audit's sample (``decisions/audit.py``), kept beside the decisions it asks for.
AUDIT_SAMPLE_FILE = "rules-audit-sample.csv"
#: Reports linked into studies (``decisions/studies.py``).
STUDIES_FILE = "studies.csv"
#: The reports the previous version of an updated review included (``decisions/previous.py``).
PREVIOUS_FILE = "previous-version.csv"


def decision_files(folder: Path) -> list[Path]:
    """The screening decision files under a decisions folder (duplicate-pair files, the
    rules audit's sample and the study links left out)."""
    if not folder.is_dir():
        return []
    from ..dedup.stage import (
        is_queue_file,  # the matcher loads only where decisions are read
    )

    return [path for path in sorted(folder.rglob("*.csv"))
            if not (path.name in (AUDIT_SAMPLE_FILE, STUDIES_FILE, PREVIOUS_FILE) and path.parent == folder)
            and not is_queue_file(path)]


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=4096)
def _check_timestamp(value: str) -> bool:
    # Decisions of a day share their timestamp: each text is parsed once.
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


class DecisionChecker:
    """Checks decisions row by row against the records, the reasons, and each other."""

    def __init__(self, primary_of: Mapping[str, str], reasons: Reasons, rules: SettlementRules) -> None:
        self.primary_of = primary_of
        self.reasons = reasons
        self.rules = rules
        self.decisions: list[Decision] = []
        self._by_reviewer: dict[tuple[str, str, str], Decision] = {}
        self.read_as: dict[str, str] = {}
        """Decision file → sha256 of the bytes its decisions were read from (or last written)."""
        self.outdated: set[str] = set()
        """Decision files another process has appended to since they were read."""
        self.title_abstract: tuple[int, Settlement] | None = None
        """The title/abstract settlement the full-text check worked out, and of how many decisions."""

    def check_row(self, values: Mapping[str, str], *, file: str, line: int) -> Decision:
        """A decision from one row's cells (stripped), or a DecisionError naming file, line and field."""
        return self.check(
            values.get("key", ""), values.get("stage", ""), values.get("decision", ""), values.get("reason", ""),
            values.get("reviewer", ""), values.get("timestamp", ""), values.get("note", ""), file=file, line=line,
        )

    def check(self, key: str, stage: str, decision: str, reason: str, reviewer: str, timestamp: str, note: str, *,
              file: str, line: int) -> Decision:
        """``check_row`` with the row's cells (stripped) given one by one."""

        def fail(message: str, column: str) -> DecisionError:
            return DecisionError(message, path=file, line=line, field=column)

        if not key:
            raise fail("the record key is empty", "key")
        record = self.primary_of.get(key)
        if record is None:
            raise fail(f"no record has the key {key!r} (was the search it came from replaced?)", "key")
        if stage not in ALL_STAGES:
            raise fail(f"unknown stage {stage!r} (stages: {', '.join(ALL_STAGES)})", "stage")
        written, decision = decision, decision.lower()
        if decision not in DECISIONS[stage]:
            raise fail(
                f"unknown decision {written!r} at {stage} (decisions: {', '.join(DECISIONS[stage])})",
                "decision",
            )
        label = self._reason_label(stage, decision, reason, fail)
        if not reviewer:
            raise fail("the reviewer is empty (say who decided)", "reviewer")
        if not _check_timestamp(timestamp):
            raise fail(
                f"{timestamp!r} is not an ISO 8601 date or time (e.g. 2024-03-01 or 2024-03-01T14:05:00)",
                "timestamp",
            )
        return Decision(
            key=key, stage=stage, decision=decision, reason=reason, reviewer=reviewer,
            timestamp=timestamp, note=note, file=file, line=line, record=record, label=label,
        )

    def _reason_label(self, stage: str, decision: str, reason: str, fail) -> str:
        if decision == "not_retrieved":
            return reason  # why the report could not be had, in the reviewer's words
        if decision != "exclude":
            if reason:
                raise fail(f"a reason is given for {decision!r}: reasons are for exclusions (use the note)", "reason")
            return ""
        if not reason:
            if stage == FULL_TEXT:
                allowed = self.reasons.allowed(stage)
                if not allowed:
                    raise fail("a full-text exclusion needs a reason, and none are defined: list them as the "
                               "protocol's full_text_reasons, or as [full_text] reasons in screenrev.toml", "reason")
                raise fail(f"a full-text exclusion needs a reason (one of: {_listing(allowed)})", "reason")
            return ""
        label = self.reasons.resolve(stage, reason)
        if label is None:
            source = ("the protocol's criteria" if stage == TITLE_ABSTRACT
                      else "the protocol's criteria and full-text reasons, and [full_text] reasons in screenrev.toml")
            raise fail(f"unknown reason {reason!r}: reasons come from {source} ({_listing(self.reasons.allowed(stage))})",
                       "reason")
        return label

    def add(self, decision: Decision, *, repeats: bool = True) -> bool:
        """Accept a checked decision, refusing a reviewer's second, different decision on a record.

        Returns False for a repeat of the reviewer's earlier decision (kept only if ``repeats``).
        """
        slot = (decision.record, decision.stage, decision.reviewer)
        earlier = self._by_reviewer.get(slot)
        if earlier is not None and (earlier.decision, earlier.label) != (decision.decision, decision.label):
            same = "" if earlier.key == decision.key else f" (as {earlier.key}, the same study)"
            raise DecisionError(
                f"{decision.reviewer!r} already decided {decision.key!r} at {decision.stage}{same}: "
                f"{_describe(earlier)} at {earlier.where}, now {_describe(decision)}; a reviewer decides "
                "a record once per stage (correct one of the rows, or let a resolver settle it)",
                path=decision.file, line=decision.line, field="decision",
            )
        if earlier is None:
            self._by_reviewer[slot] = decision
        elif not repeats:
            return False
        self.decisions.append(decision)
        return earlier is None

    def recheck(self, decisions: list[Decision], data: bytes, path: Path, display: str) -> list[Decision]:
        """New decisions for the file ``display``, checked against its bytes as they are now
        (another screenrev may have appended to it since it was read): those it holds
        already are left out, and a different decision by the same reviewer on the same
        record is refused."""
        if display not in self.outdated and (
                hashlib.sha256(data).hexdigest() == self.read_as.get(display, hashlib.sha256(b"").hexdigest())):
            return decisions
        # What the other process wrote is not in this checker: every later append to this
        # file is checked against the file itself.
        self.outdated.add(display)
        current = DecisionChecker(self.primary_of, self.reasons, self.rules)
        if data.strip():
            read_file(path, current, display=display, data=data)
        fresh = []
        for decision in decisions:
            earlier = current._by_reviewer.get((decision.record, decision.stage, decision.reviewer))
            if earlier is None:
                fresh.append(decision)
            elif (earlier.decision, earlier.label) != (decision.decision, decision.label):
                raise DecisionError(
                    f"{decision.reviewer!r} decided {decision.key!r} at {decision.stage} in another screenrev "
                    f"meanwhile ({_describe(earlier)} at {earlier.where}); {_describe(decision)} was not written",
                    path=display, line=earlier.line, field="decision",
                )
        return fresh

    def rollback(self, mark: int) -> None:
        """Forget the decisions added after the first ``mark``."""
        for decision in self.decisions[mark:]:
            slot = (decision.record, decision.stage, decision.reviewer)
            if self._by_reviewer.get(slot) is decision:
                del self._by_reviewer[slot]
        del self.decisions[mark:]

    def check_full_text(self, decisions: Iterable[Decision]) -> None:
        """Refuse full-text decisions on records not included (or maybe) at title/abstract."""
        decisions = [decision for decision in decisions if decision.stage == FULL_TEXT]
        if not decisions:
            return
        title_abstract = settle(self.decisions, TITLE_ABSTRACT, self.rules)
        self.title_abstract = (len(self.decisions), title_abstract)
        in_conflict = {conflict.record for conflict in title_abstract.conflicts}
        for decision in decisions:
            if decision.record in in_conflict:
                continue
            settled = title_abstract.settled.get(decision.record)
            if settled is None or settled.decision == "exclude":
                state = ("it has no title/abstract decision" if settled is None
                         else "it was excluded at title/abstract")
                raise DecisionError(
                    f"full-text decision on {decision.key!r}, but {state}; only records included "
                    "(or maybe) at title/abstract are assessed in full text",
                    path=decision.file, line=decision.line, field="key",
                )


def _describe(decision: Decision) -> str:
    return f"{decision.decision!r}" + (f" ({decision.reason})" if decision.reason else "")


def _listing(labels: list[str]) -> str:
    if not labels:
        return "none are defined"
    shown = ", ".join(repr(label) for label in labels[:8])
    return shown + (f" and {len(labels) - 8} more" if len(labels) > 8 else "")


def read_text(path: Path, display: str) -> str:
    """A table's text (UTF-8, with or without BOM), or a DecisionError naming it."""
    return _decoded(_read_bytes(path, display), display)


def _read_bytes(path: Path, display: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DecisionError(f"cannot be read: {exc.strerror}", path=display) from None


def _decoded(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecisionError(f"not UTF-8 text (byte {exc.start})", path=display) from None


def read_file(path: Path, checker: DecisionChecker, *, display: str, data: bytes | None = None) -> list[Decision]:
    """Check and add every decision of one file (``data``: its bytes, when read already); returns them."""
    text = _decoded(data, display) if data is not None else read_text(path, display)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            separated = len(header) == 1 and ";" in header[0]
            hint = (" (this header is separated by semicolons, as Excel saves CSV in some languages: "
                    "save it with commas, as 'CSV UTF-8')") if separated else ""
            raise DecisionError(
                f"the header lacks {', '.join(missing)}: a decision file has the columns {','.join(COLUMNS)}{hint}",
                path=display, line=1, field="header",
            )
        added = []
        start = reader.line_num + 1
        # Where each column is (the first of a name, as a dict of the row would keep the last:
        # a repeated column is refused below), or None when the file lacks it (an empty cell).
        where = [header.index(name) if name in header else None for name in COLUMNS]
        repeated = [name for name in COLUMNS if header.count(name) > 1]
        if repeated:
            raise DecisionError(f"the column {repeated[0]} appears twice in the header",
                                path=display, line=1, field="header")
        width = len(header)
        for cells in reader:
            line, start = start, reader.line_num + 1
            if len(cells) > width:
                raise DecisionError(
                    f"{len(cells)} cells but the header has {width} columns",
                    path=display, line=line, field="row",
                )
            values = [spreadsheet.restore(cells[index].strip()) if index is not None and index < len(cells) else ""
                      for index in where]
            if not any(values) and not any(cell.strip() for cell in cells):
                continue
            decision = checker.check(*values, file=display, line=line)
            checker.add(decision)
            added.append(decision)
    except csv.Error as exc:
        raise DecisionError(f"malformed CSV ({exc})", path=display, line=reader.line_num, field="row") from None
    return added


class CheckedFiles(Protocol):
    """Where the rows of decision files are kept once checked (the workspace)."""

    def checked_decisions(self, file: str, sha256: str, context: str) -> list | None: ...

    def keep_checked_decisions(self, files: dict[str, tuple[str, str, list]]) -> None: ...


#: Bump when what a checked row holds, or how rows are checked, changes.
CHECKED_ROWS_VERSION = "1"


def _context(primary_of: Mapping[str, str], reasons: Reasons, rules: SettlementRules) -> str:
    """A fingerprint of everything a row is checked against: the records and their
    clusters, the reasons allowed, the settlement rules, and the checking code's version."""
    digest = hashlib.sha256(f"{__version__} {CHECKED_ROWS_VERSION}\n".encode())
    digest.update("\n".join(f"{key}\t{primary}" for key, primary in sorted(primary_of.items())).encode())
    digest.update(repr((sorted(reasons.criteria.items()), reasons.full_text, sorted(rules.resolvers),
                        sorted(rules.policies.items()))).encode())
    return digest.hexdigest()


def read_decisions(
    folder: Path, *, root: Path, primary_of: Mapping[str, str], reasons: Reasons, rules: SettlementRules,
    checked: CheckedFiles | None = None,
) -> DecisionChecker:
    """Read and check every decision file under ``folder``; the checker holds the decisions.

    With ``checked`` (the workspace), a file whose bytes and context are those it was
    checked with before gives back the rows found then, without parsing it again; the
    checks across files (a reviewer's second decision on a record, full text after
    title/abstract) run on every read.
    """
    checker = DecisionChecker(primary_of, reasons, rules)
    context = _context(primary_of, reasons, rules) if checked is not None else ""
    kept: dict[str, tuple[str, str, list]] = {}
    reparsed = False
    for path in decision_files(folder):
        display = _display(path, root)
        data = _read_bytes(path, display)
        sha256 = hashlib.sha256(data).hexdigest()
        checker.read_as[display] = sha256
        if checked is None:
            read_file(path, checker, display=display, data=data)
            continue
        rows = checked.checked_decisions(display, sha256, context)
        if rows is None:
            reparsed = True
            rows = [_as_fields(decision) for decision in read_file(path, checker, display=display, data=data)]
        else:
            for row in rows:
                checker.add(Decision(*row))
        kept[display] = (sha256, context, rows)
    if checked is not None and reparsed:
        checked.keep_checked_decisions(kept)
    checker.check_full_text(checker.decisions)
    return checker


# --- settling ------------------------------------------------------------------------


def settle(decisions: Iterable[Decision], stage: str, rules: SettlementRules) -> Settlement:
    """The settled decision per record at ``stage``, and the disagreements nothing settles."""
    by_record: dict[str, dict[str, Decision]] = defaultdict(dict)
    for decision in decisions:
        if decision.stage == stage:
            # A reviewer's repeated identical rows count once (differing ones are refused on reading).
            by_record[decision.record].setdefault(decision.reviewer, decision)
    settled: dict[str, Settled] = {}
    conflicts: list[Conflict] = []
    policy = rules.policy(stage)
    for record, votes in by_record.items():
        resolved = {name: d for name, d in votes.items() if name in rules.resolvers}
        deciding = resolved or votes
        outcomes = {outcome(d, stage) for d in deciding.values()}
        if len(outcomes) == 1:
            decision, reason = next(iter(outcomes))
            if not reason and decision in ("exclude", "not_retrieved"):
                reason = _common_reason(deciding.values())
            how = "resolver" if resolved else ("single" if len(votes) == 1 else "agreed")
            settled[record] = Settled(decision, reason, how)
        elif policy == "include_if_any" and not resolved:
            decision = max((d.decision for d in votes.values()), key=_INCLUSIVENESS.__getitem__)
            reason = _common_reason(d for d in votes.values() if d.decision == decision)
            settled[record] = Settled(decision, reason if decision == "exclude" else "", "policy")
        else:
            conflicts.append(Conflict(record, stage, tuple(sorted(votes.values(), key=lambda d: (d.file, d.line)))))
    conflicts.sort(key=lambda conflict: conflict.record)
    return Settlement(stage, settled, conflicts)


def outcome(decision: Decision, stage: str) -> tuple[str, str]:
    """What must agree between reviewers: the decision, and at full text the exclusion reason."""
    # Different reasons for excluding a full text disagree on what the flow reports; at
    # title/abstract the reason is optional and only the decision has to agree.
    reason = decision.label if stage == FULL_TEXT and decision.decision == "exclude" else ""
    return decision.decision, reason


def _common_reason(decisions: Iterable[Decision]) -> str:
    """The most common reason label among exclusions (ties: alphabetical first)."""
    labels = [d.label for d in decisions if d.label]
    if not labels or all(label == labels[0] for label in labels):
        return labels[0] if labels else ""
    counts = Counter(labels)
    return min(counts, key=lambda label: (-counts[label], label))


# --- writing -------------------------------------------------------------------------


def write_decisions(path: Path, decisions: list[Decision], *,
                    check: Callable[[bytes], list[Decision]] | None = None) -> tuple[int, list[Decision], str]:
    """Append decisions to a decision file atomically (the whole new file replaces the old
    one): the line of the first one written, the decisions written, and the sha256 of the
    file as it is now.

    The folder is locked while the file is read and replaced: a ``review`` session and a
    ``decide`` command of the same reviewer may append to one file at the same time.
    ``check`` sees the file's bytes as they are under the lock and says which decisions to
    write (or raises, and nothing is written).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(path.parent):
        start = _next_line(path)
        data = path.read_bytes() if path.exists() else b""
        if check is not None:
            decisions = check(data)
        if not decisions:
            return start, [], hashlib.sha256(data).hexdigest()
        previous = data.decode("utf-8")
        if not previous.strip():
            previous = ""
        elif not previous.endswith(("\n", "\r")):
            previous += "\n"
        with atomic_text(path) as out:
            out.write(previous)
            writer = spreadsheet.writer(out)
            if not previous:
                writer.writerow(COLUMNS)
            for decision in decisions:
                writer.writerow(decision.row())
            out.flush()
            os.fsync(out.fileno())
        return start, decisions, hashlib.sha256(path.read_bytes()).hexdigest()


def remove_last(path: Path, decision: Decision) -> None:
    """Take back the last row of a decision file, which must be ``decision`` (an undo).

    Decision files are only appended to; the one exception is a reviewer taking back
    the decision they have just made, before anything else was added.
    """
    with folder_lock(path.parent):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        rows = list(csv.reader(lines[-1:]))
        if not rows or [spreadsheet.restore(cell) for cell in rows[0]] != decision.row():
            raise DecisionError("the last row is not the decision being undone; edit the file by hand",
                                path=path, line=len(lines))
        write_text(path, "".join(lines[:-1]))


def _next_line(path: Path) -> int:
    """The line the next appended row of a decision file will have (after the header)."""
    if not path.exists() or not path.read_text(encoding="utf-8-sig").strip():
        return 2
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for _ in reader:
            pass
        return reader.line_num + 1
