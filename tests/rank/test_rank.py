"""The ranking library: features, model, cold start, stopping maths, simulation metrics."""

import csv
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import hypergeom
from sklearn.feature_extraction.text import TfidfVectorizer

from screenrev.errors import InputError, RankingError
from screenrev.rank.coldstart import seeded_order
from screenrev.rank.features import TITLE_WEIGHT, build_features, features_of, record_text
from screenrev.rank.labelled import read_labelled
from screenrev.rank.metrics import screening_metrics
from screenrev.rank.plot import recall_plot
from screenrev.rank.ranking import rank_records, retrain_interval
from screenrev.rank.simulate import simulate
from screenrev.rank.stopping import (
    hypergeometric_p,
    irrelevant_in_a_row,
    random_sample_needed,
    random_sample_p,
    smallest_total_under_h0,
    stopping_estimate,
)

from ..conftest import DATA

NAGTEGAAL = DATA / "screening" / "nagtegaal_2019_first200.csv"


@pytest.fixture(scope="module")
def nagtegaal():
    review = read_labelled(NAGTEGAAL)
    return review, features_of(review.records)


# --- features -----------------------------------------------------------------------------


@pytest.mark.parametrize("bigrams", [False, True])
def test_features_are_those_of_scikit_learns_tfidf_vectorizer(nagtegaal, bigrams: bool) -> None:
    review, _ = nagtegaal
    texts = [record_text(record) for record in review.records]
    features = build_features(texts, bigrams=bigrams)
    ngrams = (1, 2) if bigrams else (1, 1)
    reference = TfidfVectorizer(ngram_range=ngrams, sublinear_tf=True, max_df=0.95).fit_transform(texts)
    assert features.matrix.shape == reference.shape
    assert features.matrix.nnz == reference.nnz
    # Columns are numbered differently; the record-by-record similarities must agree.
    ours = (features.matrix @ features.matrix.T).toarray()
    theirs = (reference @ reference.T).toarray()
    assert np.abs(ours - theirs).max() < 1e-5


def test_record_text_joins_title_abstract_and_keywords() -> None:
    record = {"title": "Nudges", "abstract": "Defaults matter.", "keywords": ["choice architecture", "health"]}
    assert record_text(record) == "Nudges\nDefaults matter.\nchoice architecture; health"
    assert record_text({"title": None, "abstract": None, "keywords": []}) == "\n"
    # The first line is the title, even when the title was broken over lines.
    assert record_text({"title": "Nudges\nand defaults", "abstract": "Text."}) == "Nudges and defaults\nText."


def test_features_handle_empty_records_and_other_alphabets() -> None:
    features = build_features(["Ünïcode café – naïve test_word", "", "a b c"], bigrams=True)
    assert features.records == 3
    assert features.matrix[1].nnz == 0 and features.matrix[2].nnz == 0  # one-letter words are dropped
    row = features.matrix[0].toarray().ravel()
    assert math.isclose(float(row @ row), 1.0, rel_tol=1e-5)
    # café – naïve: the dash is not a word, so "café naïve" is a bigram: 4 words + 3 bigrams.
    assert features.terms == 7
    assert build_features(["Ünïcode café – naïve test_word", "", "a b c"]).terms == 4


def test_model_matrix_puts_the_weighted_title_block_beside_the_text() -> None:
    texts = ["school meals nudge\nchildren chose fruit", "children chose fruit\nschool meals nudge", "\nno title"]
    features = build_features(texts)
    model = features.model_matrix
    # Text words (6 in the first two, 2 in the third) then title words and word pairs (3 + 2 per title).
    assert features.terms == 8
    assert model.shape == (3, 8 + 5 + 5)
    assert np.allclose(np.asarray(model.multiply(model).sum(axis=1)).ravel(), 1.0, atol=1e-5)
    # Same words, different titles: the text block alone cannot tell the records apart.
    assert (features.matrix[0] != features.matrix[1]).nnz == 0
    assert (model[0] != model[1]).nnz > 0
    # Each block has unit rows before weighting: the title block holds TITLE_WEIGHT² of the squared length.
    title_part = model[0, features.terms:].toarray().ravel()
    assert float(title_part @ title_part) == pytest.approx(TITLE_WEIGHT**2 / (1 + TITLE_WEIGHT**2), rel=1e-5)
    # Without a title, the row is the text's row.
    assert np.allclose(model[2, : features.terms].toarray(), features.matrix[2].toarray())
    assert model[2, features.terms:].nnz == 0


def test_features_are_deterministic(nagtegaal) -> None:
    review, features = nagtegaal
    again = features_of(review.records)
    assert (features.matrix != again.matrix).nnz == 0
    assert (features.model_matrix != again.model_matrix).nnz == 0
    assert np.array_equal(features.term_keys, again.term_keys)
    with_pairs = features_of(review.records, bigrams=True)
    assert (with_pairs.matrix != features_of(review.records, bigrams=True).matrix).nnz == 0


@pytest.mark.parametrize("bigrams", [False, True])
def test_query_vector_matches_the_vectorizer(bigrams: bool) -> None:
    texts = ["Oral hypoglycemic agents in type 2 diabetes", "Migraine and triptans: a review",
             "Triptans for migraine in children", "diabetes diet"]
    features = build_features(texts, bigrams=bigrams)
    ngrams = (1, 2) if bigrams else (1, 1)
    vectorizer = TfidfVectorizer(ngram_range=ngrams, sublinear_tf=True, max_df=0.95).fit(texts)
    query = "triptans for migraine, unknownword"
    expected = (vectorizer.transform(texts) @ vectorizer.transform([query]).T).toarray().ravel()
    assert np.allclose(features.matrix @ features.query_vector(query), expected, atol=1e-6)
    assert not features.query_vector("nothing known here").any()


# --- ranking and cold start ---------------------------------------------------------------


def _decisions(review, count: int) -> dict[int, int]:
    """The first ``count`` records' labels, with at least one of each."""
    return {position: review.labels[position] for position in range(count)}


def test_same_seed_same_order(nagtegaal) -> None:
    review, features = nagtegaal
    decisions = _decisions(review, 40)
    assert 0 < sum(decisions.values()) < 40
    first = rank_records(features, decisions, seed=7)
    second = rank_records(features, decisions, seed=7)
    assert first.method == "model"
    assert np.array_equal(first.order, second.order)
    assert np.array_equal(first.scores, second.scores)


def test_ranking_orders_every_undecided_record_once_by_score(nagtegaal) -> None:
    review, features = nagtegaal
    decisions = _decisions(review, 40)
    ranking = rank_records(features, decisions, seed=1)
    assert sorted(ranking.order.tolist()) == list(range(40, features.records))
    scores = ranking.scores[ranking.order]
    assert (np.diff(scores) <= 0).all()


def test_model_puts_relevant_records_first(nagtegaal) -> None:
    review, features = nagtegaal
    decisions = _decisions(review, 100)
    ranking = rank_records(features, decisions, seed=0)
    labels = np.asarray(review.labels)[ranking.order]
    relevant_left = int(labels.sum())
    assert relevant_left > 0
    # Better than reading in random order: the first half holds more than half of them.
    assert labels[: len(labels) // 2].sum() > relevant_left / 2


def test_cold_start_orders_by_similarity_to_the_query() -> None:
    texts = ["Nudging healthy food choices in canteens", "Bridge engineering loads",
             "Defaults and nudges for healthy eating", "Soil erosion in river basins",
             "Choice architecture in cafeterias"]
    features = build_features(texts)
    ranking = rank_records(features, {}, seed=3, query="healthy eating nudges")
    assert ranking.method == "query"
    assert ranking.order.tolist()[:2] == [2, 0]
    # The records sharing no word with the query come after, in the seeded order.
    tail = [position for position in seeded_order(5, 3) if position in (1, 3, 4)]
    assert ranking.order.tolist()[2:] == tail


def test_cold_start_uses_included_records_before_any_exclusion() -> None:
    texts = ["migraine triptan trial", "migraine triptan review", "hip fracture surgery", "fracture fixation"]
    features = build_features(texts)
    ranking = rank_records(features, {0: 1}, seed=0)
    assert ranking.method == "query"
    assert ranking.order.tolist()[0] == 1


def test_cold_start_without_query_is_the_seeded_order() -> None:
    features = build_features(["alpha beta", "gamma delta", "epsilon zeta", "eta theta"])
    ranking = rank_records(features, {2: 0}, seed=11, query="")
    assert ranking.method == "seeded"
    assert ranking.order.tolist() == [p for p in seeded_order(4, 11).tolist() if p != 2]
    assert rank_records(features, {}, seed=11, query="words nobody used").method == "seeded"


def test_decisions_must_be_include_or_exclude() -> None:
    features = build_features(["alpha beta", "gamma delta"])
    with pytest.raises(ValueError):
        rank_records(features, {0: 2}, seed=0)
    with pytest.raises(ValueError):
        rank_records(features, {5: 1}, seed=0)


def test_retraining_interval_grows_with_the_labels() -> None:
    assert [retrain_interval(n) for n in (0, 1, 99, 1000, 1999)] == [1, 1, 1, 1, 1]
    assert retrain_interval(2000) == 2
    assert retrain_interval(50_000) == 50


# --- stopping -----------------------------------------------------------------------------


def test_hypergeometric_p_worked_by_hand() -> None:
    # 10 records, 5 screened: 1 1 0 0 0. Target 50 %: H0 needs at least floor(2/0.5)+1 = 5
    # relevant in all. Urns of the last m screened plus the 5 unscreened:
    #   m=1: 0 of 1 from 6 holding 3 → 3/6;   m=2: 0 of 2 from 7 holding 3 → C(4,2)/C(7,2) = 6/21
    #   m=3: 0 of 3 from 8 holding 3 → C(5,3)/C(8,3) = 10/56
    #   m=4: ≤1 of 4 from 9 holding 4 → (5 + 40)/126;   m=5: ≤2 of 5 from 10 holding 5 → 126/252
    p = hypergeometric_p([1, 1, 0, 0, 0], 10, recall_target=0.5)
    assert p == pytest.approx(10 / 56)
    assert p == pytest.approx(hypergeom.cdf(0, 8, 3, 3))


def test_h0_needs_strictly_more_relevant_than_target_allows() -> None:
    # 19 found: a total of 20 is recall 95 % exactly (not below), so H0 needs 21.
    assert smallest_total_under_h0(19, 0.95) == 21
    assert smallest_total_under_h0(18, 0.95) == 19
    assert smallest_total_under_h0(0, 0.95) == 1


def test_p_value_at_the_extremes() -> None:
    assert hypergeometric_p([], 100) == 1.0
    assert hypergeometric_p([1, 0, 1, 0], 4) == 0.0  # everything screened: nothing can be missing
    estimate = stopping_estimate([1, 0, 1, 0], 4)
    assert estimate.met and estimate.random_sample_needed == 0


def test_long_run_of_irrelevant_records_meets_the_criterion() -> None:
    # 50 found: H0 leaves at least 3 relevant among the last 4,000 screened and the 950
    # unscreened; finding none of them in 4,000 draws has probability about (950/4950)^3.
    labels = [1] * 50 + [0] * 4000
    estimate = stopping_estimate(labels, 5000, recall_target=0.95, confidence=0.95)
    assert estimate.met
    assert estimate.p_value == pytest.approx(hypergeom.cdf(0, 4950, 3, 4000))
    assert estimate.p_value < 0.05
    assert estimate.irrelevant_in_a_row == 4000
    assert estimate.relevant_found == 50 and estimate.screened == 4050 and estimate.records == 5000
    assert "screening can stop" in estimate.sentence
    early = stopping_estimate(labels[:80], 5000)
    assert not early.met
    assert early.irrelevant_in_a_row == 30
    assert early.random_sample_needed > 0
    assert f"{early.random_sample_needed:,}" in early.sentence


def test_random_sample_needed_by_brute_force() -> None:
    # 19 relevant found, 1,000 left: H0 leaves at least 2 relevant among them. A random
    # sample of m with none relevant has probability C(998, m) / C(1000, m).
    expected = next(
        m for m in range(1001) if Fraction(math.comb(998, m), math.comb(1000, m)) < Fraction(1, 20)
    )
    assert random_sample_needed(19, 1000, recall_target=0.95, confidence=0.95) == expected
    assert random_sample_p([0] * expected, 1000, 19) < 0.05
    assert random_sample_p([0] * (expected - 1), 1000, 19) >= 0.05


def test_random_sample_is_the_last_urn_of_the_ranked_test() -> None:
    # Screening a random sample last: its urn (sample + unscreened) is the random-sample test.
    ranked = [1, 1, 0, 1, 0, 0]
    sample = [0, 1, 0, 0]
    p_sample = random_sample_p(sample, 200 - len(ranked), relevant_before=3, recall_target=0.8)
    found = 4
    needed = smallest_total_under_h0(found, 0.8) - 3
    assert p_sample == pytest.approx(hypergeom.cdf(1, 194, needed, 4))
    assert hypergeometric_p(ranked + sample, 200, recall_target=0.8) <= p_sample


def test_irrelevant_in_a_row() -> None:
    assert irrelevant_in_a_row([1, 0, 0, 1, 0, 0, 0]) == 3
    assert irrelevant_in_a_row([0, 0]) == 2
    assert irrelevant_in_a_row([0, 1]) == 0
    assert irrelevant_in_a_row([]) == 0


# --- metrics and simulation ---------------------------------------------------------------


def test_metrics_worked_by_hand() -> None:
    # 20 records, 4 relevant; the first two are the priors (1 included, 1 excluded).
    labels = [1, 0, 1, 0, 0, 1, 0, 0, 0, 1]
    metrics = screening_metrics(labels, 20, 4, priors=2)
    assert metrics.wss95 == pytest.approx((20 - 10) / 20 - 0.05)  # ceil(3.8) = 4 found at 10
    assert metrics.wss100 == pytest.approx(0.5)
    assert metrics.recall_at_10 == pytest.approx(1 / 4)  # first 2 records
    assert metrics.recall_at_25 == pytest.approx(2 / 4)  # first 5 records
    assert metrics.last_relevant == 10
    assert metrics.atd == pytest.approx((3 + 6 + 10) / 3 / 20)


def test_wss95_stops_at_95_percent_of_the_relevant_records() -> None:
    labels = [1] * 19 + [0] * 30 + [1]
    metrics = screening_metrics(labels, 100, 20)
    assert metrics.wss95 == pytest.approx((100 - 19) / 100 - 0.05)
    assert metrics.last_relevant == 50


TINY = [
    "feline whiskers cat behaviour study",  # relevant
    "car engine repair manual",
    "cat whiskers and feline senses",  # relevant
    "engine oil for cars",
    "feline cat nutrition whiskers",  # relevant
    "car tyres and engine noise",
    "repair of car brakes",
    "engine cooling in cars",
]
TINY_LABELS = [1, 0, 1, 0, 1, 0, 0, 0]


def test_simulation_on_a_tiny_review_worked_by_hand() -> None:
    run = simulate(build_features(TINY), TINY_LABELS, seed=0)
    # Priors: one relevant, one irrelevant; the model then finds the other two at once.
    assert run.priors == 2
    assert TINY_LABELS[run.order[0]] == 1 and TINY_LABELS[run.order[1]] == 0
    assert run.labels.tolist() == [1, 0, 1, 1]
    assert run.metrics.last_relevant == 4
    assert run.metrics.wss95 == pytest.approx((8 - 4) / 8 - 0.05)  # ceil(2.85) = 3 found at 4
    assert run.metrics.wss100 == pytest.approx(0.5)
    assert run.metrics.recall_at_10 == pytest.approx(1 / 3)  # ceil(0.8) = 1 record
    assert run.metrics.recall_at_25 == pytest.approx(1 / 3)  # 2 records
    assert run.metrics.atd == pytest.approx((3 / 8 + 4 / 8) / 2)
    assert run.recall.tolist() == pytest.approx([1 / 3, 1 / 3, 2 / 3, 1.0])


def test_simulation_is_deterministic(nagtegaal) -> None:
    review, features = nagtegaal
    first = simulate(features, review.labels, seed=5)
    second = simulate(features, review.labels, seed=5)
    assert np.array_equal(first.order, second.order)
    assert first.metrics == second.metrics
    assert sorted(set(first.order.tolist())) == sorted(first.order.tolist())  # no record twice
    other = simulate(features, review.labels, seed=6)
    assert first.order[:2].tolist() != other.order[:2].tolist()  # other priors


def test_simulation_priors_are_drawn_as_asked(nagtegaal) -> None:
    review, features = nagtegaal
    run = simulate(features, review.labels, seed=2, prior_included=3, prior_excluded=4)
    assert run.priors == 7
    assert [review.labels[p] for p in run.order[:7]] == [1, 1, 1, 0, 0, 0, 0]
    with pytest.raises(RankingError, match="only 13 are included"):
        simulate(features, review.labels, seed=2, prior_included=14)


def test_simulation_starts_from_named_priors(nagtegaal) -> None:
    review, features = nagtegaal
    labels = np.asarray(review.labels)
    named = [int(np.flatnonzero(labels == 1)[5]), int(np.flatnonzero(labels == 0)[40])]
    run = simulate(features, review.labels, seed=9, priors=named)
    assert run.order[:2].tolist() == named and run.priors == 2
    # The seed no longer chooses the start: another seed from the same priors screens the same first record.
    other = simulate(features, review.labels, seed=3, priors=named)
    assert other.order[:2].tolist() == named
    assert run.metrics == simulate(features, review.labels, seed=9, priors=named).metrics
    with pytest.raises(RankingError, match="prior record 200 does not exist: the records are 0 to 199"):
        simulate(features, review.labels, seed=0, priors=[3, 200])
    with pytest.raises(RankingError, match="named twice"):
        simulate(features, review.labels, seed=0, priors=[named[0], named[0]])


def test_simulation_needs_a_relevant_record() -> None:
    with pytest.raises(RankingError, match="no record is labelled relevant"):
        simulate(build_features(TINY), [0] * len(TINY), seed=0)


def test_every_record_retraining_is_an_option() -> None:
    run = simulate(build_features(TINY), TINY_LABELS, seed=0, interval=lambda labelled: 1)
    assert run.trainings == len(run.order) - run.priors


# --- reading labelled data and plotting ----------------------------------------------------


def test_read_labelled_finds_the_label_column(nagtegaal) -> None:
    review, _ = nagtegaal
    assert review.name == "nagtegaal_2019_first200"
    assert review.label_column == "label_included"
    assert len(review.labels) == 200 and sum(review.labels) == 13
    screening = read_labelled(NAGTEGAAL, "label_abstract_screening")
    assert sum(screening.labels) > sum(review.labels)


def test_read_labelled_names_file_line_and_column(tmp_path) -> None:
    with NAGTEGAAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:6]
    column = rows[0].index("label_included")
    rows[4][column] = "maybe"  # the fourth record, on line 5
    path = tmp_path / "labelled.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(InputError) as caught:
        read_labelled(path)
    assert str(caught.value).startswith(f"{path}:5: label_included: label 'maybe' is not one of")
    rows[4][column] = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(InputError, match=r":5: label_included: missing label"):
        read_labelled(path)
    with pytest.raises(InputError, match="no column 'decision'"):
        read_labelled(path, "decision")


def test_label_values_in_words(tmp_path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("title,abstract,included\nA,x,Yes\nB,y,no\nC,z,TRUE\nD,w,exclude\n", encoding="utf-8")
    assert read_labelled(path).labels == [1, 0, 1, 0]


def test_recall_plot_is_deterministic(nagtegaal) -> None:
    review, features = nagtegaal
    runs = [simulate(features, review.labels, seed=seed) for seed in (0, 1)]
    svg = recall_plot(runs, title="Nagtegaal", format="svg")
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert recall_plot(runs, title="Nagtegaal", format="svg") == svg
    png = recall_plot(runs, title="Nagtegaal", format="png")
    assert png.startswith(b"\x89PNG")


def test_the_hypergeometric_cdf_is_scipys() -> None:
    from scipy.stats import hypergeom

    from screenrev.rank.stopping import hypergeom_cdf

    rng = np.random.default_rng(7)
    population = rng.integers(1, 5000, 3000)
    successes = rng.integers(0, population + 1)
    draws = rng.integers(0, population + 1)
    k = rng.integers(0, 80, 3000)
    assert np.allclose(hypergeom_cdf(k, population, successes, draws), hypergeom.cdf(k, population, successes, draws),
                       rtol=1e-9, atol=1e-12)
    for case in [(0, 10, 0, 5), (0, 10, 10, 5), (3, 10, 3, 10), (0, 1, 1, 1), (2, 20, 5, 0)]:
        assert hypergeom_cdf(*case) == pytest.approx(hypergeom.cdf(*case), abs=1e-12)
