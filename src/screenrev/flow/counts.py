"""The PRISMA 2020 flow: every box counted from the records, the rules and the decisions.

``count_flow`` is a pure function: records (with their cluster's primary record and how
they were found: a database or register, or one of PRISMA 2020's other methods), the rule
exclusions, the settled decisions per stage and the manifest's other sources in, counts
out. Each box is counted on its own, record by record, and ``check_identities`` then
verifies that the boxes add up (identified = duplicates + automation-excluded + not
screened + screened, screened = excluded + sought, …): a violation is a bug in screenrev,
never something to print.

Names follow the PRISMA2020 R package's template (``database_results``, ``duplicates``,
``excluded_automatic``, ``records_screened``, ``dbr_sought_reports``, …), with a few
counts the template has no box for: ``records_unscreened`` (left unscreened after a
stated stopping rule; written as ``excluded_other`` in the template), ``records_awaiting``
(no decision yet and no stopping rule), ``reports_awaiting`` (sought, no full-text
decision yet), ``dbr_included``/``other_included`` (reports included per stream) and
``human_overrides`` (records a rule excluded that a reviewer screened anyway: the human
decision counts). One record is one report; included reports that the reviewers linked
into a study (``decisions/studies.py``) count as one study, every other included report as
a study of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields

from ..decisions.files import Settled
from ..errors import ManifestError
from ..review.folder import DATABASE_METHODS, Review, Stopping

#: Label for title/abstract exclusions given without a reason.
NO_REASON = "No reason recorded"
OTHER_METHODS = (
    "website_results", "organisation_results", "citations_results",
    "other_sought_reports", "other_notretrieved_reports", "other_assessed",
)


class FlowArithmeticError(Exception):
    """The boxes of a flow do not add up: a bug in screenrev, not in the review's files."""


@dataclass(frozen=True)
class OtherMethods:
    """Records found by other methods (``[other_methods]``): counted by hand, not imported."""

    website_results: int = 0
    organisation_results: int = 0
    citations_results: int = 0
    other_sought_reports: int = 0
    other_notretrieved_reports: int = 0
    other_assessed: int = 0
    other_excluded: dict[str, int] = field(default_factory=dict)
    """Reason → reports excluded."""

    @classmethod
    def from_manifest(cls, review: Review) -> OtherMethods:
        """The ``[other_methods]`` table, checked: sought = not retrieved + assessed ≥ excluded."""
        values = review.section("other_methods")

        def fail(message: str) -> ManifestError:
            return ManifestError(f"[other_methods] {message}", path=review.manifest_path)

        unknown = set(values) - {*OTHER_METHODS, "other_excluded"}
        if unknown:
            raise fail(f"unknown key {sorted(unknown)[0]!r} (keys: {', '.join(OTHER_METHODS)}, other_excluded)")
        counts = {name: values.get(name, 0) for name in OTHER_METHODS}
        excluded = values.get("other_excluded", {})
        if not isinstance(excluded, dict):
            raise fail("other_excluded must be a table of reason = count")
        for name, value in [*counts.items(), *((f"other_excluded {k!r}", v) for k, v in excluded.items())]:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail(f"{name} must be a whole number, 0 or more")
        if counts["other_sought_reports"] != counts["other_notretrieved_reports"] + counts["other_assessed"]:
            raise fail("other_sought_reports must equal other_notretrieved_reports + other_assessed")
        if sum(excluded.values()) > counts["other_assessed"]:
            raise fail("other_excluded adds up to more than other_assessed")
        return cls(**counts, other_excluded=dict(excluded))


@dataclass
class Flow:
    """The counts of a PRISMA 2020 flow diagram."""

    identified: int = 0
    """Records identified from databases and registers (every imported record)."""
    database_results: int = 0
    database_specific_results: dict[str, int] = field(default_factory=dict)
    register_results: int = 0
    register_specific_results: dict[str, int] = field(default_factory=dict)
    website_results: int = 0
    organisation_results: int = 0
    citations_results: int = 0
    duplicates: int = 0
    excluded_automatic: int = 0
    excluded_automatic_reasons: dict[str, int] = field(default_factory=dict)
    records_unscreened: int = 0
    """Left unscreened after the stopping rule (the template's ``excluded_other``)."""
    stopping_rule: str = ""
    """The stated stopping rule, when one was met."""
    records_awaiting: int = 0
    """Without a title/abstract decision, and no stopping rule stated."""
    records_screened: int = 0
    records_excluded: int = 0
    records_excluded_reasons: dict[str, int] = field(default_factory=dict)
    dbr_sought_reports: int = 0
    dbr_notretrieved_reports: int = 0
    reports_awaiting: int = 0
    """Sought, with no full-text decision yet (or ``maybe``)."""
    dbr_assessed: int = 0
    dbr_excluded: dict[str, int] = field(default_factory=dict)
    dbr_included: int = 0
    other_results: int = 0
    """Records found by other methods PRISMA 2020 names no box for (experts, an advisory group…)."""
    other_identified: int = 0
    """Records imported from searches by other methods (``--method``): the second column, record by record."""
    other_duplicates: int = 0
    """Of those, records found already (by a database or register, or by another method)."""
    other_excluded_automatic: int = 0
    other_excluded_automatic_reasons: dict[str, int] = field(default_factory=dict)
    other_records_unscreened: int = 0
    other_records_awaiting: int = 0
    other_records_screened: int = 0
    other_records_excluded: int = 0
    other_records_excluded_reasons: dict[str, int] = field(default_factory=dict)
    other_sought_reports: int = 0
    other_notretrieved_reports: int = 0
    other_reports_awaiting: int = 0
    other_assessed: int = 0
    other_excluded: dict[str, int] = field(default_factory=dict)
    other_included: int = 0
    new_studies: int = 0
    new_reports: int = 0
    previous_studies: int = 0
    previous_reports: int = 0
    total_studies: int = 0
    total_reports: int = 0
    human_overrides: int = 0
    """Records a rule excluded that reviewers screened (counted as screened)."""

    def counts(self) -> dict[str, int | dict[str, int]]:
        """Every count (reasons as ``{reason: n}``), for JSON and for the expected counts."""
        data = asdict(self)
        del data["stopping_rule"]
        return data


def _ranked(counter: Counter) -> dict[str, int]:
    """Reasons from the most to the least common (ties in alphabetical order)."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


_OTHER_RESULTS = {"website": "website_results", "organisation": "organisation_results",
                  "citation": "citations_results", "other": "other_results"}


@dataclass
class _Path:
    """What happened to the records of one column after identification."""

    duplicates: int = 0
    automatic: Counter = field(default_factory=Counter)
    unscreened: int = 0
    awaiting: int = 0
    screened: int = 0
    excluded: Counter = field(default_factory=Counter)
    sought: int = 0
    not_retrieved: int = 0
    reports_awaiting: int = 0
    assessed: int = 0
    full_text_excluded: Counter = field(default_factory=Counter)
    included: list[str] = field(default_factory=list)
    overrides: int = 0


def _follow(record: str, path: _Path, *, rule_exclusions: Mapping[str, str], title_abstract: Mapping[str, Settled],
            full_text: Mapping[str, Settled], stopping: Stopping | None) -> None:
    """One primary record from screening to inclusion."""
    screened = title_abstract.get(record)
    if screened is None:
        if record in rule_exclusions:
            path.automatic[rule_exclusions[record]] += 1
        elif stopping is not None:
            path.unscreened += 1
        else:
            path.awaiting += 1
        return
    path.overrides += record in rule_exclusions
    path.screened += 1
    if screened.decision == "exclude":
        path.excluded[screened.reason or NO_REASON] += 1
        return
    path.sought += 1
    assessed = full_text.get(record)
    if assessed is None or assessed.decision == "maybe":
        path.reports_awaiting += 1
    elif assessed.decision == "not_retrieved":
        path.not_retrieved += 1
    else:
        path.assessed += 1
        if assessed.decision == "exclude":
            path.full_text_excluded[assessed.reason or NO_REASON] += 1
        else:
            path.included.append(record)


def count_flow(
    records: Iterable[tuple],
    *,
    rule_exclusions: Mapping[str, str],
    title_abstract: Mapping[str, Settled],
    full_text: Mapping[str, Settled],
    registers: Iterable[str] = (),
    other_methods: OtherMethods | None = None,
    previous: tuple[int, int] = (0, 0),
    stopping: Stopping | None = None,
    studies: Mapping[str, str] | None = None,
    earlier: frozenset[str] = frozenset(),
) -> Flow:
    """Count the flow from ``(key, database, primary key[, method])`` rows, one per imported record.

    ``method`` is the search's (``database`` when left out); records of registers (method
    ``register``, or a database named in ``registers``) count as register results. A
    cluster with a member from a database or register search is counted in the first
    column, once, and its members found by other methods as other-methods duplicates (found
    already); a cluster found by other methods only is counted in the second column.
    ``rule_exclusions`` maps primary records to the label of the rule that excluded them;
    ``title_abstract`` and ``full_text`` hold the settled decision per primary record;
    ``studies`` maps included reports to the study they report (unlinked: a study each).
    ``earlier`` holds the records of the previous version of an updated review: they are
    not counted, and a new record found already by it counts as a duplicate.
    """
    registers = set(registers)
    other = other_methods or OtherMethods()
    flow = Flow(stopping_rule=stopping.describe() if stopping else "")
    per_database: Counter[str] = Counter()
    per_register: Counter[str] = Counter()
    members: dict[str, list[bool]] = {}  # primary → per member: found by a database or register
    first, second = _Path(), _Path()
    records = list(records)
    seen_before = {primary for key, _database, primary, *_ in records if key in earlier}
    for key, database, primary, *rest in records:
        if key in earlier:
            continue  # counted in the previous version
        method = rest[0] if rest else "database"
        in_first = method in DATABASE_METHODS
        if primary in seen_before:  # found already by the previous version: a duplicate of its record
            (first if in_first else second).duplicates += 1
        else:
            members.setdefault(primary, []).append(in_first)
        if not in_first:
            flow.other_identified += 1
            setattr(flow, _OTHER_RESULTS[method], getattr(flow, _OTHER_RESULTS[method]) + 1)
        elif method == "register" or database in registers:
            flow.register_results += 1
            per_register[database] += 1
        else:
            flow.database_results += 1
            per_database[database] += 1
    flow.identified = flow.database_results + flow.register_results
    flow.database_specific_results = dict(per_database)
    flow.register_specific_results = dict(per_register)

    decided = {"rule_exclusions": rule_exclusions, "title_abstract": title_abstract, "full_text": full_text,
               "stopping": stopping}
    for primary, found in members.items():
        from_first = sum(found)
        if from_first:
            first.duplicates += from_first - 1
            second.duplicates += len(found) - from_first  # found by other methods too: found already
            _follow(primary, first, **decided)
        else:
            second.duplicates += len(found) - 1
            _follow(primary, second, **decided)

    flow.duplicates = first.duplicates
    flow.excluded_automatic = sum(first.automatic.values())
    flow.excluded_automatic_reasons = _ranked(first.automatic)
    flow.records_unscreened, flow.records_awaiting = first.unscreened, first.awaiting
    flow.records_screened = first.screened
    flow.records_excluded = sum(first.excluded.values())
    flow.records_excluded_reasons = _ranked(first.excluded)
    flow.dbr_sought_reports, flow.dbr_notretrieved_reports = first.sought, first.not_retrieved
    flow.reports_awaiting, flow.dbr_assessed = first.reports_awaiting, first.assessed
    flow.dbr_excluded = _ranked(first.full_text_excluded)
    flow.dbr_included = len(first.included)
    flow.human_overrides = first.overrides + second.overrides

    flow.other_duplicates = second.duplicates
    flow.other_excluded_automatic = sum(second.automatic.values())
    flow.other_excluded_automatic_reasons = _ranked(second.automatic)
    flow.other_records_unscreened, flow.other_records_awaiting = second.unscreened, second.awaiting
    flow.other_records_screened = second.screened
    flow.other_records_excluded = sum(second.excluded.values())
    flow.other_records_excluded_reasons = _ranked(second.excluded)
    # Counted by hand ([other_methods]) and from records: a review has one or the other.
    for name in ("website_results", "organisation_results", "citations_results"):
        setattr(flow, name, getattr(flow, name) + getattr(other, name))
    flow.other_sought_reports = other.other_sought_reports + second.sought
    flow.other_notretrieved_reports = other.other_notretrieved_reports + second.not_retrieved
    flow.other_reports_awaiting = second.reports_awaiting
    flow.other_assessed = other.other_assessed + second.assessed
    flow.other_excluded = _ranked(Counter(other.other_excluded) + second.full_text_excluded)
    by_hand = other.other_assessed - sum(other.other_excluded.values())
    flow.other_included = by_hand + len(second.included)

    flow.new_reports = flow.dbr_included + flow.other_included
    # Linked reports of one study count once; reports counted by hand, one study each.
    study_of = studies or {}
    flow.new_studies = len({study_of.get(record, record) for record in first.included + second.included}) + by_hand
    flow.previous_studies, flow.previous_reports = previous
    flow.total_studies = flow.previous_studies + flow.new_studies
    flow.total_reports = flow.previous_reports + flow.new_reports
    return flow


def identities(flow: Flow) -> list[tuple[str, int, int]]:
    """Each identity of the flow as ``(statement, left side, right side)``."""
    total = sum
    return [
        ("identified = database_results + register_results",
         flow.identified, flow.database_results + flow.register_results),
        ("database_results = sum of database_specific_results",
         flow.database_results, total(flow.database_specific_results.values())),
        ("register_results = sum of register_specific_results",
         flow.register_results, total(flow.register_specific_results.values())),
        ("identified = duplicates + excluded_automatic + records_unscreened + records_awaiting + records_screened",
         flow.identified, flow.duplicates + flow.excluded_automatic + flow.records_unscreened
         + flow.records_awaiting + flow.records_screened),
        ("excluded_automatic = sum of its reasons",
         flow.excluded_automatic, total(flow.excluded_automatic_reasons.values())),
        ("records_screened = records_excluded + dbr_sought_reports",
         flow.records_screened, flow.records_excluded + flow.dbr_sought_reports),
        ("records_excluded = sum of its reasons",
         flow.records_excluded, total(flow.records_excluded_reasons.values())),
        ("other_excluded_automatic = sum of its reasons",
         flow.other_excluded_automatic, total(flow.other_excluded_automatic_reasons.values())),
        ("other_records_excluded = sum of its reasons",
         flow.other_records_excluded, total(flow.other_records_excluded_reasons.values())),
        ("dbr_sought_reports = dbr_notretrieved_reports + reports_awaiting + dbr_assessed",
         flow.dbr_sought_reports, flow.dbr_notretrieved_reports + flow.reports_awaiting + flow.dbr_assessed),
        ("dbr_assessed = sum of dbr_excluded + dbr_included",
         flow.dbr_assessed, total(flow.dbr_excluded.values()) + flow.dbr_included),
        ("other_identified = other_duplicates + other_excluded_automatic + other_records_unscreened + "
         "other_records_awaiting + other_records_screened",
         flow.other_identified, flow.other_duplicates + flow.other_excluded_automatic
         + flow.other_records_unscreened + flow.other_records_awaiting + flow.other_records_screened),
        # Other methods come from records or are counted by hand ([other_methods]), never both.
        ("other_records_screened = other_records_excluded + other_sought_reports (from records)",
         flow.other_records_screened, flow.other_records_excluded
         + (flow.other_sought_reports if flow.other_identified else 0)),
        ("other_sought_reports = other_notretrieved_reports + other_reports_awaiting + other_assessed",
         flow.other_sought_reports, flow.other_notretrieved_reports + flow.other_reports_awaiting
         + flow.other_assessed),
        ("other_assessed = sum of other_excluded + other_included",
         flow.other_assessed, total(flow.other_excluded.values()) + flow.other_included),
        ("new_reports = dbr_included + other_included",
         flow.new_reports, flow.dbr_included + flow.other_included),
        ("new_studies <= new_reports (a study has one report or more)", min(flow.new_studies, flow.new_reports),
         flow.new_studies),
        ("total_studies = previous_studies + new_studies",
         flow.total_studies, flow.previous_studies + flow.new_studies),
        ("total_reports = previous_reports + new_reports",
         flow.total_reports, flow.previous_reports + flow.new_reports),
        ("human_overrides <= records_screened + other_records_screened",
         min(flow.human_overrides, flow.records_screened + flow.other_records_screened), flow.human_overrides),
    ]


def check_identities(flow: Flow) -> None:
    """Raise FlowArithmeticError naming the first identity that fails or count that is negative."""
    for name, value in flow.counts().items():
        values = value.values() if isinstance(value, dict) else [value]
        if any(number < 0 for number in values):
            raise FlowArithmeticError(f"{name} is negative: {value}")
    for statement, left, right in identities(flow):
        if left != right:
            raise FlowArithmeticError(f"the flow does not add up: {statement} fails ({left:,} ≠ {right:,})")


# --- expected counts ([expected] in the manifest) ------------------------------------


def flatten(counts: Mapping[str, object]) -> dict[str, int]:
    """``{"dbr_excluded": {"Wrong design": 3}}`` → ``{"dbr_excluded: Wrong design": 3}``."""
    flat: dict[str, int] = {}
    for name, value in counts.items():
        if isinstance(value, Mapping):
            for reason, number in value.items():
                flat[f"{name}: {reason}"] = number
        else:
            flat[name] = value
    return flat


def differences(expected: Mapping[str, object], actual: Mapping[str, object]) -> list[tuple[str, int | None, int | None]]:
    """The counts that differ, as ``(name, expected, actual)`` (None: absent on that side)."""
    want, have = flatten(expected), flatten(actual)
    names = list(have) + [name for name in want if name not in have]
    # A box the expected counts do not name and that is empty now (one added in a later
    # version, or a stream the review does not have) has not drifted.
    return [(name, want.get(name), have.get(name)) for name in names
            if want.get(name) != have.get(name) and not (name not in want and have.get(name) == 0)]


#: What each count means, for tables (PRISMA 2020 box wording).
DESCRIPTIONS = {
    "identified": "Records identified from databases and registers",
    "database_results": "Records identified from databases",
    "register_results": "Records identified from registers",
    "website_results": "Records identified from websites",
    "organisation_results": "Records identified from organisations",
    "citations_results": "Records identified from citation searching",
    "duplicates": "Duplicate records removed",
    "excluded_automatic": "Records marked as ineligible by automation tools (rules)",
    "records_unscreened": "Records not screened after the stopping rule",
    "records_awaiting": "Records awaiting screening",
    "records_screened": "Records screened",
    "records_excluded": "Records excluded",
    "dbr_sought_reports": "Reports sought for retrieval",
    "dbr_notretrieved_reports": "Reports not retrieved",
    "reports_awaiting": "Reports awaiting assessment",
    "dbr_assessed": "Reports assessed for eligibility",
    "dbr_excluded": "Reports excluded",
    "dbr_included": "Reports included (databases and registers)",
    "other_results": "Records identified from other sources (other methods)",
    "other_identified": "Records identified by other methods (imported)",
    "other_duplicates": "Records found already (duplicates, other methods)",
    "other_excluded_automatic": "Records marked as ineligible by automation tools (other methods)",
    "other_records_unscreened": "Records not screened after the stopping rule (other methods)",
    "other_records_awaiting": "Records awaiting screening (other methods)",
    "other_records_screened": "Records screened (other methods)",
    "other_records_excluded": "Records excluded (other methods)",
    "other_reports_awaiting": "Reports awaiting assessment (other methods)",
    "other_sought_reports": "Reports sought for retrieval (other methods)",
    "other_notretrieved_reports": "Reports not retrieved (other methods)",
    "other_assessed": "Reports assessed for eligibility (other methods)",
    "other_excluded": "Reports excluded (other methods)",
    "other_included": "Reports included (other methods)",
    "new_studies": "New studies included in review",
    "new_reports": "Reports of new included studies",
    "previous_studies": "Studies included in previous version of review",
    "previous_reports": "Reports of studies included in previous version of review",
    "total_studies": "Total studies included in review",
    "total_reports": "Reports of total included studies",
    "human_overrides": "Rule exclusions overridden by reviewers",
}
#: Counts whose reasons or parts are listed under them in tables.
BREAKDOWNS = {
    "database_results": "database_specific_results",
    "register_results": "register_specific_results",
    "excluded_automatic": "excluded_automatic_reasons",
    "records_excluded": "records_excluded_reasons",
    "other_excluded_automatic": "other_excluded_automatic_reasons",
    "other_records_excluded": "other_records_excluded_reasons",
}


#: Counts shown in tables only when not zero: sources and states many reviews never have.
OPTIONAL = frozenset({
    "register_results", "website_results", "organisation_results", "citations_results", "records_unscreened",
    "other_results", "other_identified", "other_duplicates", "other_excluded_automatic", "other_records_unscreened",
    "other_records_awaiting", "other_records_screened", "other_records_excluded", "other_reports_awaiting",
    "records_awaiting", "reports_awaiting", "other_sought_reports", "other_notretrieved_reports",
    "other_assessed", "other_excluded", "other_included", "previous_studies", "previous_reports",
    "total_studies", "total_reports", "human_overrides",
})


def table_rows(flow: Flow) -> list[tuple[str, str, int, bool]]:
    """``(name, description, count, is_detail)`` rows in the order of the diagram (optional zeros left out)."""
    counts = flow.counts()
    rows = []
    for item in fields(Flow):
        name = item.name
        value = counts.get(name)
        total = sum(value.values()) if isinstance(value, dict) else value
        if name not in DESCRIPTIONS or (name in OPTIONAL and not total):
            continue
        if name.startswith("total_") and not (flow.previous_studies or flow.previous_reports):
            continue
        if isinstance(value, dict):
            rows.append((name, DESCRIPTIONS[name], sum(value.values()), False))
            rows += [("", f"  {reason}", n, True) for reason, n in value.items()]
            continue
        rows.append((name, DESCRIPTIONS[name], value, False))
        if name in BREAKDOWNS:
            rows += [("", f"  {part}", n, True) for part, n in counts[BREAKDOWNS[name]].items()]
    return rows
