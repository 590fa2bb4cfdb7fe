"""The relevance model: a linear classifier trained on the human decisions so far.

One configuration serves every review (``MODEL``, chosen on fifteen labelled reviews by
``bench/rank.py``): a linear support vector machine (scikit-learn's ``LinearSVC``,
squared hinge loss) on the TF-IDF word features with the title block beside them
(``Features.model_matrix``), trained on

* the labelled records, the included ones weighted so that together they count
  ``relevant_weight`` times as much as all the excluded ones together (reviews have few
  includes, and missing one costs far more than reading one irrelevant record);
* ``presumed_irrelevant`` records drawn at random (by the seed) from the unlabelled ones
  and trained on as excluded, as in Cormack & Grossman's baseline model implementation
  for technology-assisted review: most unlabelled records are irrelevant, and the random
  draw tells the model what an ordinary record of this search looks like. A new draw is
  made for every training, so a relevant record drawn once is not held down.

Its decision value is the record's score: higher means more likely relevant.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from .features import Features


@dataclass(frozen=True)
class ModelSettings:
    """How the relevance model is trained."""

    c: float = 0.3
    """Inverse regularisation strength of the SVM (smaller: smoother, more general weights)."""
    relevant_weight: float = 100.0
    """Total weight of the included records relative to the total weight of the excluded ones."""
    presumed_irrelevant: int = 200
    """Unlabelled records drawn at random and trained on as excluded."""
    tolerance: float = 1e-3
    """Stopping tolerance of the solver (finer changes the order very little and costs time)."""


# An SVM stopped at max_iter still ranks well; its warning would only alarm the user. The
# filter is set once, for this warning of scikit-learn's SVMs only: ``warnings.catch_warnings``
# around each training would change every thread's filters while ``review`` retrains in one.
warnings.filterwarnings("ignore", category=ConvergenceWarning, module=r"sklearn\.svm")

#: The configuration used by ``rank``, ``review`` and ``simulate``.
MODEL = ModelSettings()


def sample_weights(labels: np.ndarray, relevant_weight: float) -> np.ndarray:
    """Per-record training weights: includes together ``relevant_weight`` × the excludes, mean 1."""
    included = int(labels.sum())
    excluded = len(labels) - included
    weights = np.where(labels == 1, 1.0, included / (relevant_weight * excluded))
    return weights * (len(labels) / weights.sum())


def presumed_irrelevant(records: int, labelled: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` unlabelled records drawn by the seed and the number labelled (the same call, the same draw)."""
    unlabelled = np.ones(records, dtype=bool)
    unlabelled[labelled] = False
    candidates = np.flatnonzero(unlabelled)
    rng = np.random.default_rng([seed, len(labelled)])
    return np.sort(rng.choice(candidates, min(count, len(candidates)), replace=False))


def relevance_scores(
    features: Features,
    labelled: Sequence[int] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    *,
    seed: int,
    settings: ModelSettings = MODEL,
) -> np.ndarray:
    """Train on the labelled records (1 include, 0 exclude) and score every record.

    Needs at least one include and one exclude. The same inputs and seed give the same
    scores (the presumed irrelevant records and the solver's order come from the seed).
    """
    labelled = np.asarray(labelled, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    if len(labelled) != len(labels):
        raise ValueError("one label per labelled record")
    if not (labels == 1).any() or not (labels == 0).any():
        raise ValueError("training needs at least one include and one exclude")
    presumed = presumed_irrelevant(features.records, labelled, settings.presumed_irrelevant, seed)
    training = np.concatenate([labelled, presumed])
    targets = np.concatenate([labels, np.zeros(len(presumed), dtype=np.int64)])
    classifier = LinearSVC(
        C=settings.c, loss="squared_hinge", dual=True, tol=settings.tolerance, random_state=seed % 2**32,
        max_iter=5000,
    )
    classifier.fit(
        features.model_matrix[training], targets, sample_weight=sample_weights(targets, settings.relevant_weight)
    )
    # float32 weights keep the product in float32: a float64 vector would copy the matrix.
    weights = classifier.coef_.ravel().astype(np.float32)
    return features.model_matrix @ weights + np.float32(classifier.intercept_[0])
