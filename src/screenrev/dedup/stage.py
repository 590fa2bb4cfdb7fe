"""Running deduplication over a review: the matcher's input and output, the human review
queue for uncertain pairs, metadata merged into each cluster's primary record, and the
overlap between databases.

The matching itself is ``dedup.deduplicate`` (a pure function); this module reads the
duplicate decisions kept under ``decisions/`` and writes the review queue.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import InputError
from ..fingerprint import code_fingerprint
from ..records.record import FIELDS, LIST_FIELDS
from ..records.workspace import Workspace
from ..review import spreadsheet
from ..review.atomic import atomic_text
from ..review.folder import Review

if TYPE_CHECKING:  # the matcher (and rapidfuzz) loads only where records are compared
    from .cluster import DedupResult, Pair, PairDecision

#: Columns of a review-queue file; the reviewer fills ``decision`` with same or different.
QUEUE_COLUMNS = ("key_a", "key_b", "decision", "score", "evidence")
#: Fields shown side by side in the review queue.
QUEUE_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "database")
DECISION_WORDS = {"same": True, "different": False}


@dataclass
class DecisionFile:
    """Human decisions on pairs, read from one CSV under ``decisions/``."""

    path: Path
    decisions: list[PairDecision] = field(default_factory=list)
    undecided: int = 0


def is_queue_file(path: Path) -> bool:
    """Whether a CSV holds duplicate decisions (its header has key_a, key_b and decision)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError):
        return False
    return {"key_a", "key_b", "decision"} <= {name.strip() for name in header}


def read_decisions(path: Path, known_keys: set[str]) -> DecisionFile:
    """The same/different decisions in a review-queue file; unknown keys are errors."""
    result = DecisionFile(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}", path=path) from None
    with handle:
        reader = csv.DictReader(handle)
        for row in reader:
            line = reader.line_num
            decision = (row.get("decision") or "").strip().lower()
            if not decision:
                result.undecided += 1
                continue
            if decision not in DECISION_WORDS:
                raise InputError(
                    f"decision {decision!r} is neither 'same' nor 'different'",
                    path=path, line=line, field="decision",
                )
            keys = []
            for column in ("key_a", "key_b"):
                key = (row.get(column) or "").strip()
                if key not in known_keys:
                    raise InputError(
                        f"no record has the key {key!r} (was the search it came from replaced?)",
                        path=path, line=line, field=column,
                    )
                keys.append(key)
            if keys[0] == keys[1]:
                raise InputError("a record cannot be paired with itself", path=path, line=line, field="key_b")
            result.decisions.append(_pair_decision(keys[0], keys[1], DECISION_WORDS[decision]))
    return result


def decision_files(folder: Path) -> list[Path]:
    """Review-queue files under the review's decisions folder, in name order."""
    if not folder.is_dir():
        return []
    return [path for path in sorted(folder.rglob("*.csv")) if is_queue_file(path)]


def _pair_decision(key_a: str, key_b: str, same: bool) -> PairDecision:
    from .cluster import PairDecision

    return PairDecision(key_a, key_b, same)


def contradictions(decisions: Iterable[PairDecision]) -> list[tuple[str, str]]:
    """Pairs decided both ways (in one file or across files)."""
    seen: dict[tuple[str, str], bool] = {}
    clashes = []
    for decision in decisions:
        pair = tuple(sorted((decision.key_a, decision.key_b)))
        if pair in seen and seen[pair] != decision.same:
            clashes.append(pair)
        seen[pair] = decision.same
    return clashes


def write_queue(path: Path, pairs: list[Pair], records: dict[str, dict]) -> int:
    """Write the uncertain pairs for a reviewer; decisions already in ``path`` are kept,
    including those on pairs that the decision itself has settled (they are what settles
    them the next time dedup runs).

    Returns the number of pairs still waiting for a decision.
    """
    previous: dict[tuple[str, str], dict[str, str]] = {}
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                row = {name: spreadsheet.restore(cell or "") for name, cell in row.items() if name is not None}
                if (row.get("decision") or "").strip():
                    previous[(row["key_a"], row["key_b"])] = row
    columns = list(QUEUE_COLUMNS) + [f"{name}_{side}" for name in QUEUE_FIELDS for side in ("a", "b")]
    waiting = 0
    with atomic_text(path) as out:
        writer = spreadsheet.writer(out)
        writer.writerow(columns)
        for pair in pairs:
            decision = (previous.pop((pair.key_a, pair.key_b), None) or {}).get("decision", "").strip()
            waiting += not decision
            row = [pair.key_a, pair.key_b, decision, f"{pair.score:.3f}",
                   "; ".join(f"{name}: {text}" for name, text in pair.evidence.items())]
            for name in QUEUE_FIELDS:
                for key in (pair.key_a, pair.key_b):
                    value = records[key].get(name)
                    row.append("; ".join(value) if isinstance(value, list) else value or "")
            writer.writerow(row)
        for kept in previous.values():
            writer.writerow([kept.get(column) or "" for column in columns])
    return waiting


def completeness(record: dict) -> tuple:
    """How complete a record is: abstract, DOI, then the number of filled fields."""
    filled = sum(1 for name in FIELDS if record.get(name))
    return (bool(record.get("abstract")), bool(record.get("doi")), filled)


def merged_fields(result: DedupResult, records: dict[str, dict]) -> dict[str, dict]:
    """Each cluster's primary record with its empty fields filled from the other members."""
    members: dict[str, list[str]] = defaultdict(list)
    for key, cluster in result.cluster.items():
        members[cluster].append(key)
    merged = {}
    for cluster, keys in members.items():
        primary = next(key for key in keys if key in result.primary)
        others = sorted((k for k in keys if k != primary), key=lambda k: (tuple(-x for x in completeness(records[k])), k))
        fields = {name: records[primary].get(name) for name in FIELDS}
        for name in FIELDS:
            if fields[name]:
                continue
            for other in others:
                value = records[other].get(name)
                if value:
                    fields[name] = list(value) if name in LIST_FIELDS else value
                    break
        merged[cluster] = fields
    return merged


@dataclass
class Overlap:
    """Which databases found which studies."""

    databases: list[str]
    found: dict[str, int]
    """Database → studies (clusters) it found."""
    unique: dict[str, int]
    """Database → studies no other database found."""
    shared: dict[str, dict[str, int]]
    """Database → database → studies both found."""


def overlap(result: DedupResult, records: dict[str, dict]) -> Overlap:
    """The overlap between databases, counted in studies (clusters), not records."""
    by_cluster: dict[str, set[str]] = defaultdict(set)
    for key, cluster in result.cluster.items():
        by_cluster[cluster].add(records[key]["database"])
    databases = sorted({records[key]["database"] for key in records})
    found: Counter[str] = Counter()
    unique: Counter[str] = Counter()
    shared = {a: {b: 0 for b in databases} for a in databases}
    for sources in by_cluster.values():
        for database in sources:
            found[database] += 1
            for other in sources:
                shared[database][other] += 1
        if len(sources) == 1:
            unique[next(iter(sources))] += 1
    return Overlap(
        databases=databases,
        found={d: found[d] for d in databases},
        unique={d: unique[d] for d in databases},
        shared=shared,
    )


@dataclass
class DedupSummary:
    """What a deduplication run found."""

    records: int
    clusters: int
    duplicates: int
    """Records marked as duplicates of a cluster's primary record."""
    pairs_compared: int
    unsure: int
    """Pairs the matcher could not decide."""
    decisions: int
    """Human same/different decisions applied."""
    decision_files: list[str]
    overlap: Overlap
    waiting: int | None = None
    """Pairs in the review queue still without a decision (when a queue was written)."""


#: The modules whose code decides the clusters: a change to any of them is a new matcher.
MATCHER_MODULES = ("prepare.py", "blocking.py", "compare.py", "cluster.py")


def dedup_inputs(review: Review, workspace: Workspace) -> str:
    """A fingerprint of what the clusters are computed from: every search as stored, every
    duplicate-pair decision file, and the version of the matcher (its code, read as bytes
    so that the matcher need not be loaded)."""
    digest = hashlib.sha256(f"screenrev {__version__}\n".encode())
    digest.update(f"matcher {code_fingerprint(Path(__file__).parent, MATCHER_MODULES)}\n".encode())
    for name, sha256 in sorted(workspace.stored_searches().items()):
        digest.update(f"search {name} {sha256}\n".encode())
    for path in decision_files(review.decisions_dir):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"pairs {path.relative_to(review.root).as_posix()} {content}\n".encode())
    return digest.hexdigest()


def is_current(review: Review, workspace: Workspace) -> bool:
    """Whether the stored clusters come from the searches and pair decisions as they are now."""
    return workspace.deduplicated_with() == dedup_inputs(review, workspace)


def deduplicate_review(review: Review, workspace: Workspace, *, queue: Path | None = None) -> DedupSummary:
    """Cluster the review's records, store the clusters, and write the review queue if asked."""
    records = {record["key"]: record for record in workspace.iter_records()}
    files = [read_decisions(path, set(records)) for path in decision_files(review.decisions_dir)]
    decisions = [decision for file in files for decision in file.decisions]
    clashes = contradictions(decisions)
    if clashes:
        key_a, key_b = clashes[0]
        raise InputError(
            f"{key_a} and {key_b} are decided both 'same' and 'different' "
            f"({len(clashes)} such pair(s)); keep one decision per pair",
            path=review.decisions_dir,
        )
    from .cluster import deduplicate

    result = deduplicate([records[key] for key in sorted(records)], decisions=decisions)
    # The queue keeps every decision it held, so the files as they are after writing it
    # are what these clusters come from.
    waiting = write_queue(queue, result.unsure, records) if queue is not None else None
    workspace.store_clusters(result.cluster, result.primary, result.evidence, merged_fields(result, records),
                             inputs=dedup_inputs(review, workspace), undecided_pairs=len(result.unsure))
    clusters = len(set(result.cluster.values()))
    return DedupSummary(
        records=len(records),
        clusters=clusters,
        duplicates=len(records) - clusters,
        pairs_compared=result.pairs_compared,
        unsure=len(result.unsure),
        decisions=len(decisions),
        decision_files=[str(file.path.relative_to(review.root)) for file in files],
        overlap=overlap(result, records),
        waiting=waiting,
    )
