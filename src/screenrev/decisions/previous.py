"""An updated review: the version before it, frozen when the update starts.

``screenrev update start`` records in the manifest (``[previous_version]``) which searches
belong to the earlier version and when it ended, and writes the reports that version
included to ``decisions/previous-version.csv`` (``key,study``). From then on the flow
counts the new version only — records of the new runs of the searches, those found
already in the earlier version counted as duplicates — and takes the previous studies and
reports of the PRISMA 2020 template for updated reviews from that file, not from numbers
typed by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ..errors import ManifestError, ScreenrevError
from ..review import spreadsheet
from ..review.atomic import atomic_text
from ..review.folder import Review, iso_date
from .files import PREVIOUS_FILE


@dataclass(frozen=True)
class PreviousVersion:
    """The earlier version of an updated review."""

    searches: tuple[str, ...]
    """Its searches (every run imported before the update started)."""
    reports: dict[str, str]
    """Its included reports: record key → study."""
    date: str
    version: int

    @property
    def studies(self) -> int:
        """Studies the earlier version included."""
        return len(set(self.reports.values()))


def previous_version(review: Review, primary_of: Mapping[str, str]) -> PreviousVersion | None:
    """The earlier version, checked (None when the review is not an update)."""
    table = review.section("previous_version")
    if not table:
        return None
    searches = table.get("searches", [])
    names = {search.name for search in review.searches()}
    if not isinstance(searches, list) or not all(isinstance(name, str) and name in names for name in searches):
        raise ManifestError("[previous_version] searches must list searches of this review",
                            path=review.manifest_path)
    if review.section("previous_review"):
        raise ManifestError("[previous_review] types the previous version's counts that [previous_version] "
                            "counts from its records: keep one", path=review.manifest_path)
    path = review.decisions_dir / PREVIOUS_FILE
    shown = str(path.relative_to(review.root))
    reports: dict[str, str] = {}
    if path.is_file():
        for line, values in spreadsheet.read_rows(path, shown, required=("key", "study")):
            if values["key"] not in primary_of:
                raise ScreenrevError(f"{shown}:{line}: key: no record has the key {values['key']!r}")
            reports[values["key"]] = values["study"] or values["key"]
    return PreviousVersion(tuple(searches), reports, str(table.get("date", "")), int(table.get("version", 1)))


def start_update(review: Review, included: Mapping[str, str], *, when: str | None = None) -> PreviousVersion:
    """Freeze the review as it is as the previous version: its searches, and ``included``
    (report → study). A later ``start_update`` freezes the next version."""
    if review.section("previous_review"):
        raise ScreenrevError("screenrev.toml types the previous version's counts in [previous_review]: remove them, "
                             "the update counts them from the records")
    searches = [search.name for search in review.searches()]
    if not searches:
        raise ScreenrevError("the review has no searches yet: there is no earlier version to update")
    if when:
        iso_date(when, "--date")
        latest = max((search.searched for search in review.searches()), default="")
        if latest and when < latest:
            raise ScreenrevError(f"--date {when} is before the version's latest search ({latest}): the version "
                                 "ends after its searches")
    earlier = review.section("previous_version")
    version = int(earlier.get("version", 0)) + 1 if earlier else 1
    review.decisions_dir.mkdir(parents=True, exist_ok=True)
    with atomic_text(review.decisions_dir / PREVIOUS_FILE) as handle:
        writer = spreadsheet.writer(handle)
        writer.writerow(("key", "study"))
        writer.writerows(sorted(included.items()))
    day = when or date.today().isoformat()
    review.save_section("previous_version", {"version": version, "date": day, "searches": searches},
                        comment="written by 'screenrev update start': the earlier version of this updated review")
    return PreviousVersion(tuple(searches), dict(included), day, version)


def earlier_records(review: Review, workspace, primary_of: Mapping[str, str]) -> frozenset[str]:
    """Primary records the earlier version of an updated review found (its searches' records,
    and every record of their duplicate clusters): none when the review is not an update.
    Those it left unscreened (after its stopping rule) are its own; the new version screens
    only what is new."""
    table = review.section("previous_version")
    if not table:
        return frozenset()
    searches = set(table.get("searches", []))
    return frozenset(primary_of[key] for key, search in workspace.db.execute("SELECT key, search FROM records")
                     if search in searches and key in primary_of)
