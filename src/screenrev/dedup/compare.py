"""Comparing two prepared records field by field into a verdict: same, different or unsure,
with the evidence and the name of the rule that decided it.

The hard cases these rules decide are listed in ``cluster.py``'s docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import Indel, Levenshtein

from .prepare import STOPWORDS, Prepared, Title, journals_agree, meetings_agree

SAME, DIFFERENT, UNSURE = "same", "different", "unsure"


@dataclass(slots=True)
class Comparison:
    verdict: str
    score: float
    evidence: dict[str, str]
    reason: str = ""
    """What made the verdict "different" or "unsure" (a field or a kind of record)."""
    rule: str = ""
    """The rule that decided the verdict, e.g. ``title dissimilar`` or ``conflict: issue``."""


def _title_similarity(a: Title, b: Title) -> tuple[float, str]:
    """Similarity of two titles, 0..1, and how it was found.

    ``equal``, ``translation equal``, ``similar``; ``prefix`` when one title starts the
    other (truncated, or a citation appended) and ``contained`` when it ends it (a
    section heading prepended): those two count as 0.99 but need a locator to be trusted.
    """
    best, how = 0.0, "similar"
    for x in (a.compact, a.alt):
        if not x:
            continue
        for y in (b.compact, b.alt):
            if not y:
                continue
            if x == y:
                return 1.0, "equal" if (x, y) == (a.compact, b.compact) else "translation equal"
            score = Indel.normalized_similarity(x, y)
            if score > best:
                best, how = score, "similar"
            if best < 0.99:
                short, long = (x, y) if len(x) <= len(y) else (y, x)
                if len(short) >= 40 and long.startswith(short):
                    best, how = 0.99, "prefix"
                elif len(short) >= 25 and long.endswith(short):
                    best, how = 0.99, "contained"
    return best, how


def _authors_overlap(a: Prepared, b: Prepared) -> float:
    smaller = min(len(a.surnames), len(b.surnames))
    if not smaller:
        return -1.0
    shared = len(a.surnames & b.surnames)
    if shared < smaller:
        # compound and particle variants: "Sberro-Soussan" vs "Sberro", "De Botton" vs "Botton"
        for name in a.surnames - b.surnames:
            if any(len(name) >= 4 and len(other) >= 4 and (name.startswith(other) or other.startswith(name)
                   or name.endswith(other) or other.endswith(name)) for other in b.surnames - a.surnames):
                shared += 1
    return min(shared, smaller) / smaller


def _first_authors_agree(a: Prepared, b: Prepared) -> bool | None:
    if not a.first_author or not b.first_author:
        return None
    fa, fb = a.first_author, b.first_author
    if fa[1] != fb[1] and fa[0] != fb[0] and not (
        len(fa[1]) >= 4 and len(fb[1]) >= 4 and (fa[0].endswith(fb[1]) or fb[0].endswith(fa[1]))
    ):
        return False
    return True


def _locator_evidence(a: Prepared, b: Prepared, evidence: dict[str, str]) -> tuple[str | None, bool, bool]:
    """A conflict in volume or first page (its field), whether the volumes agree and whether
    the first pages (or article numbers) agree."""
    volume_agree = page_agree = False
    conflict = None
    if a.volume is not None and b.volume is not None:
        if a.volume == b.volume:
            volume_agree = True
            evidence["volume"] = f"equal {a.volume_raw}"
        elif _volume_cut_from(a, b):
            evidence["volume"] = f"{a.volume_raw} vs {b.volume_raw}: a piece of the other's volume(issue)"
        else:
            conflict = "volume"
            evidence["volume"] = f"{a.volume_raw} vs {b.volume_raw} differ"
    pa, pb = a.pages, b.pages
    if pa and pb:
        shown = f"{a.page_raw} vs {b.page_raw}"
        if pa.elocator != pb.elocator:
            evidence["pages"] = f"{shown}: article number vs pages"
        elif {r[0] for r in pa.ranges} & {r[0] for r in pb.ranges}:
            page_agree = True
            evidence["pages"] = f"equal {a.page_raw}" if a.page_raw == b.page_raw else f"{shown} first page equal"
        elif any(x[0] <= y[1] and y[0] <= x[1] for x in pa.ranges for y in pb.ranges):
            evidence["pages"] = f"{shown} overlap"  # one database gives the last page only, say
        elif any(x[2] is not None and x[2] == y[2] for x in pa.ranges for y in pb.ranges):
            evidence["pages"] = f"{shown} last page equal"  # a typo in the first page
        else:
            conflict = conflict or "pages"
            evidence["pages"] = f"{shown} differ"
    return conflict, volume_agree, page_agree


def _volume_cut_from(a: Prepared, b: Prepared) -> bool:
    """Whether one record's volume is what is left of the other's "volume(issue)" locator
    cut at its parenthesis: "1)" or "1" of volume 61, issue "10 SUPPL. 1".

    The piece is the locator's last number, and either it is written as a piece (an
    unbalanced parenthesis) or the whole locator is a supplement's, whose number a
    database took for the volume.
    """
    for whole, piece in ((a, b), (b, a)):
        if whole.locator_tail is not None and piece.volume == whole.locator_tail \
                and (piece.volume_cut or whole.supplement):
            return True
    return False


def _issue_conflict(a: Prepared, b: Prepared) -> str | None:
    """``issue`` when the two stand in different issues of one volume, ``supplement`` when in
    different numbered supplements of it, ``month`` when in different months of one year."""
    ia, ib = a.issue_of, b.issue_of
    if ia is None or ib is None:
        return None
    if a.volume is not None and a.volume == b.volume:
        if ia.supplement and ib.supplement and ia.supplement != ib.supplement:
            return "supplement"
        if ia.numbers and ib.numbers and not ia.numbers & ib.numbers \
                and (ia.supplement is None) == (ib.supplement is None):
            return "issue"
    if ia.months and ib.months and not ia.months & ib.months and a.year is not None and a.year == b.year:
        return "month"
    return None


def _issues_agree(a: Prepared, b: Prepared) -> bool:
    """Both records give the same issue: a number, a month or a numbered supplement."""
    ia, ib = a.issue_of, b.issue_of
    return bool(ia and ib and (ia.numbers & ib.numbers or ia.months & ib.months
                               or (ia.supplement and ia.supplement == ib.supplement)))


def _legacy_doi(title_sim: float, how: str, generic: bool, full_locator: bool, journal_agree: bool | None,
                year_gap: int | None, author_overlap: float, first_agree: bool | None,
                abstract_sim: float | None, cochrane: bool) -> bool:
    """Whether two different DOIs can be one article's legacy and current DOI: everything
    else agrees and names one item — the same distinctive title, journal, volume and first
    page (or article number), year, and authors; long abstracts, if both have one, alike.

    A publisher that takes over a journal, or a journal whose ISSN changes, registers the
    back issues again ("10.1586/14737140.7.1.57" and "10.1586/14787210.7.1.57"). Cochrane's
    DOIs are left out: there another DOI is another version of the review.
    """
    return (how == "equal" and title_sim == 1.0 and not generic and full_locator and bool(journal_agree)
            and year_gap == 0 and author_overlap >= 0.8 and bool(first_agree)
            and (abstract_sim is None or abstract_sim >= 0.9) and not cochrane)


def _page_ranges(a: Prepared, b: Prepared) -> bool:
    """Both records span pages in a regular issue: no supplement page shared by several abstracts."""
    return all(r.pages and not r.pages.single and not r.supplement and not r.conference for r in (a, b))


def _listed(numbers: frozenset[int]) -> str:
    return " ".join(str(number) for number in sorted(numbers))


_LOCATOR_CONFLICTS = ("volume", "pages", "year", "venue", "numbers", "issue", "supplement", "month")
#: Reasons a pair is unsure that also keep it from meeting through a third record.
CAUTIONS = frozenset({"preprint vs published version", "doi", "part", "numbers", "year", "type"})


def _registrations(a: Prepared, b: Prepared) -> Comparison | None:
    """The verdict on two registry records (both with registration numbers) that their
    numbers settle, or None.

    A registration number names one trial in every register that publishes it, so two
    records sharing one are the same trial, whatever their titles (a brief and a scientific
    title), their years (each register's date of registration) or their sponsors say. Two
    numbers of one register name two trials: records from one register that share no
    number are different, however alike their titles (a sponsor's sister trials). The
    member-state records of a EudraCT trial share its EudraCT number.
    """
    trial_a, trial_b = a.trial, b.trial
    shared = trial_a.ids & trial_b.ids
    if shared:
        return Comparison(SAME, 1.0, {"registration": "equal " + ", ".join(sorted(shared))},
                          rule="registration number equal")
    own_a, own_b = trial_a.own, trial_b.own
    if own_a and own_b and own_a[0] == own_b[0]:
        reason = "registration number"
        return Comparison(DIFFERENT, 0.0, {"registration": f"{own_a[1]} vs {own_b[1]} differ"},
                          reason, _rule_name("conflict", reason))
    return None


def compare_records(a: Prepared, b: Prepared) -> Comparison:
    """Verdict on one pair of records, with the evidence field by field and the rule that decided."""
    if a.trial is not None and b.trial is not None:
        registered = _registrations(a, b)
        if registered is not None:
            return registered
    evidence: dict[str, str] = {}
    conflicts: list[str] = []  # reasons the two cannot be the same record
    soft: str | None = None  # a reason to leave the decision to a human

    identifier_equal = doi_conflict = False
    if a.doi and b.doi:
        if a.doi == b.doi:
            identifier_equal = True
            evidence["doi"] = f"equal {a.doi}"
        elif a.preprint != b.preprint:
            evidence["doi"] = f"{a.doi} vs {b.doi}"
        else:
            doi_conflict = True
            evidence["doi"] = f"{a.doi} vs {b.doi} differ"
    if a.source_id and a.source_id == b.source_id and a.database == b.database:
        identifier_equal = True
        evidence["accession"] = f"equal {a.source_id} in {a.database}"
    if a.preprint != b.preprint:
        soft = "preprint vs published version"
        evidence["type"] = "preprint vs published"

    ta, tb = a.title, b.title
    title_sim, how = 0.0, ""
    if ta and tb:
        title_sim, how = _title_similarity(ta, tb)
        evidence["title"] = how if how in ("equal", "translation equal") else f"{title_sim:.2f} {how}"
        if title_sim < 0.7 and not identifier_equal:
            # most pairs end here
            return Comparison(DIFFERENT, round(0.55 * title_sim, 4), evidence, "title", "title dissimilar")
    # a title the journal prints in issue after issue ("Editor's comments", "Index"), or no
    # title at all: only the item's place tells two such records apart
    placeless = not (ta and tb) or ta.recurring or tb.recurring

    locator_conflict, volume_agree, page_agree = _locator_evidence(a, b, evidence)
    issue_conflict = _issue_conflict(a, b)
    if issue_conflict:
        evidence[issue_conflict] = f"{a.issue or a.volume_raw} vs {b.issue or b.volume_raw} differ"
        if placeless or issue_conflict == "supplement":
            # a supplement is a publication of its own (one meeting's abstracts, say) with
            # pages of its own: the same title in another supplement is another report
            conflicts.append(issue_conflict)
        elif not page_agree:
            # another issue of the volume: the volume no longer counts as agreeing (with
            # equal first pages the pages place the item, and the issue is the field
            # databases fill least reliably)
            volume_agree = False
    locator_agree = volume_agree + page_agree
    # the item's place identified: volume and first page, or an article number ("CD006273")
    full_locator = locator_agree == 2 or bool(
        locator_agree and a.pages and a.pages.elocator and b.pages and b.pages.elocator and a.page == b.page
    )
    if ta and tb:
        for kind in ("erratum", "comment", "protocol", "withdrawn"):
            if (kind in ta.kinds) != (kind in tb.kinds):
                conflicts.append(kind)
                evidence["type"] = f"{kind} vs not {kind}"
        if ta.part is not None and tb.part is not None and ta.part != tb.part:
            conflicts.append("part")
            evidence["part"] = f"part {ta.part} vs part {tb.part}"
        elif (ta.part is None) != (tb.part is None) and how not in ("prefix", "contained"):
            soft = soft or "part"
            evidence["part"] = f"part {ta.part or tb.part} in one title only"
        if ta.numbers != tb.numbers and how != "equal":
            only_a, only_b = ta.numbers - tb.numbers, tb.numbers - ta.numbers
            if only_a and only_b:
                evidence["numbers"] = f"{_listed(only_a)} vs {_listed(only_b)} in the titles"
                if not (full_locator and _page_ranges(a, b)):
                    conflicts.append("numbers")  # unless at one volume and page range: a typo
            elif how not in ("prefix", "contained"):
                evidence["numbers"] = f"{_listed(only_a | only_b)} in one title only"
                soft = soft or "numbers"
    elif ta or tb:
        evidence["title"] = "missing in one"
        if (ta or tb).kinds:
            soft = soft or "type"  # a notice cannot be told from its article without both titles

    if locator_conflict:
        conflicts.append(locator_conflict)

    year_gap = None
    if a.year is not None and b.year is not None:
        year_gap = abs(a.year - b.year)
        evidence["year"] = f"equal {a.year}" if year_gap == 0 else f"{a.year} vs {b.year}"
        if year_gap >= 2 or (year_gap and (a.cochrane or b.cochrane)):
            conflicts.append("year")
        elif year_gap and locator_agree == 0:
            soft = soft or "year"  # online first and print a year apart: only with an agreeing locator

    journal_agree = None
    if a.journal and b.journal:
        journal_agree = journals_agree(a.journal, b.journal)
    if a.meeting and b.meeting and not journal_agree:
        journal_agree = meetings_agree(a.meeting, b.meeting)
    if journal_agree is not None:
        evidence["journal"] = "agree" if journal_agree else f"{a.journal_raw} vs {b.journal_raw}"

    if a.conference != b.conference:
        meeting, item = (a, b) if a.conference else (b, a)
        if full_locator or item.supplement:
            evidence["venue"] = "meeting abstract vs journal supplement"
        elif journal_agree and year_gap == 0 and (locator_agree or (item.pages and item.pages.single)):
            # the abstract as the journal printed it: same journal and year, and the same
            # volume or a lone page (a full article has a page range)
            evidence["venue"] = "meeting abstract vs the journal's printing of it"
        else:
            evidence["venue"] = "meeting abstract vs journal item"
            conflicts.append("venue")

    author_overlap = _authors_overlap(a, b)
    first_agree = _first_authors_agree(a, b)
    if author_overlap >= 0:
        evidence["authors"] = f"{author_overlap:.2f} overlap" + (", first differ" if first_agree is False else "")

    abstract_sim = None
    if len(a.abstract) >= 150 and len(b.abstract) >= 150:  # a sentence or two tells nothing
        abstract_sim = Indel.normalized_similarity(a.abstract, b.abstract)
        evidence["abstract"] = f"{abstract_sim:.2f} similar"

    if identifier_equal and (not (ta and tb) or title_sim >= 0.95):
        # one DOI and one title: the same item, whatever its locator says (online-first
        # pages, an article number for a page, a Cochrane review's year as its volume)
        conflicts = [reason for reason in conflicts if reason not in _LOCATOR_CONFLICTS]
    legacy_doi = False
    if doi_conflict:
        if not conflicts and _legacy_doi(title_sim, how, placeless or ta.generic or tb.generic, full_locator,
                                         journal_agree, year_gap, author_overlap, first_agree, abstract_sim,
                                         a.cochrane or b.cochrane):
            legacy_doi = True
            evidence["doi"] = f"{a.doi} vs {b.doi}: one article's two DOIs, everything else agrees"
        elif full_locator and title_sim >= 0.95 and journal_agree:
            soft = soft or "doi"  # a DOI the publisher issued again; a human decides
        else:
            conflicts.insert(0, "doi")
    hard = conflicts[0] if conflicts else None
    score = _score(title_sim, author_overlap, locator_agree, journal_agree, identifier_equal, not (ta and tb))
    if hard:
        return Comparison(DIFFERENT, min(score, 0.3), evidence, hard, _rule_name("conflict", hard))

    authors_fit = author_overlap < 0 or author_overlap >= 0.8 or (author_overlap >= 0.5 and first_agree is not False)
    if identifier_equal:
        if ta and tb and title_sim < 0.7:
            verdict, rule = UNSURE, "identifier equal, title dissimilar"  # an identifier copied onto the wrong record
        else:
            verdict, rule = SAME, "identifier equal"
            score = max(score, 0.95)
    elif legacy_doi:
        verdict, rule = SAME, "legacy and current doi"
    elif ta and tb:
        verdict, rule = _verdict_on_titles(
            ta, tb, title_sim, how, locator_agree, full_locator, journal_agree, author_overlap, authors_fit,
            first_agree, year_gap, abstract_sim, volume_agree and (page_agree or _issues_agree(a, b)),
        )
    else:
        complete = (
            full_locator and journal_agree and first_agree and author_overlap >= 0.8 and year_gap == 0
        )
        if complete:
            verdict, rule = SAME, "no title: complete locator"
        elif locator_agree and first_agree:
            verdict, rule = UNSURE, "no title: partial locator"
        else:
            verdict, rule = DIFFERENT, "no title: no locator"
    if verdict == SAME and soft and not (identifier_equal and soft in _LOCATOR_CONFLICTS + ("part",)):
        verdict = UNSURE
        evidence["caution"] = soft
        rule = _rule_name("caution", soft)
    return Comparison(verdict, score, evidence, soft or ("" if verdict == SAME else "similarity"), rule)


@cache
def _rule_name(kind: str, reason: str) -> str:
    """One string per rule, however many comparisons it decides."""
    return f"{kind}: {reason}"


def _verdict_on_titles(ta: Title, tb: Title, title_sim: float, how: str, locator_agree: int,
                       full_locator: bool, journal_agree: bool | None, author_overlap: float,
                       authors_fit: bool, first_agree: bool | None, year_gap: int | None,
                       abstract_sim: float | None, place_agrees: bool) -> tuple[str, str]:
    """The verdict on two records with titles and nothing that tells them apart, and its rule.

    ``place_agrees``: the same volume, and the same first page or issue.
    """
    generic = ta.generic or tb.generic
    if title_sim >= 0.95:
        if full_locator and journal_agree is not False and author_overlap != 0:
            # the same title at the same volume and first page: the same item, whatever
            # the spelling of its authors (name order, typos, truncated lists)
            return SAME, "title at volume and page"
        if not authors_fit:
            return (UNSURE if locator_agree else DIFFERENT), "authors misfit"
        if generic:
            # "Aripiprazole": identified by a locator, or by the same long abstract; a
            # recurring column ("Editor's comments") only by its place in the journal: a
            # volume alone, or a locator one record lacks, is no agreement
            if (place_agrees if ta.recurring or tb.recurring else locator_agree) and journal_agree:
                return SAME, "generic title at its place"
            if abstract_sim and abstract_sim >= 0.95 and title_sim == 1.0:
                return SAME, "generic title, same abstract"
            return UNSURE, "generic title, place unknown"
        if how in ("prefix", "contained") and not locator_agree:
            return UNSURE, "cut title without locator"
        if journal_agree is False and not full_locator:
            return UNSURE, "other journal"  # a summary, a reprint, or another report
        if how == "similar" and _content_words_differ(ta, tb):
            return UNSURE, "content words differ"  # "adult" vs "adolescent": alike in letters, not in meaning
        support = locator_agree + bool(journal_agree) + (author_overlap >= 0.8) + bool(abstract_sim and abstract_sim > 0.9)
        return (SAME, "title with support") if support else (UNSURE, "title without support")
    if title_sim >= 0.85 and not authors_fit:
        return DIFFERENT, "similar title, authors misfit"
    if title_sim >= 0.85 and full_locator and journal_agree is not False and not generic \
            and not _content_words_differ(ta, tb, substitutions_only=True):
        return SAME, "word lost at volume and page"  # "Interferon- (IFN-)": a word lost, none replaced
    if (ta.translated or tb.translated) and title_sim >= 0.75 and full_locator and journal_agree \
            and author_overlap >= 0.8 and first_agree and year_gap == 0:
        return SAME, "translations at volume and page"  # two translations of one foreign title
    if title_sim >= 0.85 or (title_sim >= 0.7 and locator_agree and authors_fit and author_overlap >= 0):
        return UNSURE, "similar title"
    return DIFFERENT, "title too dissimilar"


def _content_words_differ(ta: Title, tb: Title, substitutions_only: bool = False) -> bool:
    """Whether the titles differ in a word that is not a typo of the other title's word.

    A typo is one edit ("bleomycoin"), two in a long word sharing its first four letters;
    "pantoprazole" vs "lansoprazole" or "adult" vs "adolescent" are different words. Words
    present in one title only ("Executive summary") count too, short common words aside.
    """
    only_a = set(ta.words).difference(tb.words)
    only_b = set(tb.words).difference(ta.words)
    if substitutions_only and not (only_a - STOPWORDS and only_b - STOPWORDS):
        return False
    for words, others, other_compact in ((only_a, only_b, tb.compact), (only_b, only_a, ta.compact)):
        for word in words:
            if len(word) < 4 or word in STOPWORDS or word in other_compact:
                continue  # "follow up" vs "followup", "the", "of"
            if not any(_typo(word, other) for other in others):
                return True
    return False


def _typo(word: str, other: str) -> bool:
    distance = Levenshtein.distance(word, other, score_cutoff=2)
    return distance <= 1 or (distance == 2 and min(len(word), len(other)) >= 8 and word[:4] == other[:4])


def _score(title_sim: float, author_overlap: float, locator_agree: int, journal_agree: bool | None,
           identifier_equal: bool, title_missing: bool) -> float:
    if identifier_equal:
        return 1.0
    parts = [(0.55, title_sim if not title_missing else 0.5),
             (0.2, author_overlap if author_overlap >= 0 else 0.5),
             (0.15, locator_agree / 2),
             (0.1, 0.5 if journal_agree is None else float(journal_agree))]
    return round(sum(weight * value for weight, value in parts), 4)
