"""Speed of the rules stage: a ten-criterion protocol applied to 100,000 real records.

    .venv/bin/python bench/rules.py            # 100,000 records, and the naive baseline on 2,000
    .venv/bin/python bench/rules.py --size 20000

Records: every distinct real record in ../shared/data that has an abstract of at least
200 characters (exports, screening and deduplication sets), read with screenrev's own
importer, repeated in the same order until there are --size of them. The protocol is
bench/ten_criteria.yaml: the seven criteria of Carr et al. 2023 and three more (a year
range, an ``all`` list with a NEAR term, a publication-type list).

The rules are applied to records whose language is known (the language field as
imported; records without one are given "en" so that no detection runs) twice: by one
process, and as ``screenrev screen`` applies them, a large review shared among the idle
cores (``forked.map_slices``; the outcomes are checked to be the same). Then with language
detection from title and abstract for every record without a language field, which is
what a review of CSV screening sets costs the first time. The target (50,000 records/s)
applies to the rules as screen applies them; the baseline is the naive
approach the issue measured (one pandas ``str.contains`` regex per term list and per
``unless`` list), run here on 2,000 of the same records.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from realdata import pool  # noqa: E402

from screenrev.forked import processes_for  # noqa: E402
from screenrev.records.parse import bulk  # noqa: E402
from screenrev.rules.engine import Screener
from screenrev.rules.protocol import (
    TextTest,  # noqa: E402
    load_protocol,  # noqa: E402
)
from screenrev.rules.stage import screen_all, summarise  # noqa: E402

PROTOCOL = Path(__file__).with_name("ten_criteria.yaml")
TARGET = 50_000


def records(size: int) -> list[dict]:
    """``size`` real records with abstracts, repeated in a fixed order."""
    distinct = [r for group in pool() for r in group if len(r.get("abstract") or "") >= 200]
    repeated = [dict(r, key=f"{n}") for n, r in enumerate((distinct * (size // len(distinct) + 1))[:size])]
    print(f"records: {size:,} ({len(distinct):,} distinct real records with an abstract, repeated); "
          f"mean abstract {sum(len(r['abstract']) for r in distinct) / len(distinct):,.0f} characters; "
          f"{sum(1 for r in distinct if r.get('language')) / len(distinct):.0%} have a language field")
    return repeated


def timed(protocol, chosen: list[dict], processes: int | None = None) -> tuple[float, object]:
    start = time.perf_counter()
    with bulk():  # as screen_review does
        results = screen_all(Screener(protocol), chosen, processes=processes)
    elapsed = time.perf_counter() - start
    return elapsed, summarise(protocol, results, deduplicated=True)


def naive(protocol, chosen: list[dict]) -> float:
    """One regex per term list and per unless list, over a pandas column (the baseline)."""
    import pandas as pd

    frame = pd.DataFrame({"text": [f"{r.get('title') or ''} {r.get('abstract') or ''}" for r in chosen]})
    start = time.perf_counter()
    for criterion in protocol.criteria:
        condition = criterion.condition
        if not isinstance(condition, TextTest):
            continue
        for terms in (condition.terms, condition.unless):
            if not terms:
                continue
            for term in terms:
                words = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "")
                         for phrase in term.phrases for w in phrase.words]
                frame["text"].str.contains(r"\b" + r"\s+".join(words) + r"\b", case=False, regex=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    protocol = load_protocol(PROTOCOL)
    chosen = records(args.size)
    known = [r if r.get("language") else dict(r, language="en") for r in chosen]
    print(f"protocol: {PROTOCOL.name}, {len(protocol.criteria)} criteria, {len(protocol.terms)} terms")
    single, summary = timed(protocol, known, processes=1)
    print(f"rules, language known, one process:  {single:6.2f} s  {args.size / single:10,.0f} records/s")
    processes = processes_for(args.size)
    elapsed, shared = timed(protocol, known)
    assert shared == summary, "the outcomes depend on the number of processes"
    rate = args.size / elapsed
    print(f"rules, language known, {processes} process{'es' if processes > 1 else ''}: {elapsed:6.2f} s  "
          f"{rate:10,.0f} records/s  (as screen runs; target {TARGET:,}: {'met' if rate >= TARGET else 'NOT met'})")
    elapsed_detect, _ = timed(protocol, chosen)
    print(f"rules, language detected:            {elapsed_detect:6.2f} s  {args.size / elapsed_detect:10,.0f} records/s  "
          f"(for the {sum(1 for r in chosen if not r.get('language')):,} records without a language field)")
    sample = chosen[:2000]
    baseline = naive(protocol, sample)
    print(f"naive baseline (2,000):              {baseline:6.2f} s  {len(sample) / baseline:10,.0f} records/s  "
          f"(screenrev {rate / (len(sample) / baseline):,.0f}x faster)")
    print(f"outcomes: {summary.excluded:,} excluded, {summary.flagged:,} flagged, {summary.unsure:,} unsure, "
          f"{summary.passed:,} passed")
    repetitive()


#: A hostile record: one word 10,000 times, and a NEAR term matching it everywhere.
NEAR_TARGET = 0.1


def repetitive(words: int = 10_000) -> None:
    """The time to apply ``word* NEAR/50 word*`` to an abstract repeating one word."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "near.yaml"
        path.write_text("criteria:\n  - id: near\n    label: Near\n    any: ['word* NEAR/50 word*']\n", encoding="utf-8")
        screener = Screener(load_protocol(path))
    record = {"key": "hostile", "title": "A title", "abstract": " ".join(["word"] * words)}
    start = time.perf_counter()
    outcome = screener.outcomes(record)[0].outcome
    seconds = time.perf_counter() - start
    print(f"one record, {words:,} words of one word, 'word* NEAR/50 word*': {seconds:.3f} s ({outcome}; target "
          f"{NEAR_TARGET} s: {'met' if seconds < NEAR_TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
