"""Ranking quality and speed on real labelled reviews, against ASReview's default model.

    .venv/bin/python bench/rank.py                      # every set, 10 seeds, then speed
    .venv/bin/python bench/rank.py --sets Triptans nagtegaal_2019 --seeds 1 --no-speed
    .venv/bin/python bench/rank.py --every-record       # retrain after every record

Quality: every labelled set in ../shared/data/screening/ (the 13 Cohen et al. 2006 drug
reviews, Nagtegaal 2019, Kitchenham 2010) is read with screenrev's importer and replayed
by ``screenrev.rank.simulate`` exactly as ``screenrev simulate`` does: final-inclusion
labels (``label_included``), priors of 1 included + 1 excluded record for each seed (0 to
9 by default), retraining after every record until 1,000 are labelled and then after
every 0.1 % of them (``--every-record`` retrains after every record throughout). The runs
are shared among the cores. Per set: mean WSS@95 (priors counted as screened), WSS@100,
recall at 10 %, ATD, the WSS@95 of ASReview 3.0.8's default model (elas_u4) with 1 + 1
priors, whether it is beaten, and the mean time of one retrain + rescore + reorder.

When ASReview is installed in its own environment (``make asreview``),
``bench/asreview_runs.py`` runs it on the same sets and seeds and measures its order with
screenrev's own metrics; each screenrev run then starts from the two records ASReview's
run of the same seed drew, so that the comparison is paired: which records a run starts
from moves a small set's WSS@95 by up to 0.17 (UrinaryIncontinence: ASReview's runs give
0.396 to 0.565), more than the models differ. ASReview's figure is its mean over the
seeds, and 'wins' counts the seeds where screenrev's run is ahead. Without ASReview, each
seed draws screenrev's priors and the figure is that of ../shared/data/README.md (for the
Cohen sets a single run).

Speed: a 50,000-record corpus made of the records of all 15 sets (16,447 records, 1.6 kB
of title, abstract and keywords on average) in set order, repeated 3 times and then cut
at 50,000 (3 copies plus the first 659 records again): the features are built (target
under 5 s; ASReview 15.5 s), then the model is retrained and every record rescored and
reordered with 10 and with 2,000 labelled records (seeded random records with their own
labels; target under 0.05 s at 2,000; ASReview 0.07 s at 10 and 0.11 s at 2,000). The
model uses the words of the text with the words and word pairs of the title beside them
(``Features.model_matrix``); the same measures are printed for text features with word
pairs too (the option the model does not use, for comparison with ASReview's 1-2-grams).
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import asreview_runs  # noqa: E402

from screenrev.rank.features import build_features, features_of, record_text
from screenrev.rank.labelled import read_labelled
from screenrev.rank.ranking import rank_records
from screenrev.rank.simulate import simulate

SCREENING = ROOT.parent / "shared" / "data" / "screening"
COHEN = (
    "ADHD", "Antihistamines", "AtypicalAntipsychotics", "BetaBlockers", "CalciumChannelBlockers",
    "Estrogens", "NSAIDS", "Opiods", "OralHypoglycemics", "ProtonPumpInhibitors",
    "SkeletalMuscleRelaxants", "Triptans", "UrinaryIncontinence",
)
#: Set name → labelled file.
SETS = {
    **{name: SCREENING / "cohen2006" / f"{name}.csv" for name in COHEN},
    "nagtegaal_2019": SCREENING / "nagtegaal_2019" / "Nagtegaal_2019.csv",
    "kitchenham_2010": SCREENING / "kitchenham_2010" / "Kitchenham_2010.csv",
}
#: ASReview 3.0.8 elas_u4, WSS@95 with 1 + 1 priors (../shared/data/README.md).
ASREVIEW = {
    "ADHD": 0.676, "Antihistamines": -0.015, "AtypicalAntipsychotics": 0.263, "BetaBlockers": 0.730,
    "CalciumChannelBlockers": 0.414, "Estrogens": 0.404, "NSAIDS": 0.718, "Opiods": 0.227,
    "OralHypoglycemics": 0.183, "ProtonPumpInhibitors": 0.442, "SkeletalMuscleRelaxants": 0.277,
    "Triptans": 0.677, "UrinaryIncontinence": 0.565, "nagtegaal_2019": 0.736, "kitchenham_2010": 0.674,
}
SPEED_RECORDS = 50_000
DISTINCT = [0]  # records in the 15 sets, filled in by corpus()
TARGET_FEATURES = 5.0
TARGET_RETRAIN = 0.05
ASREVIEW_FEATURES, ASREVIEW_RETRAIN = 15.5, {10: 0.07, 2000: 0.11}


def quality(names: list[str], seeds: list[int], every_record: bool, asreview: Path | None) -> bool:
    print(f"Ranking quality: seeds {', '.join(map(str, seeds))}, 1 included + 1 excluded prior, label_included"
          + (", retraining after every record" if every_record else ""))
    if asreview is not None:
        print(f"ASReview {asreview_runs.version(asreview)} ({asreview}) run on the same sets and seeds, and each of "
              "screenrev's runs starts from the two prior records ASReview's run of its seed drew: 'ASReview' is "
              "its mean WSS@95 over those runs (min–max beside), 'wins' the runs where screenrev's WSS@95 is "
              "higher, 'README' the figure of ../shared/data/README.md; screenrev must beat the mean")
    else:
        print("Priors drawn by each seed; ASReview's figures are those of ../shared/data/README.md "
              "(make asreview to run it here, from the same priors)")
    print(f"{'set':<24}{'N':>6}{'P':>5}{'WSS@95':>8}{'min':>7}{'max':>7}{'WSS@100':>9}{'R@10%':>7}"
          f"{'ATD':>7}{'ASReview':>10}  {'beaten':<7}{'retrain s':>10}"
          + (f"  {'its min–max':<13}{'wins':>5}{'README':>8}" if asreview else ""))
    measured = {
        name: asreview_runs.runs(asreview, SETS[name], seeds, ROOT / "bench" / "out" / "asreview.json")
        for name in names
    } if asreview else {}
    for name in names:  # built once here, and shared with the workers
        labels = _labelled(name)[0]
        if measured and labels != asreview_runs.labels(SETS[name]):
            sys.exit(f"{SETS[name]}: screenrev reads the records in another order than the file's rows")
    jobs = [(name, seed, measured[name][number].priors if measured else None, every_record)
            for name in names for number, seed in enumerate(seeds)]
    with multiprocessing.get_context("fork").Pool() as pool:
        done = pool.imap(_replay, jobs)
        beaten, wss, theirs = 0, [], []
        for name in names:
            runs = [next(done) for _ in seeds]
            scores = [run["wss95"] for run in runs]
            mean = statistics.fmean(scores)
            target = statistics.fmean(run.wss95 for run in measured[name]) if measured else ASREVIEW[name]
            theirs.append(target)
            won = mean > target
            beaten += won
            wss.append(mean)
            wins = sum(ours > theirs_.wss95 for ours, theirs_ in zip(scores, measured[name])) if measured else 0
            print(
                f"{name:<24}{runs[0]['records']:>6}{runs[0]['relevant']:>5}{mean:>8.3f}{min(scores):>7.3f}"
                f"{max(scores):>7.3f}{statistics.fmean(run['wss100'] for run in runs):>9.3f}"
                f"{statistics.fmean(run['recall_at_10'] for run in runs):>7.2f}"
                f"{statistics.fmean(run['atd'] for run in runs):>7.3f}{target:>10.3f}  {'yes' if won else 'NO':<7}"
                f"{sum(run['seconds'] for run in runs) / sum(run['trainings'] for run in runs):>10.4f}"
                + (f"  {min(r.wss95 for r in measured[name]):.3f}–{max(r.wss95 for r in measured[name]):.3f}"
                   f"{wins:>4}/{len(seeds)}{ASREVIEW[name]:>7.3f}" if measured else ""),
                flush=True,
            )
    print(f"Mean WSS@95 over the {len(names)} sets: {statistics.fmean(wss):.3f} "
          f"(ASReview: {statistics.fmean(theirs):.3f}); ASReview beaten on {beaten} of {len(names)} sets")
    return beaten == len(names)


@functools.cache
def _labelled(name: str) -> tuple:
    review = read_labelled(SETS[name], "label_included")
    return review.labels, features_of(review.records)


def _replay(job: tuple) -> dict:
    """One simulation run (in a worker process), as plain numbers."""
    name, seed, priors, every_record = job
    labels, features = _labelled(name)
    run = simulate(features, labels, seed=seed, priors=priors,
                   **({"interval": lambda labelled: 1} if every_record else {}))
    measures = run.metrics
    return {
        "records": run.records, "relevant": run.relevant, "wss95": measures.wss95, "wss100": measures.wss100,
        "recall_at_10": measures.recall_at_10, "atd": measures.atd, "seconds": run.training_seconds,
        "trainings": run.trainings,
    }


def corpus() -> tuple[list[str], list[int]]:
    """The 50,000-record speed corpus (see the module docstring) and its labels."""
    texts, labels = [], []
    for name in SETS:
        review = read_labelled(SETS[name], "label_included")
        texts += [record_text(record) for record in review.records]
        labels += review.labels
    DISTINCT[0] = len(texts)
    copies = -(-SPEED_RECORDS // len(texts))
    return (texts * copies)[:SPEED_RECORDS], (labels * copies)[:SPEED_RECORDS]


def speed() -> bool:
    texts, labels = corpus()
    size = sum(len(text) for text in texts) / len(texts)
    print(f"\nSpeed at {len(texts):,} records (the 15 sets' {DISTINCT[0]:,} records repeated in set order, "
          f"cut at {len(texts):,}; {size:,.0f} characters of text each on average)")
    ok = True
    for bigrams in (False, True):
        what = (
            "text words and word pairs (option not used by the model)"
            if bigrams else "text words, title words and word pairs (the model's features)"
        )
        print(f" {what}:")
        started = time.perf_counter()
        features = build_features(texts, bigrams=bigrams)
        seconds = time.perf_counter() - started
        met = seconds < TARGET_FEATURES
        verdict = "" if bigrams else f": {'met' if met else 'NOT MET'}"
        ok &= met or bigrams
        print(f"  features: {seconds:.2f} s for {features.model_matrix.shape[1]:,} terms, "
              f"{features.model_matrix.nnz:,} entries "
              f"(target < {TARGET_FEATURES:g} s, ASReview {ASREVIEW_FEATURES:g} s){verdict}")
        for count in (10, 2000):
            seconds = _retrain_seconds(features, np.asarray(labels), count)
            met = seconds < TARGET_RETRAIN
            target = f"target < {TARGET_RETRAIN:g} s, " if count == 2000 else ""
            verdict = f": {'met' if met else 'NOT MET'}" if count == 2000 and not bigrams else ""
            ok &= met or bigrams or count != 2000
            print(f"  retrain + rescore + reorder with {count:,} labels: {seconds:.3f} s (median of 7; "
                  f"{target}ASReview {ASREVIEW_RETRAIN[count]:g} s){verdict}")
        del features
    return ok


def _retrain_seconds(features, labels: np.ndarray, count: int) -> float:
    """Median time of ``rank_records`` with ``count`` seeded random records labelled (5 % included)."""
    rng = np.random.default_rng(0)
    relevant = rng.choice(np.flatnonzero(labels == 1), max(1, count // 20), replace=False)
    irrelevant = rng.choice(np.flatnonzero(labels == 0), count - len(relevant), replace=False)
    decisions = {int(p): int(labels[p]) for p in np.concatenate([relevant, irrelevant])}
    times = []
    for _ in range(7):
        started = time.perf_counter()
        rank_records(features, decisions, seed=0)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS), help="sets to simulate")
    parser.add_argument("--seeds", type=int, default=10, help="runs per set (seeds 0, 1, …; at least 3)")
    parser.add_argument("--no-speed", action="store_true", help="skip the 50,000-record speed section")
    parser.add_argument("--no-quality", action="store_true", help="only the speed section")
    parser.add_argument("--every-record", action="store_true", help="retrain after every record")
    parser.add_argument("--asreview", metavar="COMMAND",
                        help="an asreview command (3.0.8) to run on the same sets and seeds "
                             "(default: .asreview/bin/asreview, made by make asreview, when it exists)")
    parser.add_argument("--no-asreview", action="store_true", help="use the README's ASReview figures only")
    options = parser.parse_args()
    if not SCREENING.is_dir():
        sys.exit(f"{SCREENING} not found: the benchmark needs ../shared/data")
    ok = True
    if not options.no_quality:
        asreview = None if options.no_asreview else asreview_runs.find(options.asreview, ROOT)
        ok &= quality(options.sets, list(range(options.seeds)), options.every_record, asreview)
    if not options.no_speed:
        ok &= speed()
    print("\nAll targets met." if ok else "\nSome targets NOT met (see above).")


if __name__ == "__main__":
    main()
