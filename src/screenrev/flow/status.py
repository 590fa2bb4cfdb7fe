"""Where a review stands: searches and records, each screening stage per reviewer, conflicts,
the stopping rule, and the next command to run.

Every count is of records (a duplicate cluster counts once, through its primary record),
never of decision rows: two reviewers deciding one record is one record screened.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..decisions.files import FULL_TEXT, TITLE_ABSTRACT
from ..decisions.fulltext import report_files
from ..decisions.stage import DecisionLog, blinded_review, primary_index, screeners
from ..errors import InputError
from ..rank.pool import Pool, full_text_pool, screening_pool, stopping_status
from ..rank.stopping import StoppingEstimate
from ..records.workspace import Workspace
from ..review.folder import Review


@dataclass(frozen=True)
class ReviewerProgress:
    """One reviewer's work at a stage."""

    reviewer: str
    decided: int
    """Records of the stage this reviewer has decided."""
    left: int
    """Records of the stage this reviewer has not decided yet."""
    resolver: bool = False
    """The reviewer settles conflicts (``[reviewers] resolvers``) rather than screening every record."""


@dataclass(frozen=True)
class StageStatus:
    """A screening stage: its records, how many are settled, and who has done what."""

    stage: str
    records: int
    """Records to decide at this stage (title/abstract: after duplicates and rules; full
    text: the reports sought)."""
    settled: int
    """Records with a settled decision (reviewers agree, or a resolver or policy settles)."""
    conflicts: int
    """Records whose reviewers disagree with nothing to settle it."""
    undecided: int
    """Records nobody has decided yet."""
    reviewers: list[ReviewerProgress] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewStatus:
    """Where the review stands."""

    title: str
    searches: int
    records: int
    """Records identified (every record of every search)."""
    duplicates: int
    """Records marked as duplicates of another."""
    excluded_automatic: int
    """Records a rule excluded (not screened by a human)."""
    recomputed: list[str]
    """The derived stages this command brought up to date (empty: they were current)."""
    blinded: bool
    """Screening is blinded (each reviewer's screen shows only their own decisions)."""
    title_abstract: StageStatus
    full_text: StageStatus
    stopping: StoppingEstimate | None
    """The stopping rule on the settled title/abstract decisions (None before any)."""
    stopping_recorded: bool
    """The manifest states that screening stopped by the rule ([screening.stopping])."""
    next_steps: list[str]
    """Commands to run next, most pressing first."""
    warnings: list[str] = field(default_factory=list)
    """What other commands will stop on (a file in reports/ no record claims), each naming the
    file and how to mend it: status reports it rather than stopping."""


def _progress(pool: Pool, log: DecisionLog, stage: str, names: list[str]) -> list[ReviewerProgress]:
    keys = set(pool.index)
    decided: dict[str, set[str]] = {name: set() for name in names}
    for decision in log.decisions:
        if decision.stage == stage and decision.record in keys:
            decided.setdefault(decision.reviewer, set()).add(decision.record)
    return [ReviewerProgress(name, len(done), len(keys) - len(done), name in log.rules.resolvers)
            for name, done in sorted(decided.items())]


def _stage(pool: Pool, log: DecisionLog, stage: str, names: list[str]) -> StageStatus:
    settlement = log.settle(stage)
    keys = set(pool.index)
    settled = sum(1 for key in settlement.settled if key in keys)
    conflicts = sum(1 for conflict in settlement.conflicts if conflict.record in keys)
    touched = {d.record for d in log.decisions if d.stage == stage and d.record in keys}
    return StageStatus(stage, len(keys), settled, conflicts, len(keys - touched), _progress(pool, log, stage, names))


def review_status(review: Review, workspace: Workspace, *, recomputed: list[str] | None = None) -> ReviewStatus:
    """Where the review stands, from its workspace (brought up to date) and decision files."""
    log = DecisionLog(review, primary_index(workspace), checked=workspace)
    team = screeners(log)
    manifest_reviewer = str(review.section("review").get("reviewer", "")).strip()
    names = sorted(team | ({manifest_reviewer} if manifest_reviewer else set()))
    # Counting needs only the keys: the records' fields are not read.
    primary = [{"key": key} for key in workspace.primary_keys()]
    pool = screening_pool(review, workspace, log, primary=primary)
    sought = full_text_pool(review, workspace, log, primary=primary)
    title_abstract = _stage(pool, log, TITLE_ABSTRACT, names)
    full_text = _stage(sought, log, FULL_TEXT, sorted({d.reviewer for d in log.decisions if d.stage == FULL_TEXT}))
    records = workspace.count_records()
    clusters = workspace.db.execute("SELECT COUNT(*) FROM clusters").fetchone()[0]
    status = ReviewStatus(
        title=review.title,
        searches=len(review.searches()),
        records=records,
        duplicates=records - clusters if clusters else 0,
        excluded_automatic=len(primary) - len(pool.records),  # less what the rules audit sent back
        recomputed=list(recomputed or []),
        blinded=blinded_review(review, team),
        title_abstract=title_abstract,
        full_text=full_text,
        stopping=stopping_status(pool),
        stopping_recorded=review.stopping is not None,
        next_steps=[],
    )
    problems = _report_problems(review, log)
    status = replace(status, warnings=[str(problem) for problem in problems])
    return _with_next_steps(status, review, problems)


def _report_problems(review: Review, log: DecisionLog) -> list[InputError]:
    """What in reports/ makes the full-text commands stop (a file no record has, a bad mapping)."""
    try:
        report_files(review, log.primary_of)
    except InputError as problem:
        return [problem]
    return []




def _with_next_steps(status: ReviewStatus, review: Review, problems: list[InputError]) -> ReviewStatus:
    steps: list[str] = []
    if status.searches == 0:
        steps.append("screenrev import EXPORT --database NAME   (add a search)")
    title_abstract, full_text = status.title_abstract, status.full_text
    for stage, label in ((title_abstract, "title_abstract"), (full_text, "full_text")):
        if stage.conflicts:
            steps.append(f"screenrev agreement --stage {label}   ({_count(stage.conflicts, 'record')} in conflict: a resolver "
                         "decides them, or set a policy under [conflicts] in screenrev.toml)")
    unsettled = title_abstract.records - title_abstract.settled - title_abstract.conflicts
    if unsettled > 0 and not status.stopping_recorded:
        if status.stopping is not None and status.stopping.met:
            steps.append("screenrev rank --status --record-stop   (the stopping rule is met: record it to stop "
                         "screening, or keep screening)")
    if not status.stopping_recorded:
        steps += _review_step(title_abstract, "screenrev review", "record", "screened")
    # The full-text commands stop on a report file no record has: mending it comes first.
    steps += [f"fix {problem.path or 'reports/'}   (see the warning: review --stage full_text, fulltext and export "
              "included stop on it)" for problem in problems]
    steps += _review_step(full_text, "screenrev review --stage full_text", "report", "assessed")
    if not steps:
        if review.section("expected"):
            steps.append("screenrev flow --check   (compare the counts with [expected] in screenrev.toml)")
        else:
            steps.append("screenrev flow --diagram prisma-flow.svg   (every record is decided: draw the flow)")
    return replace(status, next_steps=steps)


def _review_step(stage: StageStatus, command: str, noun: str, done: str) -> list[str]:
    """Who should screen next at a stage: the first reviewer with records left (resolvers
    aside), or anyone while records lack a settled decision."""
    unsettled = stage.records - stage.settled - stage.conflicts
    left = next((p for p in stage.reviewers if p.left and not p.resolver), None)
    if left is not None:
        return [f"{command} --reviewer {_quoted(left.reviewer)}   ({_count(left.left, noun)} this reviewer has not "
                f"{done}; {unsettled:,} without a settled decision)"]
    if unsettled > 0:
        return [f"{command} --reviewer NAME   ({_count(unsettled, noun)} without a settled decision)"]
    return []


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _quoted(name: str) -> str:
    return f'"{name}"' if any(c.isspace() for c in name) else name

