"""Write this example's decision files from the labels in its search file.

    cd examples/nagtegaal-2019 && ../../.venv/bin/python make_decisions.py

The published data set (searches/Nagtegaal_2019.csv) has, per record, the title/abstract
label (``label_abstract_screening``), the final label (``label_included``) and, for 11
records, the ``record_id`` of the record it duplicates (``duplicate_record_id``). This
script turns them into the review's decision files, the same way every time:

* ``decisions/duplicates.csv``: the 11 known duplicate pairs, marked ``same`` (dedup finds
  8 of them alone and leaves the other 3 among the pairs it is unsure of);
* ``decisions/title_abstract.csv``: one decision per record, ``include`` when
  ``label_abstract_screening`` is 1, else ``exclude`` (no reason: the data set gives none);
* ``decisions/full_text.csv``: for each record included at title/abstract, ``include``
  when ``label_included`` is 1, else ``exclude`` with the reason the manifest lists for
  exclusions whose reason was not published.

Records marked as duplicates in the data set get no decision of their own: their label 0
stands for "removed as a duplicate", and a decision on any member of a cluster applies to
the whole cluster. The decisions are the review authors' (reviewer "Nagtegaal et al.
2019"), dated the day the labels were published in the data set's repository.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from screenrev.records.workspace import Workspace
from screenrev.review.folder import Review

HERE = Path(__file__).resolve().parent
REVIEWER = "Nagtegaal et al. 2019"
PUBLISHED = "2020-10-28"
FULL_TEXT_REASON = "Excluded at full text (reason not published in the data set)"
COLUMNS = ("key", "stage", "decision", "reason", "reviewer", "timestamp", "note")


def write(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{path.relative_to(HERE)}: {len(rows):,} rows", file=sys.stderr)


def main() -> None:
    review = Review.find(HERE)
    with Workspace.open(review) as workspace:
        records = list(workspace.iter_records())
    key_of = {record["extra"]["record_id"]: record["key"] for record in records}
    duplicates, title_abstract, full_text = [], [], []
    for record in records:
        labels = record["extra"]
        key = record["key"]
        if labels.get("duplicate_record_id"):
            duplicates.append([key, key_of[labels["duplicate_record_id"]], "same"])
            continue
        included = labels["label_abstract_screening"] == "1"
        title_abstract.append(
            [key, "title_abstract", "include" if included else "exclude", "", REVIEWER, PUBLISHED,
             "label_abstract_screening"]
        )
        if included:
            final = labels["label_included"] == "1"
            full_text.append(
                [key, "full_text", "include" if final else "exclude", "" if final else FULL_TEXT_REASON,
                 REVIEWER, PUBLISHED, "label_included"]
            )
    folder = review.decisions_dir
    write(folder / "duplicates.csv", ("key_a", "key_b", "decision"), duplicates)
    write(folder / "title_abstract.csv", COLUMNS, title_abstract)
    write(folder / "full_text.csv", COLUMNS, full_text)


if __name__ == "__main__":
    main()
