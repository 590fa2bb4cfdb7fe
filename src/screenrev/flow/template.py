"""The flow as the PRISMA2020 template CSV, which the PRISMA2020 R package and Shiny app read.

The rows and columns are those of the package's ``inst/extdata/PRISMA.csv``
(``data,node,box,description,boxtext,tooltips,url,n``); screenrev fills ``n``. Reasons and
per-database counts are written as the template asks: ``Name, n; Name, n``. The package
splits each item at its first comma, so commas and semicolons inside a name are written
as dashes.
"""

from __future__ import annotations

import re
from typing import TextIO

from ..review import spreadsheet
from .counts import Flow

#: Template columns, in order.
COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# (data, node, box, description, boxtext, tooltip): the template's rows in its order.
# "NA" is how the template marks the title boxes that hold no count.
_ROWS = (
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies",
     "Grey title box; Previous studies"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review", "Studies included in previous version of review"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review", "NA"),
    ("NA", "node6", "newstud", "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers",
     "Yellow title box; Identification of new studies via databases and registers"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases",
     "Records identified from: Databases and Registers"),
    ("database_specific_results", "NA", "box2", "Records identified from: specific databases",
     "Specific Databases", "NA"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers", "NA"),
    ("register_specific_results", "NA", "box2", "Records identified from: specific registers",
     "Specific Registers", "NA"),
    ("NA", "node16", "othstud", "Grey title box; Identification of new studies via other methods",
     "Identification of new studies via other methods",
     "Grey title box; Identification of new studies via other methods"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites",
     "Records identified from: Websites, Organisations and Citation Searching"),
    ("organisation_results", "", "box11", "Records identified from: Organisations", "Organisations", "NA"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching", "Citation searching",
     "NA"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records", "Duplicate records"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools", "NA"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons", "Records removed for other reasons",
     "NA"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)", "Records screened",
     "Records screened (databases and registers)"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)", "Records excluded",
     "Records excluded (databases and registers)"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval (databases and registers)",
     "Reports sought for retrieval", "Reports sought for retrieval (databases and registers)"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved (databases and registers)",
     "Reports not retrieved", "Reports not retrieved (databases and registers)"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval", "Reports sought for retrieval (other)"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)", "Reports not retrieved",
     "Reports not retrieved (other)"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility", "Reports assessed for eligibility (databases and registers)"),
    ("dbr_excluded", "node14", "box9", "Reports excluded (databases and registers): [separate reasons and "
     "numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]", "Reports excluded",
     "Reports excluded (databases and registers)"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility", "Reports assessed for eligibility (other)"),
    ("other_excluded", "node21", "box15", "Reports excluded (other): [separate reasons and numbers using ; "
     "e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]", "Reports excluded", "Reports excluded (other)"),
    ("new_studies", "node15", "box10", "New studies included in review", "New studies included in review",
     "New studies included in review"),
    ("new_reports", "NA", "box10", "Reports of new included studies", "Reports of new included studies", "NA"),
    ("total_studies", "node22", "box16", "Total studies included in review", "Total studies included in review",
     "Total studies included in review"),
    ("total_reports", "NA", "box16", "Reports of total included studies", "Reports of total included studies",
     "NA"),
    ("identification", "node1", "identification", "Blue identification box", "Identification",
     "Blue identification box"),
    ("screening", "node2", "screening", "Blue screening box", "Screening", "Blue screening box"),
    ("included", "node3", "included", "Blue included box", "Included", "Blue included box"),
    # Counts PRISMA 2020 has no box for, for a reader of the file: the package finds its rows
    # by substring, and no pattern it looks for occurs in these names, so it draws them nowhere.
    ("records_awaiting", "NA", "awaiting", "Records awaiting screening: no title/abstract decision yet (not a "
     "PRISMA 2020 box; the PRISMA2020 package ignores this row)", "Records awaiting screening", "NA"),
    ("reports_awaiting", "NA", "awaiting", "Reports awaiting assessment: sought, no full-text decision yet (not a "
     "PRISMA 2020 box; the PRISMA2020 package ignores this row)", "Reports awaiting assessment", "NA"),
)
#: Rows for readers only (the package ignores them).
_READER_ROWS = frozenset({"records_awaiting", "reports_awaiting"})
#: The template's ``data`` names that hold a count or a list of counts.
FIELDS = tuple(row[0] for row in _ROWS
               if row[0] != "NA" and row[0] not in ("identification", "screening", "included", *_READER_ROWS))
_URLS = {"database_specific_results": "database_results.html", "register_specific_results": "database_results.html",
         "dbr_excluded": "dbrexcludedrecords.html"}
_NO_URL = {*_READER_ROWS, "register_results", "organisation_results", "citations_results", "excluded_automatic",
           "excluded_other", "new_reports", "total_reports"}


def _item(name: str) -> str:
    return re.sub(r"\s*[,;]\s*", " - ", name)


def _listing(counts: dict[str, int]) -> str:
    return "; ".join(f"{_item(name)}, {n}" for name, n in counts.items())


def template_values(flow: Flow) -> dict[str, str]:
    """The ``n`` of each template row, by its ``data`` name."""
    counts = flow.counts()
    values = {name: str(counts[name]) for name in FIELDS if name in counts and not isinstance(counts[name], dict)}
    for name in ("database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded"):
        values[name] = _listing(counts[name])
    values["excluded_other"] = str(flow.records_unscreened)
    values["records_awaiting"] = str(flow.records_awaiting)
    values["reports_awaiting"] = str(flow.reports_awaiting)
    return values


def omitted(flow: Flow) -> str:
    """What the template has no row for, in one sentence ('' when nothing): the records of
    other methods that are neither a website's, an organisation's nor citation searching's,
    and the records of the other-methods column screenrev screens before retrieval. The
    template's other-methods column goes from records identified to reports sought."""
    parts = [(flow.other_results, "identified from other sources (experts, an advisory group…)"),
             (flow.other_duplicates, "found already (duplicates)"),
             (flow.other_excluded_automatic, "marked ineligible by the rules"),
             (flow.other_records_excluded, "excluded at title/abstract"),
             (flow.other_records_unscreened + flow.other_records_awaiting, "not screened")]
    listed = "; ".join(f"{n:,} {what}" for n, what in parts if n)
    if not listed:
        return ""
    return (f"the PRISMA2020 template has no row for these records of the other-methods column: {listed}; "
            "its numbers there will not add up unless the diagram is edited ('screenrev flow --diagram' draws "
            "every box)")


def write_template(flow: Flow, out: TextIO) -> None:
    """Write the flow in the PRISMA2020 template's CSV format."""
    values = template_values(flow)
    writer = spreadsheet.writer(out)
    writer.writerow(COLUMNS)
    for data, node, box, description, boxtext, tooltip in _ROWS:
        if data == "NA":
            url = f"{box}.html"
        else:
            url = "NA" if data in _NO_URL else _URLS.get(data, f"{data}.html")
        writer.writerow([data, node, box, description, boxtext, tooltip, url, values.get(data, "0")])
