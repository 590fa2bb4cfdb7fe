"""Commands for updated reviews: update start (the version so far becomes the previous one)."""

from typing import Annotated, Optional

import typer

from .. import console
from ..errors import ConflictError, ScreenrevError
from ..review.folder import Review
from ._app import app, open_workspace

update_app = typer.Typer(help="Update the review: run its searches again, screen only what is new.",
                         no_args_is_help=True)
app.add_typer(update_app, name="update", rich_help_panel="Set up")


@update_app.command("start")
def update_start(
    date: Annotated[Optional[str], typer.Option(help="When the earlier version ended (default: today).")] = None,
) -> None:
    """The review so far becomes the previous version: its searches and included reports are frozen,
    and the flow follows the PRISMA 2020 template for updated reviews."""
    from ..decisions.files import FULL_TEXT
    from ..decisions.previous import start_update
    from ..decisions.stage import DecisionLog, primary_index
    from ..decisions.studies import read_studies, studies_path
    from ..flow.stage import review_flow

    review = Review.find()
    with open_workspace(review, up_to="rules") as workspace:
        log = DecisionLog(review, primary_index(workspace), checked=workspace)
        settlement = log.settle(FULL_TEXT)
        if settlement.conflicts:
            raise ConflictError(f"{len(settlement.conflicts):,} full-text conflicts are unresolved: settle them "
                                "before the version ends ('screenrev agreement --stage full_text')")
        _check_finished(review_flow(review, workspace).flow)
        included = [record for record, settled in settlement.settled.items() if settled.decision == "include"]
        path = studies_path(review.decisions_dir)
        study_of = read_studies(path, str(path.relative_to(review.root)), log.primary_of, included).study_of()
        frozen = start_update(review, {record: study_of.get(record, record) for record in included}, when=date)
    console.info(f"Version {frozen.version} ends here ({frozen.date}): {len(frozen.searches)} searches, "
                 f"{frozen.studies:,} studies in {len(frozen.reports):,} reports, kept in "
                 f"[previous_version] and decisions/previous-version.csv")
    console.info("Next: run each search again and import it with 'screenrev import NEW_EXPORT --update SEARCH "
                 "--searched DATE'")


def _check_finished(flow) -> None:  # noqa: ANN001 - a flow.counts.Flow
    """Refuse to end a version whose records still await a decision: the new version counts
    only new records, so a decision made on them later would be counted nowhere."""
    records = flow.records_awaiting + flow.other_records_awaiting
    reports = flow.reports_awaiting + flow.other_reports_awaiting
    if records or reports:
        waiting = " and ".join(part for part in (
            f"{records:,} records have no title/abstract decision (and no stopping rule is stated)" if records else "",
            f"{reports:,} reports sought have no full-text decision" if reports else "") if part)
        raise ScreenrevError(f"this version cannot end yet: {waiting}; decide them (or state the stopping rule "
                             "met, [screening.stopping]), then run 'screenrev update start' again")
