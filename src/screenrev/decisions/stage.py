"""The decisions of a review: its decision files read and checked against its records, the
manifest's settings for settling them, and new decisions appended where they belong."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from ..errors import ManifestError
from ..review.folder import Review
from .files import (
    ALL_STAGES,
    POLICIES,
    TITLE_ABSTRACT,
    CheckedFiles,
    Decision,
    Reasons,
    Settlement,
    SettlementRules,
    _display,
    read_decisions,
    settle,
    write_decisions,
)

# --- the manifest's settings ---------------------------------------------------------


def settlement_rules(review: Review) -> SettlementRules:
    """``[reviewers] resolvers`` and ``[conflicts]`` from the manifest."""
    resolvers = review.section("reviewers").get("resolvers", [])
    if not isinstance(resolvers, list) or not all(isinstance(name, str) for name in resolvers):
        raise ManifestError("[reviewers] resolvers must be a list of names", path=review.manifest_path)
    policies = review.section("conflicts")
    for stage, policy in policies.items():
        if stage not in ALL_STAGES:
            raise ManifestError(
                f"[conflicts] {stage}: unknown stage (stages: {', '.join(ALL_STAGES)})", path=review.manifest_path
            )
        if policy not in POLICIES:
            raise ManifestError(
                f"[conflicts] {stage} = {policy!r}: unknown policy (policies: {', '.join(POLICIES)})",
                path=review.manifest_path,
            )
    return SettlementRules(frozenset(name.strip() for name in resolvers), dict(policies))


def allowed_reasons(review: Review) -> Reasons:
    """The protocol's criteria and full-text reasons, and ``[full_text] reasons`` from the manifest."""
    manifest_reasons = review.section("full_text").get("reasons", [])
    if not isinstance(manifest_reasons, list) or not all(isinstance(r, str) for r in manifest_reasons):
        raise ManifestError("[full_text] reasons must be a list of text", path=review.manifest_path)
    criteria, protocol_reasons = _protocol_reasons(review.protocol_path)
    full_text = tuple(dict.fromkeys([*protocol_reasons, *manifest_reasons]))
    return Reasons(criteria=criteria, full_text=full_text)


def _protocol_reasons(path: Path) -> tuple[dict[str, str], list[str]]:
    """Criterion id → label, and the full-text reasons, of the protocol at ``path``."""
    if not path.is_file():
        return {}, []
    # The rules engine loads only when a protocol exists.
    from ..rules.protocol import load_protocol

    protocol = load_protocol(path)
    return {criterion.id: criterion.label for criterion in protocol.criteria}, list(protocol.full_text_reasons)



def blinded(review: Review, log: DecisionLog, reviewer: str | None) -> bool:
    """Whether ``reviewer`` screens blind, seeing only their own decisions (see
    ``blinded_review``, this reviewer counted). Resolvers, who settle conflicts, see everything."""
    if reviewer is None or reviewer in log.rules.resolvers:
        return False
    return blinded_review(review, screeners(log) | {reviewer})


def blinded_review(review: Review, team: set[str]) -> bool:
    """Whether screening is blinded: ``[screening] blinded`` in the manifest, and by default
    whenever two or more reviewers (``team``) screen titles and abstracts."""
    setting = review.section("screening").get("blinded")
    if setting is None:
        return len(team) >= 2
    if not isinstance(setting, bool):
        raise ManifestError("[screening] blinded must be true or false", path=review.manifest_path)
    return setting


def screeners(log: DecisionLog) -> set[str]:
    """The reviewers with title/abstract decisions, resolvers left out."""
    return {d.reviewer for d in log.decisions if d.stage == TITLE_ABSTRACT and d.reviewer not in log.rules.resolvers}


# --- writing -------------------------------------------------------------------------


def default_file(review: Review, stage: str, reviewer: str) -> Path:
    """The file a reviewer's decisions at a stage go to: ``decisions/<stage>-<reviewer>.csv``.

    One file per reviewer and stage keeps dual screeners from editing the same file.
    """
    slug = re.sub(r"[^0-9a-z]+", "-", reviewer.lower()).strip("-") or "reviewer"
    return review.decisions_dir / f"{stage}-{slug}.csv"



class DecisionLog:
    """A review's decisions, checked; new decisions are checked against them, then appended."""

    def __init__(self, review: Review, primary_of: Mapping[str, str], reasons: Reasons | None = None, *,
                 checked: CheckedFiles | None = None) -> None:
        self.review = review
        self.primary_of = primary_of
        self.rules = settlement_rules(review)
        self.reasons = reasons if reasons is not None else allowed_reasons(review)
        self._checker = read_decisions(
            review.decisions_dir, root=review.root, primary_of=primary_of, reasons=self.reasons, rules=self.rules,
            checked=checked,
        )
        self._version = 0
        """Counts appends, so that a settlement worked out before one is not reused."""
        self._settled: dict[str, tuple[int, Settlement]] = {}
        seen = self._checker.title_abstract
        if seen is not None and seen[0] == len(self.decisions):
            self._settled[TITLE_ABSTRACT] = (self._version, seen[1])

    @property
    def decisions(self) -> list[Decision]:
        """Every decision, file by file (in name order), row by row."""
        return self._checker.decisions

    def settle(self, stage: str) -> Settlement:
        """Settled decisions and unresolved conflicts at a stage (worked out once until a
        decision is appended)."""
        cached = self._settled.get(stage)
        if cached is None or cached[0] != self._version:
            cached = (self._version, settle(self.decisions, stage, self.rules))
            self._settled[stage] = cached
        return cached[1]

    def append(
        self, rows: Iterable[tuple[Mapping[str, str], int | None]], *, file: Path, source: str | None = None
    ) -> list[Decision]:
        """Check new decisions and append them all to ``file``, or write nothing.

        ``rows`` are ``(cells, line)`` pairs; errors name ``source`` and the line (a file
        being imported), or only the column when the cells came from the command line.
        """
        checker = self._checker
        self._version += 1
        mark = len(checker.decisions)
        try:
            for values, line in rows:
                # A decision already recorded is not written twice (an import can be re-run).
                checker.add(checker.check_row(values, file=source or "", line=line), repeats=False)
            checker.check_full_text(checker.decisions[mark:])
            new = checker.decisions[mark:]
            display = _display(file, self.review.root)
            written: list[Decision] = []
            if new:
                # Checked again under the folder's lock against the file as it is then, and
                # numbered as written: another process may have appended since it was read.
                start, written, sha256 = write_decisions(
                    file, new, check=lambda data: checker.recheck(new, data, file, display))
                checker.read_as[display] = sha256
            added = [replace(d, file=display, line=start + n) for n, d in enumerate(written)]
        except BaseException:
            checker.rollback(mark)
            raise
        checker.rollback(mark)
        for decision in added:
            checker.add(decision)
        return added



# --- for other commands ---------------------------------------------------------------


def primary_index(workspace) -> dict[str, str]:
    """Record key → key of its cluster's primary record (itself before deduplication)."""
    rows = workspace.db.execute(
        "SELECT records.key, duplicates.cluster, duplicates.is_primary FROM records "
        "LEFT JOIN duplicates USING (key)"
    ).fetchall()
    primary_of_cluster = {cluster: key for key, cluster, is_primary in rows if is_primary}
    return {key: primary_of_cluster.get(cluster, key) if cluster else key for key, cluster, _ in rows}
