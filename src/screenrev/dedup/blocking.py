"""Candidate pairs from several blocking passes, so that cost grows close to linearly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from .prepare import STOPWORDS, Prepared

_BLOCK_CAP = 40
"""A block with more records than this is too unspecific to compare in full."""
_WINDOW = 6
"""In a larger block, each record is compared with this many neighbours in title order."""


def candidate_pairs(records: list[Prepared]) -> Iterator[tuple[int, int]]:
    """Pairs of record indexes (smaller first) that share a blocking key, pass by pass.

    Passes: DOI; accession number within a database; each registration number of a
    registry record (the records of one trial meet whatever their titles); the first and
    the last letters of the folded title (and of its translation); the title's two rarest
    words, in three combinations; first author and year (or the year after); volume or
    year, first page and the first author's initial. Records sharing a key are compared in
    full while there are at most ``_BLOCK_CAP`` of them; a larger block is sorted by title,
    author and year and each record is compared with its next ``_WINDOW`` neighbours, so
    exact copies still meet while the cost stays linear.
    """
    document_frequency: dict[str, int] = defaultdict(int)
    for record in records:
        if record.title:
            for word in set(record.title.words):
                document_frequency[word] += 1

    passes: list[dict[str, list[int]]] = [defaultdict(list) for _ in range(8)]
    doi, accession, registration, prefix, suffix, rare, author_year, locator = passes
    for record in records:
        index = record.index
        if record.doi:
            doi[record.doi].append(index)
        if record.source_id:
            accession[record.database + "\x1f" + record.source_id].append(index)
        if record.trial is not None:
            for number in record.trial.ids:
                registration[number].append(index)
        title = record.title
        if title:
            for form in (title.compact, title.alt):
                if len(form) >= 12:
                    prefix[form[:28]].append(index)
                    suffix[form[-40:]].append(index)
            words = sorted(
                {w for w in title.words if len(w) > 2 and w not in STOPWORDS},
                key=lambda w: (document_frequency[w], w),
            )[:3]
            for x in range(len(words)):
                for y in range(x + 1, len(words)):
                    rare[" ".join(sorted((words[x], words[y])))].append(index)
        if record.first_author and record.year is not None:
            # surname and initial: "Wang|2012" alone would gather hundreds in a large review
            name = record.first_author[1] + "|" + record.first_author[2]
            author_year[f"{name}|{record.year}"].append(index)
            author_year[f"{name}|{record.year + 1}"].append(index)  # online first a year earlier
        if record.page is not None and (record.volume is not None or record.year is not None):
            initial = record.first_author[1][:1] if record.first_author else ""
            where = record.volume if record.volume is not None else f"y{record.year}"
            locator[f"{where}|{record.page}|{initial}"].append(index)

    for blocks in passes:
        for members in blocks.values():
            size = len(members)
            if size < 2:
                continue
            if size <= _BLOCK_CAP:
                for x in range(size - 1):
                    i = members[x]
                    for y in range(x + 1, size):
                        yield i, members[y]  # members are in index order
            else:
                ordered = sorted(members, key=lambda i: records[i].order)
                for x in range(size - 1):
                    i = ordered[x]
                    for j in ordered[x + 1: x + 1 + _WINDOW]:
                        yield (i, j) if i < j else (j, i)
