"""Deduplication accuracy and speed on real benchmark sets with known duplicate groups.

    .venv/bin/python bench/dedup.py               # accuracy on every set, 10k/100k/1M speed, rules set by set
    .venv/bin/python bench/dedup.py --max 100000  # the same without the 1,000,000-record run
    .venv/bin/python bench/dedup.py --no-scale    # accuracy and rules set by set

Accuracy: each ``../shared/data/dedup/<set>/records_pre_merged.csv`` is read with
screenrev's importer (key = the ``ID`` column, database = "bench") and deduplicated; the
clusters are scored per record as bib-dedupe's benchmark does (``DedupeBenchmarker.
compare_dedupe_id``): a positive is a record that should be removed as a duplicate (all
members of a true group but one), a record is removed when it is not its cluster's
primary. Per true group (singletons are groups of one) with ``k`` members kept:
k = 0 → one FP (the study is lost) and n-1 TP; k ≥ 1 → one TN, k-1 FN, n-k TP.

That definition cannot see a record merged into the wrong cluster while another member
of its own group is kept (it counts it as a TP), so a stricter count is printed beside
it: a removed record is a strict FP unless its cluster holds another member of its
true group. Both must be zero.

Where the truth file misses a merge that the records themselves show to be right, the
case is listed below (with both records) and scored against the amended truth; the
scores against the truth file as published are printed too.

Other real sets, whose truth is partial, are searched for false merges: the IEBH EndNote
libraries (records captioned "Duplicate" by their users) and the twelve Cohen 2006
reviews (PubMed IDs; a cluster joining two PubMed IDs is listed).

Generalisation, printed last: a rule is written from the bibliographic reason it encodes,
then checked on every set. "Rule firing" counts, set by set, the pairs each rule of the
matcher decided (``Comparison.rule``) and lists the rules that fire on one set only.
"Leave one set out" switches off each rule listed in ``RULES_ON_TRIAL`` (each written while
looking at data outside these sets) and scores every set without it: a rule that helps
only where it was written, or hurts anywhere, shows there. The unlabelled pool (every other
real record at hand, no truth) counts the pairs whose verdict each rule changes and lists
them to be read.

Speed: the pool is every distinct real record in ../shared/data (the dedup sets, the
screening sets of other reviews, the export files: 32,251 records in 187 sets), keys
prefixed by set, each set its own database. There are fewer distinct real records than
100,000, so an input of N records takes the same share of every set (its first records,
keeping neighbouring duplicates together) and repeats it with a copy prefix (4 copies,
each a duplicate of the others from another database): the 10,000- and 100,000-record
inputs have the same make-up, so their ratio measures how the cost grows, not a change of
data. The 1,000,000-record input repeats (almost) every distinct record 32 times, each copy
another database, as the million-record evidence map of a review searching many databases
would. Each size runs in a process of its own, which reports its time, its CPU time and its
peak memory (``ru_maxrss``: the input records included, as a review's records are when
``screenrev dedup`` runs), beside the memory the input alone took.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from realdata import pool  # noqa: E402

from screenrev.dedup import cluster as cluster_module  # noqa: E402
from screenrev.dedup import compare, prepare  # noqa: E402
from screenrev.dedup.cluster import deduplicate  # noqa: E402
from screenrev.records.parse import read_export  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DEDUP = SHARED / "dedup"
SETS = ("cytology_screening", "haematology", "respiratory", "special_cases")
#: F1 of bib-dedupe 0.11.0 measured on this machine, and its runtime in seconds.
TARGETS = {
    "cytology_screening": (0.9961, 5.8),
    "respiratory": (0.9668, 5.9),
    "haematology": (0.9375, 4.1),
    "special_cases": (None, None),
}

#: Merges the truth file misses, each checked by hand against the records: (set, ids, why).
TRUTH_OMISSIONS = [
    (
        "haematology",
        ("id_0000001", "id_0000002", "id_0000003"),
        "id_0000002 has no title; its authors (with initials punctuated), year, journal, "
        "volume, issue and pages are those of id_0000001 and id_0000003, which the truth "
        "file groups together",
    ),
]

SHOWN_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi")
#: Changed pairs of the unlabelled pool shown per rule.
SHOWN_PAIRS = 6


def load_set(name: str) -> list[dict]:
    """The records of one benchmark set, keyed by their ID column."""
    parsed = read_export(DEDUP / name / "records_pre_merged.csv")
    records = []
    for record in parsed.records:
        ident = record["extra"]["ID"]
        assert record["source_id"] == ident, (record["source_id"], ident)
        records.append({**record, "key": ident, "database": "bench"})
    return records


def load_truth(name: str) -> list[list[str]]:
    with (DEDUP / name / "merged_record_ids.csv").open(encoding="utf-8") as handle:
        return [row["merged_ids"].split(";") for row in csv.DictReader(handle)]


def amend(truth: list[list[str]], name: str) -> list[list[str]]:
    """The truth groups with the hand-checked omissions joined in."""
    groups = [set(group) for group in truth]
    for set_name, ids, _ in TRUTH_OMISSIONS:
        if set_name != name:
            continue
        joined = set(ids)
        rest = []
        for group in groups:
            if group & joined:
                joined |= group
            else:
                rest.append(group)
        groups = rest + [joined]
    return [sorted(group) for group in groups]


def members_of(cluster: dict[str, str]) -> dict[str, list[str]]:
    """Cluster id → the keys of its records."""
    members = defaultdict(list)
    for key, cluster_id in cluster.items():
        members[cluster_id].append(key)
    return members


def score(keys: list[str], truth: list[list[str]], cluster: dict[str, str]) -> dict:
    """bib-dedupe's per-record counts, plus the strict false positives (see module doc)."""
    kept = {key for key in keys if cluster[key] == key}
    in_group: dict[str, int] = {}
    for number, group in enumerate(truth):
        for key in group:
            in_group[key] = number
    counts = Counter()
    for key in keys:
        if key not in in_group:
            counts["TN" if key in kept else "FP"] += 1
    for group in truth:
        survivors = sum(key in kept for key in group)
        if survivors == 0:
            counts["FP"] += 1
            counts["TP"] += len(group) - 1
        else:
            counts["TN"] += 1
            counts["FN"] += survivors - 1
            counts["TP"] += len(group) - survivors
    members = members_of(cluster)
    strict_fp = []
    for key in keys:
        if key in kept:
            continue
        group = in_group.get(key)
        mates = [other for other in members[cluster[key]] if other != key]
        if group is None or not any(in_group.get(other) == group for other in mates):
            strict_fp.append(key)
    tp, fp, fn, tn = (counts[name] for name in ("TP", "FP", "FN", "TN"))
    sensitivity = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    return {
        "TP": tp, "FP": fp, "FN": fn, "TN": tn,
        "sensitivity": sensitivity,
        "specificity": tn / (tn + fp) if tn + fp else 0.0,
        "precision": precision,
        "F1": 2 * precision * sensitivity / (precision + sensitivity) if precision + sensitivity else 0.0,
        "strict_fp": strict_fp,
    }


def show(record: dict) -> str:
    parts = []
    for name in SHOWN_FIELDS:
        value = record.get(name)
        if isinstance(value, list):
            value = "; ".join(value)
        if value:
            parts.append(f"{name}={value[:110]}")
    return f"    {record['key']}: " + " | ".join(parts)


def accuracy(verbose: bool) -> bool:
    ok = True
    columns = (f"{'set':<19}{'n':>6}{'TP':>6}{'FP':>5}{'FN':>5}{'TN':>6}{'sens':>8}{'spec':>8}"
               f"{'prec':>8}{'F1':>8}")
    header = columns + f"{'target':>8}{'strictFP':>9}{'unsure':>7}{'pairs':>8}{'s':>7}{'bib s':>7}"
    print("Accuracy (truth amended by the hand-checked omissions listed below; truth as published after)")
    print(header)
    raw_lines, details = [], []
    for name in SETS:
        records = load_set(name)
        truth = load_truth(name)
        started = time.perf_counter()
        result = deduplicate(records)
        seconds = time.perf_counter() - started
        keys = [record["key"] for record in records]
        amended = score(keys, amend(truth, name), result.cluster)
        raw = score(keys, truth, result.cluster)
        target, bib_seconds = TARGETS[name]
        met = amended["FP"] == 0 and not amended["strict_fp"] and (target is None or amended["F1"] >= target)
        ok &= met
        print(f"{name:<19}{len(records):>6}{amended['TP']:>6}{amended['FP']:>5}{amended['FN']:>5}{amended['TN']:>6}"
              f"{amended['sensitivity']:>8.4f}{amended['specificity']:>8.4f}{amended['precision']:>8.4f}"
              f"{amended['F1']:>8.4f}{(f'{target:.4f}' if target else '-'):>8}{len(amended['strict_fp']):>9}"
              f"{len(result.unsure):>7}{result.pairs_compared:>8}{seconds:>7.2f}"
              f"{(f'{bib_seconds:.1f}' if bib_seconds else '-'):>7}  {'met' if met else 'NOT MET'}")
        raw_lines.append(f"{name:<19}{len(records):>6}{raw['TP']:>6}{raw['FP']:>5}{raw['FN']:>5}{raw['TN']:>6}"
                         f"{raw['sensitivity']:>8.4f}{raw['specificity']:>8.4f}{raw['precision']:>8.4f}"
                         f"{raw['F1']:>8.4f}{len(raw['strict_fp']):>9}")
        details.append((name, records, truth, result, amended, raw))
    print("\nThe same against the truth files as published:")
    print(columns + f"{'strictFP':>9}")
    print("\n".join(raw_lines))

    print("\nMerges the truth files miss, checked by hand against the records (not counted as false positives):")
    for name, records, truth, result, amended, raw in details:
        by_key = {record["key"]: record for record in records}
        for set_name, ids, why in TRUTH_OMISSIONS:
            if set_name != name:
                continue
            merged = len({result.cluster[key] for key in ids}) == 1
            print(f"  {name}: {' + '.join(ids)} — {why}; screenrev {'merges' if merged else 'does NOT merge'} them")
            for key in ids:
                print(show(by_key[key]))
    for name, records, truth, result, amended, raw in details:
        by_key = {record["key"]: record for record in records}
        members = members_of(result.cluster)
        if amended["strict_fp"]:
            print(f"\nFALSE POSITIVES in {name}:")
            for key in amended["strict_fp"]:
                print(f"  {key} removed into cluster {result.cluster[key]}: {result.evidence.get(key)}")
                for other in sorted(members[result.cluster[key]]):
                    print(show(by_key[other]))
        if verbose:
            print(f"\nMissed duplicates in {name}:")
            for group in amend(truth, name):
                clusters = {result.cluster[key] for key in group}
                if len(clusters) > 1:
                    print("  group " + " ".join(group))
                    for key in group:
                        print(show(by_key[key]) + f"  [cluster {result.cluster[key]}]")
    return ok


def load_captioned(name: str) -> list[dict] | None:
    """An IEBH EndNote library, each record with the caption its users gave it (or None)."""
    path = DEDUP / "iebh_endnote_captions" / f"{name}.xml"
    if not path.exists():
        return None
    records = []
    for number, record in enumerate(read_export(path).records):
        caption = next((value for tag, value in record["raw"] if "caption" in tag.lower()), "")
        records.append({**record, "key": f"{number:04d}", "database": "endnote", "caption": caption})
    return records


def caption_score(records: list[dict], result) -> dict:
    """Clusters joining two records not captioned Duplicate (false merges), captioned records left alone."""
    by_key = {record["key"]: record for record in records}
    members = members_of(result.cluster)
    return {
        "mixed": [keys for keys in members.values() if sum(by_key[k]["caption"] != "Duplicate" for k in keys) > 1],
        "alone": [keys[0] for keys in members.values() if len(keys) == 1 and by_key[keys[0]]["caption"] == "Duplicate"],
        "removed": len(records) - len(members),
    }


def load_cohen() -> list[dict] | None:
    """The twelve Cohen 2006 reviews, each record with its PubMed ID (or None)."""
    cohen = SHARED / "screening" / "cohen2006"
    if not cohen.is_dir():
        return None
    records = []
    for path in sorted(cohen.glob("*.csv")):
        for number, record in enumerate(read_export(path).records):
            pmid = next((value for tag, value in record["raw"] if tag == "pubmedID"), "")
            records.append({**record, "key": f"{path.stem}:{number:05d}", "database": path.stem, "pmid": pmid})
    return records


def cohen_score(records: list[dict], result) -> dict:
    """Clusters joining two PubMed IDs, records removed with their own PubMed ID, records left apart."""
    by_key = {record["key"]: record for record in records}
    members = members_of(result.cluster)
    clusters_of_pmid = defaultdict(set)
    for record in records:
        clusters_of_pmid[record["pmid"]].add(result.cluster[record["key"]])
    return {
        "mixed": [keys for keys in members.values() if len({by_key[k]["pmid"] for k in keys}) > 1],
        "apart": sum(len(clusters) - 1 for clusters in clusters_of_pmid.values()),
        "shared": sum(len(keys) - 1 for keys in members.values() if len({by_key[k]["pmid"] for k in keys}) == 1),
    }


def other_checks() -> None:
    """False merges sought in real data whose truth is partial: captions and PubMed IDs."""
    print("\nOther real sets (partial truth; a false merge shows as a cluster joining two known-distinct records):")
    for name in ("copper", "tafenoquine"):
        records = load_captioned(name)
        if records is None:
            continue
        result = deduplicate(records)
        by_key = {record["key"]: record for record in records}
        found = caption_score(records, result)
        flagged = sum(record["caption"] == "Duplicate" for record in records)
        print(f"  iebh {name}: {len(records)} records, {flagged} captioned Duplicate by EndNote users; "
              f"{found['removed']} removed by screenrev; clusters joining two records not captioned "
              f"Duplicate: {len(found['mixed'])}; captioned records left alone: {len(found['alone'])}; "
              f"unsure pairs: {len(result.unsure)}")
        for keys in found["mixed"]:
            for key in sorted(keys):
                print(show(by_key[key]))
        for key in found["alone"]:
            print("    left alone: " + show(by_key[key]).strip())
    records = load_cohen()
    if records is not None:
        started = time.perf_counter()
        result = deduplicate(records)
        seconds = time.perf_counter() - started
        by_key = {record["key"]: record for record in records}
        found = cohen_score(records, result)
        print(f"  cohen2006 (12 reviews, title/authors/abstract only, PubMed IDs as truth): {len(records)} records, "
              f"{found['shared']} removed with their PubMed ID's other records, {found['apart']} left apart from them, "
              f"clusters joining two PubMed IDs: {len(found['mixed'])}, unsure pairs: {len(result.unsure)}, {seconds:.1f} s")
        for keys in found["mixed"]:
            print("    two PubMed IDs in one cluster (" + ", ".join(sorted({by_key[k]['pmid'] for k in keys})) + "):")
            for key in sorted(keys):
                record = by_key[key]
                print(show(record) + f" | abstract={(record.get('abstract') or '')[:60]}…")


@contextmanager
def replaced(module: object, name: str, value: object) -> Iterator[None]:
    """``module.name`` is ``value`` inside the block (the matcher's caches emptied on both sides)."""
    original = getattr(module, name)
    setattr(module, name, value)
    prepare._title.cache_clear()
    try:
        yield
    finally:
        setattr(module, name, original)
        prepare._title.cache_clear()


def _issue_conflict_without(*kinds: str) -> Callable:
    original = compare._issue_conflict

    def issue_conflict(a: object, b: object) -> str | None:
        found = original(a, b)
        return None if found in kinds else found

    return issue_conflict


#: Rules written from a bibliographic reason, each with the data that led to it and how to
#: switch it off (the matcher as it was without it). None of the sets below led to any of
#: them: every set scores each rule as one left out.
RULES_ON_TRIAL = (
    ("DOI spellings", "a user's review queue (pairs differing by DOI form)",
     lambda: replaced(prepare, "doi_key", lambda raw: raw.strip().lower() or None)),
    ("legacy and current DOI", "unseen sets and the user's queue",
     lambda: replaced(compare, "_legacy_doi", lambda *facts: False)),
    ("recurring titles need their place", "unseen set A (11 false merges: one column, four issues)",
     lambda: replaced(prepare, "_RECURRING", re.compile(r"(?!)"))),
    ("issue and month conflicts", "unseen set A",
     lambda: replaced(compare, "_issue_conflict", _issue_conflict_without("issue", "month"))),
    ("different supplements differ", "unseen sets (supplement locators)",
     lambda: replaced(compare, "_issue_conflict", _issue_conflict_without("supplement"))),
    ("cut locator is no conflict", "unseen sets (meeting abstracts, volume \"1)\" of \"61(10 SUPPL. 1)\")",
     lambda: replaced(compare, "_volume_cut_from", lambda a, b: False)),
    ("erratum citing its article's DOI", "the unlabelled pool below (so it is no held-out set for this rule)",
     lambda: replaced(prepare, "_CITED_ERRATUM", re.compile(
         prepare._CITED_ERRATUM.pattern.replace(r"(?:\s*doi:?\s*10\.[^()]*)?", ""), re.IGNORECASE))),
)


@contextmanager
def recording() -> Iterator[dict[tuple[str, str], tuple[str, str]]]:
    """Every pair the matcher compares inside the block → (verdict, the rule that decided it)."""
    original = cluster_module.compare_records
    decided: dict[tuple[str, str], tuple[str, str]] = {}

    def compare_records(a: prepare.Prepared, b: prepare.Prepared) -> compare.Comparison:
        result = original(a, b)
        decided[(a.key, b.key) if a.key < b.key else (b.key, a.key)] = (result.verdict, result.rule)
        return result

    cluster_module.compare_records = compare_records
    try:
        yield decided
    finally:
        cluster_module.compare_records = original


def trial_sets() -> list[tuple[str, list[dict], Callable]]:
    """Every set with a truth, full or partial: (short name, records, scorer → table cells)."""
    sets = []
    for name in SETS:
        truth = amend(load_truth(name), name)

        def scored(records: list[dict], result, truth=truth) -> dict:
            found = score([record["key"] for record in records], truth, result.cluster)
            return {"F1": f"{found['F1']:.4f}", "false": found["FP"], "strict": len(found["strict_fp"]),
                    "missed": found["FN"]}

        sets.append((name, load_set(name), scored))
    for name in ("copper", "tafenoquine"):
        records = load_captioned(name)
        if records is not None:
            def scored(records: list[dict], result) -> dict:
                found = caption_score(records, result)
                return {"F1": "-", "false": len(found["mixed"]), "strict": len(found["mixed"]),
                        "missed": len(found["alone"])}

            sets.append((f"iebh {name}", records, scored))
    records = load_cohen()
    if records is not None:
        def scored(records: list[dict], result) -> dict:
            found = cohen_score(records, result)
            return {"F1": "-", "false": len(found["mixed"]), "strict": len(found["mixed"]), "missed": found["apart"]}

        sets.append(("cohen2006", records, scored))
    # Every other real record at hand, without a truth: what changes there is listed to be read.
    unlabelled = [record for records in pool() for record in records
                  if not record["database"].startswith(("dedup/", "screening/cohen2006"))]
    sets.append(("unlabelled pool", unlabelled, lambda records, result: {"F1": "-", "false": "-", "strict": "-",
                                                                          "missed": "-"}))
    return sets


def _counts(cells: dict) -> tuple:
    return tuple(cells[name] for name in ("false", "strict", "missed") if cells[name] != "-")


def _changed(verdicts: dict, off_verdicts: dict) -> list[tuple[str, str]]:
    """Pairs whose verdict differs between two runs; a pair not compared was kept apart, as
    if found different."""
    kept_apart = (compare.DIFFERENT,)
    return sorted(pair for pair in verdicts.keys() | off_verdicts.keys()
                  if verdicts.get(pair, kept_apart)[0] != off_verdicts.get(pair, kept_apart)[0])


def generalisation() -> None:
    """Which rule decided how many pairs on each set, and each new rule left out set by set."""
    sets = trial_sets()
    runs: dict[tuple[str, str], tuple[dict, dict]] = {}  # (set, rule off) → (cells, pair verdicts)
    for label, switch in [("", None)] + [(name, off) for name, _, off in RULES_ON_TRIAL]:
        for name, records, scorer in sets:
            with ExitStack() as stack:
                if switch is not None:
                    stack.enter_context(switch())
                decided = stack.enter_context(recording())
                result = deduplicate(records)
            runs[(name, label)] = (scorer(records, result), dict(decided))

    names = [name for name, _, _ in sets]
    print("\nRule firing: pairs each rule of the matcher decided, set by set (compare.Comparison.rule)")
    counts = {name: Counter(rule for _, rule in runs[(name, "")][1].values()) for name in names}
    rules = sorted({rule for counter in counts.values() for rule in counter},
                   key=lambda rule: (-sum(counts[name][rule] for name in names), rule))
    width = max(len(rule) for rule in rules) + 2
    print(f"{'rule':<{width}}" + "".join(f"{name[:12]:>13}" for name in names) + f"{'sets':>6}")
    one_set = []
    for rule in rules:
        fired = [name for name in names if counts[name][rule]]
        if len(fired) == 1:
            one_set.append((rule, fired[0]))
        print(f"{rule:<{width}}" + "".join(f"{counts[name][rule]:>13,}" for name in names) + f"{len(fired):>6}")
    print("Rules that fire on one set only: " + ("; ".join(f"{rule} ({name})" for rule, name in one_set) or "none"))

    print("\nLeave one set out: each rule written this way switched off, scored on every set. The rules came")
    print("from data outside these sets (listed with each), so on every set each rule is one left out:")
    print("the rule earns its place where switching it off makes a set worse, and must make none better.")
    for label, motive, _ in RULES_ON_TRIAL:
        print(f"  {label}: from {motive}")
    print("F1 and false merges (FP; strict FP) on the truth sets, clusters joining two known-distinct records on the")
    print("partial ones; missed = FN, or known duplicates left apart; changed = compared pairs whose verdict differs.")
    print(f"{'set':<20}{'rule switched off':<38}{'F1':>8}{'FP':>5}{'strict':>7}{'missed':>7}{'changed':>8}  effect")
    records_of = {name: records for name, records, _ in sets}
    for name in names:
        cells, verdicts = runs[(name, "")]
        print(f"{name:<20}{'(none: the matcher as it is)':<38}{cells['F1']:>8}{cells['false']:>5}{cells['strict']:>7}"
              f"{cells['missed']:>7}{'':>8}")
        for label, _, _ in RULES_ON_TRIAL:
            off, off_verdicts = runs[(name, label)]
            changed = len(_changed(verdicts, off_verdicts))
            now_counts, off_counts = _counts(cells), _counts(off)
            worse = any(x > y for x, y in zip(off_counts, now_counts))  # worse with the rule switched off
            better = any(x < y for x, y in zip(off_counts, now_counts))
            effect = ("mixed" if worse and better else "helps here" if worse else "HURTS here" if better
                      else "no change" if not changed else "verdicts only")
            print(f"{'':<20}{label:<38}{off['F1']:>8}{off['false']:>5}{off['strict']:>7}{off['missed']:>7}"
                  f"{changed:>8}  {effect}")
    print("Per rule, the sets where switching it off changes a verdict / changes the result:")
    for label, _, _ in RULES_ON_TRIAL:
        changed_on, result_on = [], []
        for name in names:
            cells, verdicts = runs[(name, "")]
            off, off_verdicts = runs[(name, label)]
            if _changed(verdicts, off_verdicts):
                changed_on.append(name)
            if _counts(off) != _counts(cells):
                result_on.append(name)
        print(f"  {label}: verdicts on {', '.join(changed_on) or 'no set'}; result on {', '.join(result_on) or 'no set'}")
    print("Pairs of the unlabelled pool whose verdict each rule changes (now <- with the rule off), to be read:")
    by_key = {record["key"]: record for record in records_of["unlabelled pool"]}
    _, verdicts = runs[("unlabelled pool", "")]
    for label, _, _ in RULES_ON_TRIAL:
        _, off_verdicts = runs[("unlabelled pool", label)]
        changed = _changed(verdicts, off_verdicts)
        if not changed:
            continue
        print(f"  {label}: {len(changed)} pair(s)" + (f", the first {SHOWN_PAIRS}" if len(changed) > SHOWN_PAIRS else ""))
        for pair in changed[:SHOWN_PAIRS]:
            now, off = verdicts.get(pair, ("not compared", "")), off_verdicts.get(pair, ("not compared", ""))
            print(f"    {now[0]} ({now[1]}) <- {off[0]} ({off[1]})")
            for key in pair:
                print("  " + show(by_key[key]))


def build(sets: list[list[dict]], size: int, copies: int) -> list[dict]:
    """``size`` records with the make-up of the whole pool: the same share of every set
    (its first records, so neighbouring duplicates stay together) up to ``ceil(size /
    copies)`` distinct records, each repeated ``copies`` times with a copy prefix."""
    wanted = math.ceil(size / copies)
    total = sum(len(records) for records in sets)
    shares = [len(records) * wanted / total for records in sets]
    counts = [math.floor(share) for share in shares]
    # largest remainders first, so the counts add up to exactly ``wanted``
    for index in sorted(range(len(sets)), key=lambda i: (counts[i] - shares[i], i))[: wanted - sum(counts)]:
        counts[index] += 1
    distinct = [record for records, count in zip(sets, counts) for record in records[:count]]
    # Each copy counts as another database's export of the same records, so the matcher
    # compares them; exact copies from one database are settled without matching.
    built = [
        {**record, "key": f"c{copy}/{record['key']}", "database": f"{record['database']} {copy}"}
        for copy in range(copies)
        for record in distinct
    ]
    return built[:size]


SIZES = (10_000, 100_000, 1_000_000)
#: Targets: 100,000 records within this many seconds, and the cost growing close to linearly.
TARGET_100K_SECONDS = 15
TARGET_GROWTH = {100_000: 15, 1_000_000: 12}
"""time(size) / time(size / 10) at most."""
TARGET_1M_PEAK_GB = 8


def copies_for(size: int, total: int) -> int:
    """How many times each distinct record is repeated in an input of ``size`` records: four
    up to 100,000 records, more for a larger input than the pool holds distinct records."""
    return max(math.ceil(100_000 / total), math.ceil(size / total))


def one_size(size: int) -> None:
    """Deduplicate the input of ``size`` records in this process; print its figures as JSON."""
    sets = pool()
    total = sum(len(records) for records in sets)
    sample = build(sets, size, copies_for(size, total))
    del sets
    input_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    result = deduplicate(sample)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({
        "size": size, "seconds": seconds, "cpu": cpu, "pairs": result.pairs_compared,
        "clusters": len(result.primary), "unsure": len(result.unsure),
        "input_mb": input_peak / 1024, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def scale(largest: int) -> bool:
    started = time.perf_counter()
    sets = pool()
    total = sum(len(records) for records in sets)
    print(f"\nSpeed: {total:,} distinct real records in {len(sets)} sets ({time.perf_counter() - started:.1f} s to read);"
          f" each input takes the same share of every set and repeats it (copies below), each copy another database."
          f" One process per size; peak = its ru_maxrss, input = the peak before deduplicating.")
    print(f"  {'records':>9}{'copies':>7}{'s':>8}{'cpu s':>8}{'pairs compared':>16}{'clusters':>10}{'unsure':>8}"
          f"{'input MB':>10}{'peak MB':>9}")
    figures = {}
    for size in (size for size in SIZES if size <= largest):
        run = subprocess.run([sys.executable, __file__, "--size", str(size)], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"  {size:>9,} records: the run failed (exit {run.returncode}): {run.stderr.strip()[-300:]}")
            figures[size] = None
            continue
        found = figures[size] = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"  {size:>9,}{copies_for(size, total):>7}{found['seconds']:>8.1f}{found['cpu']:>8.1f}"
              f"{found['pairs']:>16,}{found['clusters']:>10,}{found['unsure']:>8,}"
              f"{found['input_mb']:>10,.0f}{found['peak_mb']:>9,.0f}")
    met = True
    if figures.get(100_000):
        seconds = figures[100_000]["seconds"]
        ok = seconds < TARGET_100K_SECONDS
        met &= ok
        print(f"  100k in {seconds:.1f} s (target < {TARGET_100K_SECONDS} s)  {'met' if ok else 'NOT MET'}")
    for size, limit in TARGET_GROWTH.items():
        if size not in figures:
            continue
        if not (figures[size] and figures.get(size // 10)):
            met = False
            continue
        ratio = figures[size]["seconds"] / figures[size // 10]["seconds"]
        ok = ratio <= limit
        met &= ok
        print(f"  time({size // 1000:,}k) / time({size // 10_000:,}k) = {ratio:.1f} (target <= {limit})"
              f"  {'met' if ok else 'NOT MET'}")
    if figures.get(1_000_000):
        peak = figures[1_000_000]["peak_mb"] / 1024
        ok = peak < TARGET_1M_PEAK_GB
        met &= ok
        print(f"  1M peak memory {peak:.1f} GB (target < {TARGET_1M_PEAK_GB} GB)  {'met' if ok else 'NOT MET'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-scale", action="store_true", help="skip the speed runs")
    parser.add_argument("--max", type=int, default=SIZES[-1], metavar="RECORDS",
                        help="the largest speed run (default 1000000; 100000 leaves the million out)")
    parser.add_argument("--verbose", action="store_true", help="list every missed duplicate group")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # one speed run, in a process of its own
    args = parser.parse_args()
    if not DEDUP.is_dir():
        sys.exit(f"{DEDUP} is not there: the benchmark needs ../shared/data")
    if args.size:
        one_size(args.size)
        return
    ok = accuracy(args.verbose)
    other_checks()
    if not args.no_scale:
        ok &= scale(args.max)
    generalisation()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
