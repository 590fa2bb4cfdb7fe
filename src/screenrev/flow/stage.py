"""The flow of a review: its records, rule outcomes and decision files counted into a
PRISMA 2020 flow, with what the reviewer should know about it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..decisions.audit import Audit, rule_exclusions
from ..decisions.files import FULL_TEXT, TITLE_ABSTRACT, Reasons
from ..decisions.previous import previous_version
from ..decisions.stage import DecisionLog, primary_index
from ..errors import ConflictError, ManifestError, ScreenrevError
from ..review.folder import Review
from .counts import Flow, OtherMethods, check_identities, count_flow

# --- the flow of a review ------------------------------------------------------------


@dataclass
class FlowReport:
    """A review's flow and what the reviewer should know about it."""

    flow: Flow
    warnings: list[str]
    undecided_pairs: int = 0
    """Uncertain duplicate pairs no reviewer has decided (each counted as two records)."""
    audit: Audit | None = None
    """The rules audit, when a sample was drawn."""

    def counts(self) -> dict:
        """The flow's counts, with the rules audit's totals (``rules_audit``) when there is one:
        what ``--record`` keeps and ``--check`` compares."""
        counts = self.flow.counts()
        if self.audit is not None:
            counts["rules_audit"] = self.audit.counts()
        return counts


def _record_rows(review: Review, workspace) -> list[tuple[str, str, str, str]]:
    """``(key, database, primary key, method)`` per record, searches in manifest order."""
    primary_of = primary_index(workspace)
    searches = review.searches()
    order = {search.name: index for index, search in enumerate(searches)}
    methods = {search.name: search.method for search in searches}
    rows = workspace.db.execute("SELECT key, search, database, position FROM records").fetchall()
    rows.sort(key=lambda row: (order.get(row[1], len(order)), row[3]))
    return [(key, database, primary_of[key], methods.get(search, "database"), search)
            for key, search, database, _ in rows]


def review_flow(review: Review, workspace, *, reasons: Reasons | None = None) -> FlowReport:
    """Count the flow of a review from its workspace and decision files, refusing unresolved conflicts."""
    rows = _record_rows(review, workspace)
    if rows and not workspace.has_clusters():
        raise ScreenrevError("duplicates are not marked yet: run 'screenrev dedup' (or 'screenrev run') first")
    log = DecisionLog(review, {row[0]: row[2] for row in rows}, reasons, checked=workspace)
    settled = {stage: log.settle(stage) for stage in (TITLE_ABSTRACT, FULL_TEXT)}
    conflicts = {stage: len(s.conflicts) for stage, s in settled.items() if s.conflicts}
    if conflicts:
        stage = next(iter(conflicts))
        listing = ", ".join(f"{n:,} at {stage}" for stage, n in conflicts.items())
        raise ConflictError(
            f"unresolved conflicts between reviewers ({listing}): see 'screenrev agreement --stage {stage}'; "
            f"a resolver's decision settles each, or set a policy in [conflicts] of screenrev.toml"
        )
    earlier_version = previous_version(review, log.primary_of)
    if earlier_version is not None:
        earlier = frozenset(row[0] for row in rows if row[4] in earlier_version.searches)
        previous_counts = (earlier_version.studies, len(earlier_version.reports))
    else:
        typed = review.section("previous_review")
        earlier, previous_counts = frozenset(), (_count(review, typed, "studies"), _count(review, typed, "reports"))
    excluded, audit = rule_exclusions(review, workspace, log, earlier=earlier)
    studies = _studies(review, log, settled[FULL_TEXT].settled)
    flow = count_flow(
        rows,  # count_flow reads (key, database, primary, method) and leaves the search
        rule_exclusions=excluded,
        title_abstract=settled[TITLE_ABSTRACT].settled,
        full_text=settled[FULL_TEXT].settled,
        registers=_registers(review),
        other_methods=_other_methods(review),
        previous=previous_counts,
        stopping=review.stopping,
        studies=studies,
        earlier=earlier,
    )
    check_identities(flow)
    warnings = _pairs_warnings(workspace) + _rules_warnings(review, workspace) + (audit.warnings if audit else [])
    return FlowReport(flow, warnings + _warnings(flow), workspace.undecided_pairs(), audit)


def _studies(review: Review, log: DecisionLog, full_text: Mapping) -> dict[str, str]:
    """Included report → its study, as the reviewers linked them (checked against the decisions)."""
    from ..decisions.studies import read_studies, studies_path

    path = studies_path(review.decisions_dir)
    included = [record for record, settled in full_text.items() if settled.decision == "include"]
    return read_studies(path, str(path.relative_to(review.root)), log.primary_of, included).study_of()


def _rules_warnings(review: Review, workspace) -> list[str]:
    """Say so when the protocol's exclusion rules are not what the stored rule outcomes come from."""
    if not review.protocol_path.is_file():
        return []
    from ..rules.protocol import load_protocol

    protocol = load_protocol(review.protocol_path)
    if not any(criterion.action == "exclude" for criterion in protocol.criteria):
        return []
    from ..rules.stage import applied_version

    applied = workspace.screened_with()
    if applied == applied_version(protocol.sha256):
        return []
    state = "have not been applied" if applied is None else "changed since they were applied"
    return [f"the protocol's exclusion rules {state} ('screenrev screen'): the records they exclude "
            "are not counted as excluded by automation"]


def _other_methods(review: Review) -> OtherMethods:
    """The counts typed under ``[other_methods]``, refused when searches by other methods are
    imported as well: a stream is counted from its records or by hand, not both."""
    typed = OtherMethods.from_manifest(review)
    imported = [search.name for search in review.searches() if search.stream == "other"]
    if imported and typed != OtherMethods():
        raise ManifestError(f"[other_methods] counts by hand what the searches {', '.join(imported)} import: "
                            "remove the table, the records are counted", path=review.manifest_path)
    return typed


def _registers(review: Review) -> list[str]:
    registers = review.section("sources").get("registers", [])
    if not isinstance(registers, list) or not all(isinstance(name, str) for name in registers):
        raise ManifestError("[sources] registers must be a list of database names", path=review.manifest_path)
    return registers


def _count(review: Review, table: Mapping, name: str) -> int:
    value = table.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ManifestError(f"[previous_review] {name} must be a whole number, 0 or more", path=review.manifest_path)
    return value


def _pairs_warnings(workspace) -> list[str]:
    """Say so when the matcher left pairs of records undecided: each counts as two records."""
    pairs = workspace.undecided_pairs()
    if not pairs:
        return []
    return [f"{pairs:,} uncertain duplicate pair(s) have no decision and are counted as different records: "
            "write the review queue with 'screenrev dedup --review decisions/duplicates.csv' and mark "
            "each pair same or different"]


def _warnings(flow: Flow) -> list[str]:
    warnings = []
    for awaiting, column in ((flow.records_awaiting, ""), (flow.other_records_awaiting, " found by other methods")):
        if awaiting:
            warnings.append(
                f"{awaiting:,} records{column} have no title/abstract decision and no stopping rule is "
                "stated ([screening.stopping] in screenrev.toml): they are counted as awaiting screening"
            )
    for awaiting, column in ((flow.reports_awaiting, ""), (flow.other_reports_awaiting, " (other methods)")):
        if awaiting:
            warnings.append(
                f"{awaiting:,} reports sought{column} have no full-text decision yet (or 'maybe'): "
                "they are counted as awaiting assessment"
            )
    if flow.human_overrides:
        warnings.append(
            f"{flow.human_overrides:,} records excluded by a rule were screened by a reviewer: "
            "the reviewers' decision counts"
        )
    return warnings
