"""The rules stage: apply the review's protocol to its primary records and keep the outcomes."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import forked
from ..errors import ProtocolError
from ..fingerprint import code_fingerprint
from ..records.parse import bulk
from ..records.workspace import Workspace
from ..review.folder import Review
from . import language
from .engine import EXCLUDE, FLAG, PASS, UNSURE, Outcome, Screener, Verdict
from .protocol import FieldTest, Protocol, leaves, load_protocol


@dataclass(frozen=True)
class CriterionCounts:
    """What one criterion did across the review."""

    id: str
    label: str
    action: str
    excluded: int
    flagged: int
    unsure: int
    passed: int


@dataclass(frozen=True)
class ScreenSummary:
    """What the protocol did to the review's records."""

    protocol: str
    records: int
    """Records screened (primary records once duplicates are found)."""
    deduplicated: bool
    excluded: int
    """Records excluded automatically (by at least one criterion)."""
    flagged: int
    """Records flagged for a human (and excluded by none)."""
    unsure: int
    """Records some criterion could not decide (and no criterion excluded or flagged)."""
    passed: int
    criteria: list[CriterionCounts] = field(default_factory=list)


def screen_records(
    screener: Screener, records: Iterable[dict]
) -> Iterator[tuple[dict, list[Outcome], Verdict]]:
    """Each record with the outcome of every criterion and the overall verdict."""
    for record in records:
        outcomes = screener.outcomes(record)
        yield record, outcomes, screener.verdict(outcomes)


def screen_all(
    screener: Screener, records: list[dict], *, processes: int | None = None
) -> list[tuple[dict, list[Outcome], Verdict]]:
    """``screen_records`` for a whole list, large lists shared among the idle cores.

    Workers send back each record's outcomes and evidence as plain pairs; the results are
    those of one pass (``forked.map_chunks``).
    """
    ids = [criterion.id for criterion in screener.protocol.criteria]

    def work(part: list[dict]) -> list[tuple[dict, list[Outcome], Verdict]]:
        return list(screen_records(screener, part))

    def pack(results: list[tuple[dict, list[Outcome], Verdict]]) -> list[list[tuple[str, str]]]:
        return [[(outcome.outcome, outcome.evidence) for outcome in outcomes] for _record, outcomes, _v in results]

    def unpack(data: list[list[tuple[str, str]]], part: list[dict]) -> list[tuple[dict, list[Outcome], Verdict]]:
        results = []
        for record, pairs in zip(part, data):
            outcomes = [Outcome(id, outcome, evidence) for id, (outcome, evidence) in zip(ids, pairs)]
            results.append((record, outcomes, screener.verdict(outcomes)))
        return results

    return forked.map_chunks(work, records, pack=pack, unpack=unpack, processes=processes)


def summarise(protocol: Protocol, results: Iterable[tuple[dict, list[Outcome], Verdict]],
              *, deduplicated: bool) -> ScreenSummary:
    """Counts per criterion and per overall outcome."""
    per_criterion: dict[str, Counter] = {c.id: Counter() for c in protocol.criteria}
    overall: Counter = Counter()
    for _record, outcomes, verdict in results:
        overall[verdict.outcome] += 1
        for outcome in outcomes:
            per_criterion[outcome.criterion][outcome.outcome] += 1
    return ScreenSummary(
        protocol=protocol.path,
        records=sum(overall.values()),
        deduplicated=deduplicated,
        excluded=overall[EXCLUDE],
        flagged=overall[FLAG],
        unsure=overall[UNSURE],
        passed=overall[PASS],
        criteria=[
            CriterionCounts(c.id, c.label, c.action, per_criterion[c.id][EXCLUDE], per_criterion[c.id][FLAG],
                            per_criterion[c.id][UNSURE], per_criterion[c.id][PASS])
            for c in protocol.criteria
        ],
    )


def uses_language(protocol: Protocol) -> bool:
    """Whether a criterion tests the record's language (so that missing ones are detected)."""
    return any(
        isinstance(test, FieldTest) and test.field == "language" and test.test != "missing"
        for criterion in protocol.criteria for test in leaves(criterion.condition)
    )


#: The modules whose code decides rule outcomes (and detected languages).
RULES_MODULES = ("engine.py", "doctypes.py", "language.py", "terms.py", "spelling.py", "protocol.py", "yamldata.py")


def rules_code() -> str:
    """A fingerprint of the rules' code."""
    return code_fingerprint(Path(__file__).parent, RULES_MODULES)


def applied_version(protocol_sha256: str) -> str:
    """What stored rule outcomes are computed from: the protocol (its sha256) and the rules'
    code, so that a mended rule (a publication type read better, say) is applied again to
    the reviews it opens, not only after their protocol changes."""
    return f"{protocol_sha256}+{rules_code()}"


def _detect_languages(records: list[dict], workspace: Workspace) -> None:
    """Give records without a language field the language detected from their text, once
    (a large review's detections shared among the idle cores)."""
    known = workspace.detected_languages(by=rules_code())
    unknown = [record for record in records if not record.get("language") and record["key"] not in known]
    found = forked.map_chunks(_detected, unknown, pack=_same, unpack=_same)
    new = {record["key"]: detection for record, detection in zip(unknown, found)}
    known.update(new)
    for record in records:
        if not record.get("language"):
            record["language_detected"] = known[record["key"]]
    if new:
        workspace.store_languages(new)


def _detected(records: list[dict]) -> list[tuple[str | None, float]]:
    """(language code or None, probability) detected from each record's title and abstract."""
    return [(found.code, found.probability) for found in map(language.detect_record, records)]


def _same(results: list, *_items: object) -> list:
    """Detections are plain tuples already: nothing to pack for a worker or to unpack."""
    return results


def screen_review(review: Review, workspace: Workspace, *, protocol_path: Path | None = None) -> ScreenSummary:
    """Apply the protocol to the primary records and store every outcome in the workspace."""
    path = protocol_path or review.protocol_path
    if protocol_path is None and not path.exists():
        raise ProtocolError("no such file: the manifest's [review] protocol names it; write the criteria "
                            "there, or give another file with --protocol", path=path)
    protocol = load_protocol(path)
    deduplicated = workspace.has_clusters()
    with bulk():
        records = list(workspace.primary_records())
        if uses_language(protocol):
            _detect_languages(records, workspace)
        results = screen_all(Screener(protocol), records)
    outcomes = (
        (record["key"], outcome.criterion, outcome.outcome, outcome.evidence)
        for record, record_outcomes, _verdict in results
        for outcome in record_outcomes
    )
    verdicts = (
        (record["key"], verdict.outcome, verdict.criterion, verdict.reason) for record, _o, verdict in results
    )
    workspace.store_screening(applied_version(protocol.sha256), outcomes, verdicts)
    summary = summarise(protocol, results, deduplicated=deduplicated)
    # Reports name the protocol as the review knows it, not where the folder happens to be.
    shown = Path(protocol.path)
    if shown.is_absolute() and shown.is_relative_to(review.root):
        summary = replace(summary, protocol=str(shown.relative_to(review.root)))
    return summary


def is_current(review: Review, workspace: Workspace) -> bool:
    """Whether the stored rule outcomes come from the review's protocol as it is now (with no
    protocol, whether none are stored)."""
    path = review.protocol_path
    if not path.is_file():
        return workspace.screened_with() is None
    return workspace.screened_with() == applied_version(hashlib.sha256(path.read_bytes()).hexdigest())


def bring_up_to_date(review: Review, workspace: Workspace, *, say: Callable[[str], None], rules: bool = True) -> None:
    """Recompute the stages whose inputs changed since they last ran, duplicates first, then
    (with ``rules``) the rules, which apply to the primary records; ``say`` is told each in one line."""
    from ..dedup.stage import deduplicate_review
    from ..dedup.stage import is_current as clusters_are_current

    if not clusters_are_current(review, workspace):
        first = workspace.deduplicated_with() is None
        say(("Marking duplicates among the records as they are now" if first else
             "Marking duplicates again: the searches or the duplicate-pair decisions changed") + ": screenrev dedup")
        deduplicate_review(review, workspace)
    if rules and not is_current(review, workspace):
        if not review.protocol_path.is_file():
            say("Forgetting the rule outcomes: the protocol is gone")
            workspace.clear_screening()
            return
        applied = workspace.screened_with()
        if applied is None:
            why = "Applying the protocol's rules to the records as they are now"
        elif applied.partition("+")[0] != hashlib.sha256(review.protocol_path.read_bytes()).hexdigest():
            why = "Applying the protocol's rules again: the protocol changed"
        else:
            why = "Applying the protocol's rules again: this version of screenrev applies them differently"
        say(why + ": screenrev screen")
        screen_review(review, workspace)
