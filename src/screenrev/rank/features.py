"""Text features for ranking: TF-IDF over words (and optionally word pairs), built in one pass.

The text of a record is its title, abstract and keywords (``record_text``). Words are
what scikit-learn's ``TfidfVectorizer`` calls tokens (runs of two or more letters, digits
or underscores, lowercased); with ``bigrams=True`` two words in a row within a record are
a term too. Each term's weight is ``(1 + log tf) · idf`` with ``idf = log((1 + n) /
(1 + df)) + 1``, and each record's row has unit length: the same numbers as
``TfidfVectorizer(sublinear_tf=True, max_df=0.95)`` (with ``ngram_range=(1, 2)`` for
bigrams), computed several times faster.

Ranking uses words only (``BIGRAMS``): on the fifteen labelled reviews of
``bench/rank.py`` word pairs raised WSS@95 on a few (Opiods, Nagtegaal) and lowered
it on more (mean 0.463 against 0.478 with words alone, 5 seeds each), while they
triple the entries of the matrix and so the time to retrain and rescore.

The model trains on ``model_matrix``: these text features side by side with the title's
own words and word pairs (TF-IDF over the titles, the title being the text's first line
as ``record_text`` writes it), the title block weighted ``TITLE_WEIGHT`` and each row
scaled back to unit length. A title states what a study is about in a few words, and
its word pairs are few (they add a tenth to the matrix, not twice its size). With the
title block and 200 presumed irrelevant records (``model.ModelSettings``), the mean
WSS@95 of the fifteen reviews went from 0.482 to 0.486 (10 seeds) and ASReview was
beaten on 10 sets instead of 9 (Opiods: 0.235 against 0.211).

Speed: the vectoriser builds Python strings per term. Here each record is split by
byte-level translation, words become integer ids through one dictionary, and the
(term, record) pairs are counted by sorting 64-bit integers. Terms are numbered in a
fixed order (words by first appearance, then bigrams by their word ids), so the same
records always give the same matrix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import scipy.sparse as sp

from ..records.parse import bulk

#: Terms in more than this share of the records say nothing about relevance.
MAX_DOCUMENT_SHARE = 0.95
#: Whether ranking features include word pairs (see the module docstring).
BIGRAMS = False
#: Weight of the title block in ``Features.model_matrix`` (each block has unit-length rows).
TITLE_WEIGHT = 0.3

# Every byte that cannot be part of a word becomes a space. Bytes of non-ASCII
# characters are kept (letters of other alphabets are word characters); non-ASCII
# punctuation is turned into spaces first by _NON_WORD, only in texts that have any.
_WORD_BYTES = bytes(b if (chr(b).isalnum() or b == 95 or b >= 128) else 32 for b in range(256))
_NON_WORD = re.compile(r"[^\w\x00-\x7f]")


@dataclass(frozen=True, eq=False)
class Features:
    """The feature matrix of a set of records, one row per record in the order given."""

    matrix: sp.csr_matrix
    """Records × terms, float32, rows of unit length (a record without words is all zeros)."""
    vocabulary: dict[bytes, int]
    """Word → word number (every word seen, including dropped ones)."""
    term_keys: np.ndarray
    """The key of each column's term, ascending (see ``_term_key``)."""
    idf: np.ndarray
    """Inverse document frequency of each column's term."""
    bigrams: bool
    """Whether pairs of words in a row are terms too."""
    model_matrix: sp.csr_matrix
    """What the model trains on: ``matrix`` and the title block (words and word pairs of
    the first line) weighted ``TITLE_WEIGHT``, side by side, rows of unit length."""

    @property
    def records(self) -> int:
        """Number of records (rows)."""
        return self.matrix.shape[0]

    @property
    def terms(self) -> int:
        """Number of distinct terms (columns)."""
        return self.matrix.shape[1]

    def query_vector(self, text: str) -> np.ndarray:
        """A text's unit-length TF-IDF vector over these features' terms (zeros for unknown words)."""
        # -1 marks a word the records never use: it matches nothing and breaks bigrams.
        ids = np.asarray([self.vocabulary.get(word, -1) for word in words(text) if _long_enough(word)], dtype=np.int64)
        vector = np.zeros(self.terms, dtype=np.float32)
        if not (ids >= 0).any():
            return vector
        keys = ids[ids >= 0]
        if self.bigrams:
            both = (ids[:-1] >= 0) & (ids[1:] >= 0)
            pairs = _bigram_keys(ids[:-1][both], ids[1:][both], len(self.vocabulary), self.records)
            keys = np.concatenate([keys, pairs])
        keys, counts = np.unique(keys, return_counts=True)
        columns = np.searchsorted(self.term_keys, keys)
        found = columns < len(self.term_keys)
        found[found] = self.term_keys[columns[found]] == keys[found]
        columns, counts = columns[found], counts[found]
        vector[columns] = (1.0 + np.log(counts)) * self.idf[columns]
        length = float(np.linalg.norm(vector))
        return vector / length if length else vector


def record_text(record: dict) -> str:
    """The text a record is ranked on: title (on the first line), abstract and keywords, one per line."""
    # The title block of the features is the first line: a title broken over lines stays on one.
    parts = [" ".join((record.get("title") or "").splitlines()), record.get("abstract") or ""]
    keywords = record.get("keywords") or []
    if keywords:
        parts.append("; ".join(keywords))
    return "\n".join(parts)


def words(text: str) -> list[bytes]:
    """The words of a text, lowercased and UTF-8 encoded (one-character words included)."""
    text = text.lower()
    if not text.isascii():
        text = _NON_WORD.sub(" ", text)
    return text.encode("utf-8").translate(_WORD_BYTES).split()


def _long_enough(word: bytes) -> bool:
    """Two characters or more (not bytes: "â" is two bytes in UTF-8 but one letter)."""
    return len(word) > 1 and (word.isascii() or len(word.decode("utf-8")) > 1)


def build_features(texts: Iterable[str], *, bigrams: bool = BIGRAMS) -> Features:
    """TF-IDF features (words, and word pairs with ``bigrams``; sublinear tf; unit rows) of the texts."""
    # Millions of small objects, none in a reference cycle: collecting garbage while they
    # are made costs time and finds nothing (``bulk`` pauses it, as the importer does).
    with bulk():
        titles = []
        word_lists = []
        for text in texts:
            titles.append(words(text.partition("\n")[0]))
            word_lists.append(words(text))
        vocabulary, term_keys, idf, matrix = _features(word_lists, bigrams)
        title_matrix = _features(titles, True)[3]
    return Features(matrix, vocabulary, term_keys, idf, bigrams, _side_by_side(matrix, title_matrix, TITLE_WEIGHT))


def _side_by_side(matrix: sp.csr_matrix, titles: sp.csr_matrix, title_weight: float) -> sp.csr_matrix:
    """The two blocks side by side, the second weighted, each row scaled to unit length."""
    combined = sp.hstack([matrix, titles * np.float32(title_weight)], format="csr", dtype=np.float32)
    _normalise_rows(combined)
    return combined


def _features(word_lists: list[list[bytes]], bigrams: bool) -> tuple[dict, np.ndarray, np.ndarray, sp.csr_matrix]:
    """Vocabulary, term keys, idf and matrix of records given as their lists of words (the list is emptied)."""
    n = len(word_lists)
    lengths = np.fromiter(map(len, word_lists), dtype=np.int64, count=n)
    all_words = list(chain.from_iterable(word_lists))
    word_lists.clear()
    # Words numbered by first appearance: dict keeps insertion order.
    vocabulary = {word: number for number, word in enumerate(dict.fromkeys(all_words))}
    ids = np.fromiter(map(vocabulary.__getitem__, all_words), dtype=np.int64, count=len(all_words))
    del all_words
    record = np.repeat(np.arange(n, dtype=np.int64), lengths)
    # One-character words are dropped before bigrams are formed, as scikit-learn does.
    long_enough = np.fromiter(map(_long_enough, vocabulary), dtype=bool, count=len(vocabulary))
    kept = long_enough[ids]
    ids, record = ids[kept], record[kept]
    pairs = _term_pairs(ids, record, len(vocabulary), n, bigrams)
    del ids, record
    matrix, term_keys, idf = _tfidf(pairs, n)
    return vocabulary, term_keys, idf, matrix


def _bigram_keys(
    first: np.ndarray, second: np.ndarray, vocabulary: int, n: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Term keys of bigrams: a word's key is its number, bigram (a, b) is V + a·V + b.

    Keys times ``n`` must fit in 63 bits: with millions of distinct words they are folded
    modulo a bound (collisions are then possible, vanishingly rare and deterministic).
    """
    keys = np.multiply(first, vocabulary, out=out)
    keys += second
    limit = (2**62) // max(n, 1)
    if vocabulary + vocabulary * vocabulary >= limit:
        keys %= limit - vocabulary
    keys += vocabulary
    return keys


def _term_pairs(ids: np.ndarray, record: np.ndarray, vocabulary: int, n: int, bigrams: bool) -> np.ndarray:
    """Every (term, record) occurrence as one int64 ``term key · n + record``, sorted."""
    if not bigrams:
        pairs = ids * n
        pairs += record
        pairs.sort()
        return pairs
    same_record = record[1:] == record[:-1]
    first, second = ids[:-1][same_record], ids[1:][same_record]
    pairs = np.empty(len(ids) + len(first), dtype=np.int64)
    pairs[: len(ids)] = ids
    _bigram_keys(first, second, vocabulary, n, out=pairs[len(ids):])
    pairs *= n
    pairs[: len(ids)] += record
    pairs[len(ids):] += record[1:][same_record]
    pairs.sort()
    return pairs


def _tfidf(pairs: np.ndarray, n: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The unit-length TF-IDF matrix from sorted (term, record) pairs, its term keys and idf."""
    if len(pairs) == 0:
        return sp.csr_matrix((n, 0), dtype=np.float32), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    last = np.empty(len(pairs), dtype=bool)
    np.not_equal(pairs[1:], pairs[:-1], out=last[:-1])
    last[-1] = True
    ends = np.flatnonzero(last)
    del last
    counts = np.diff(ends, prepend=-1).astype(np.float32)
    unique = pairs[ends]
    del pairs, ends
    term = unique // n
    rows = (unique - term * n).astype(np.int32)
    del unique
    new_term = np.empty(len(term), dtype=bool)
    new_term[0] = True
    np.not_equal(term[1:], term[:-1], out=new_term[1:])
    starts = np.flatnonzero(new_term)
    term_keys = term[starts]
    del term, new_term
    df = np.diff(np.append(starts, len(rows)))
    keep_term = df <= MAX_DOCUMENT_SHARE * n
    if not keep_term.all():
        keep = np.repeat(keep_term, df)
        rows, counts, df, term_keys = rows[keep], counts[keep], df[keep_term], term_keys[keep_term]
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    np.log(counts, out=counts)
    counts += 1.0
    counts *= np.repeat(idf, df)
    indptr = np.zeros(len(df) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    matrix = sp.csc_matrix((counts, rows, indptr), shape=(n, len(df))).tocsr()
    _normalise_rows(matrix)
    return matrix, term_keys, idf


def _normalise_rows(matrix: sp.csr_matrix) -> None:
    lengths = np.diff(matrix.indptr)
    squares = np.zeros(matrix.shape[0], dtype=np.float64)
    nonempty = lengths > 0
    if matrix.nnz:
        squares[nonempty] = np.add.reduceat(matrix.data.astype(np.float64) ** 2, matrix.indptr[:-1][nonempty])
    scale = np.ones_like(squares)
    scale[nonempty] = 1.0 / np.sqrt(squares[nonempty])
    matrix.data *= np.repeat(scale.astype(np.float32), lengths)


def features_of(records: Sequence[dict], *, bigrams: bool = BIGRAMS) -> Features:
    """Features of canonical records (see ``record_text``), in the order given."""
    return build_features((record_text(record) for record in records), bigrams=bigrams)
