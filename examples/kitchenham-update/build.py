"""Build this example from the published data set: two runs of one search, and the decisions.

    cd examples/kitchenham-update && ../../.venv/bin/python build.py ../../../shared/data/screening/kitchenham_2010/Kitchenham_2010.csv

The source is ``Kitchenham_2010.csv`` of the ASReview data sets (asreview/systematic-review-
datasets, ``datasets/Hall_Wahono_Radjenovic_Kitchenham/output/Kitchenham_2010.csv``, commit
1524c838cb7b2ca65d8ef501192a73bb347b5bc4, licence CC BY 4.0): 1,704 records with their year
and the final label (``label_included``) of Kitchenham et al.'s tertiary study of systematic
reviews in software engineering, itself an update of an earlier tertiary study.

The review is rebuilt as an update, the same way every time:

* ``searches/search-2007.csv``: the rows published in 2007 or earlier, as the search run
  when the first version ended would have returned them (same columns, same order);
* ``searches/search-2017.csv``: every row: the same search run again later, which returns
  the earlier records as well as the new ones;
* version 1 is screened on its records (``decisions/title_abstract-v1.csv``,
  ``full_text-v1.csv``), frozen with ``screenrev update start --date 2008-01-01``, then the
  second run is imported with ``--update`` and only its new records are decided
  (``*-v2.csv``). The data set gives one label per record: a record labelled included is
  included at both stages; one labelled excluded is excluded at title/abstract (the data
  set does not say at which stage, so no full-text exclusion is invented).

Records the data set marks as duplicates (``duplicate_record_id``) of a record the same
version holds get no decision of their own: ``decisions/duplicates.csv`` marks each pair
``same``, as the data set does (one published in 2007 whose duplicate was published later
is decided in the first version, where it stands alone).

Two pairs of included papers report one review each, and are linked into studies in
``decisions/studies.csv`` before version 1 ends (``STUDIES``): Galin and Avrahami's
meta-analysis of CMM programmes, published at a conference (2005) and in IEEE Software
(2006), and Juristo, Moreno and Vegas's review of testing-technique experiments (2004)
with its summary for practitioners (2006). The tertiary study counts studies, not papers,
the same way ("35 SLRs corresponding to 33 unique studies").
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCREENREV = [sys.executable, "-m", "screenrev"]
REVIEWER = "Kitchenham et al."
DECIDED = {1: "2008-01-01", 2: "2021-01-27"}
COLUMNS = ("key", "stage", "decision", "reason", "reviewer", "timestamp", "note")
#: Reports of one study: its name → the data set's record ids, main report first.
STUDIES = {
    "Galin and Avrahami: meta-analysis of CMM programmes": ("36", "37"),
    "Juristo et al.: review of testing technique experiments": ("43", "41"),
}


def run(*args: str) -> str:
    return subprocess.run([*SCREENREV, *args], cwd=HERE, check=True, capture_output=True, text=True).stdout


def write(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def decide(version: int, keys: dict[str, str], rows: dict[str, dict], done: set[str]) -> None:
    """Decision files for the records of this version not decided before."""
    title_abstract, full_text = [], []
    for record_id, key in keys.items():
        row = rows[record_id]
        if key in done or row["duplicate_record_id"] in keys:
            continue  # a duplicate of a record this version decides
        done.add(key)
        included = row["label_included"] == "1"
        note = "label_included"
        title_abstract.append([key, "title_abstract", "include" if included else "exclude", "", REVIEWER,
                               DECIDED[version], note])
        if included:
            full_text.append([key, "full_text", "include", "", REVIEWER, DECIDED[version], note])
    write(HERE / "decisions" / f"title_abstract-v{version}.csv", COLUMNS, title_abstract)
    write(HERE / "decisions" / f"full_text-v{version}.csv", COLUMNS, full_text)


def keys_of(search: str) -> dict[str, str]:
    """record_id → key, from the records screenrev imported for a search."""
    out = run("export", "records", "--format", "csv")
    return {row["record_id"]: row["key"] for row in csv.DictReader(out.splitlines()) if row["search"] == search}


def main(source: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames
        rows = list(reader)
    by_id = {row["record_id"]: row for row in rows}
    for folder in ("searches", "decisions", ".screenrev", "out"):
        shutil.rmtree(HERE / folder, ignore_errors=True)
    (HERE / "decisions").mkdir()
    manifest = HERE / "screenrev.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").split("[[searches]]")[0].split("[previous_version]")[0]
                        .split("[expected]")[0].rstrip() + "\n", encoding="utf-8")
    first = HERE / "search-2007.csv"
    with first.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(row for row in rows if row["year"] and int(row["year"]) <= 2007)
    second = HERE / "search-2017.csv"
    shutil.copyfile(source, second)
    run("import", str(first), "--database", "Combined database searches (published data set)",
        "--interface", "asreview/systematic-review-datasets", "--searched", "2007-12-31", "--name", "search")
    first.unlink()
    done: set[str] = set()
    keys = keys_of("search")
    write(HERE / "decisions" / "duplicates.csv", ("key_a", "key_b", "decision"),
          [[keys[i], keys[row["duplicate_record_id"]], "same"] for i, row in by_id.items()
           if i in keys and row["duplicate_record_id"] in keys])
    decide(1, keys, by_id, done)
    write(HERE / "decisions" / "studies.csv", ("study", "key", "main", "reviewer", "timestamp"),
          [[study, keys[i], "true" if n == 0 else "", REVIEWER, DECIDED[1]]
           for study, ids in STUDIES.items() for n, i in enumerate(ids)])
    run("update", "start", "--date", "2008-01-01")
    run("import", str(second), "--update", "search", "--searched", "2017-12-31")
    second.unlink()
    keys2 = keys_of("search-run2")
    primary = {row["key"]: row["cluster"] for row in csv.DictReader(run("export", "records").splitlines())}
    earlier = {primary[key] for key in keys.values()}
    new = {i: key for i, key in keys2.items() if primary[key] not in earlier}
    with (HERE / "decisions" / "duplicates.csv").open("a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([[keys2[i], keys2[row["duplicate_record_id"]], "same"] for i, row in by_id.items()
                          if i in new and row["duplicate_record_id"] in keys2 and keys2[row["duplicate_record_id"]] != keys2[i]])
    decide(2, new, by_id, done)
    run("flow", "--record")
    print(run("flow"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
