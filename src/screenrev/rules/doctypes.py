"""Whether a record is a peer-reviewed journal article, read from its type in any dialect.

Databases say what a record is in their own words: RIS ``TY  - JOUR``, Web of Science
``DT Article``, PubMed ``PT Journal Article``, Scopus ``Document Type: Conference Paper``,
EBSCO ``Academic Journal``, ProQuest ``Scholarly Journals``, PsycINFO ``Peer Reviewed
Journal``. Each known value is sorted into one of three kinds; anything else, generic
types (``GEN``, ``Generic``, ``Other``, ``@misc``) included, is ignored, and a record with no
known value is left for a human (unsure). ``docs/publication-types.md`` lists every value
found in the real exports and what it gives (``tools/doctypes_table.py`` writes it).
"""

from __future__ import annotations

import re

JOURNAL = "journal article"
NOT_PEER_REVIEWED = "not peer reviewed"
NOT_JOURNAL = "not a journal article"

_JOURNAL = {
    # RIS
    "jour", "ejour", "jfull", "inpr",
    # Web of Science, Scopus, PubMed and vendors
    "article", "articles", "journal article", "journal articles", "journal", "journal paper",
    "review", "review article", "systematic review", "meta-analysis", "short survey",
    "randomized controlled trial", "clinical trial", "controlled clinical trial",
    "observational study", "multicenter study", "comparative study", "evaluation study",
    "evaluation studies", "validation study", "twin study", "case reports", "data paper",
    "research article", "research articles", "original article", "original research",
    "original paper", "journalarticle", "academic journal", "scholarly journals",
    "peer reviewed journal", "peer-reviewed journal", "journal; peer reviewed journal",
    "ieee journals", "early access", "research support, non-u.s. gov't",
    "research support, u.s. gov't, p.h.s.", "research support, n.i.h., extramural",
    # PubMed's article about past events; IBM's journals on IEEE Xplore, as "IEEE Journals"
    "historical article", "ibm journals",
    # Embase and Scopus: in a journal, published before its issue (RIS says INPR)
    "article in press",
    # Web of Science PT J: the source is a journal (its DT says whether an editorial)
    "j",
}
_NOT_PEER_REVIEWED = {
    "editorial", "editorial material", "letter", "comment", "commentary", "note", "erratum",
    "correction", "published erratum", "retraction of publication", "retracted publication",
    "news", "newspaper article", "book review", "meeting abstract", "conference abstract",
    "biography", "interview", "magazine", "mgzn", "trade journal", "trade journals",
    "magazines", "ieee magazines", "newspapers", "wire feeds", "blogs, podcasts, & websites",
    "unpb", "preprint", "abst", "letter to the editor",
    # Cochrane CENTRAL's entries from ClinicalTrials.gov and ICTRP, which it types TY JOUR
    "trial registry record",
    # Web of Science's arts and humanities document type for a poem
    "poetry",
}
_NOT_JOURNAL = {
    "book", "books", "book chapter", "book section", "chap", "echap", "ebook", "edbook",
    "edited book", "whole book", "authored book", "chapter", "encyclopedia", "encyc",
    "dissertation", "dissertations", "dissertation abstract", "dissertation/thesis",
    "dissertations & theses", "dissertations/theses - doctoral dissertations", "thes", "thesis",
    "phd thesis", "masters thesis", "conference paper", "conference review", "conference",
    "conference proceeding", "conference proceedings", "conference publication", "proceedings paper",
    "inproceedings", "conf", "cpaper", "meeting paper", "ieee conferences", "report", "reports",
    "rprt", "technical report", "government documents", "govdoc", "reports - research",
    "reports - evaluative", "reports - descriptive", "patent", "pat", "web page", "web",
    "elec", "standard", "stand", "video-audio media", "video", "sound", "data", "dataset",
    "computer program", "comp", "case", "hear", "bill", "unbill", "stat", "legal", "grant",
    "pamp", "pamphlet", "map", "chart", "art",
    # the rest of RIS's TY list: audiovisual material, aggregated or online database, ancient
    # text, blog, classical work, catalog, dictionary, equation, figure, internet and personal
    # communication, motion picture, online multimedia, music score
    "advs", "aggr", "dbase", "ancient", "blog", "clswk", "ctlg", "dict", "equa", "figure",
    "icomm", "pcomm", "mpct", "multi", "music",
    # RefWorks' chapter; Refer's audio recording
    "book, section", "audio",
    # the degree a thesis was written for, as EndNote and ProQuest give its type
    "masters", "ph.d.", "ed.d.",
    # Web of Science PT B (book) and P (patent)
    "b", "p",
}
#: Types that say nothing about what a record is: GreenFile, AGRIS and CAB export anything
#: as RIS ``GEN`` ("Generic"), journal articles with DOI, volume and pages included; a
#: serial or manuscript may or may not be peer reviewed. They leave the record unsure.
GENERIC = frozenset({"generic", "gen", "ser", "serial", "manscpt", "manuscript", "other", "misc", "miscellaneous"})
_SEPARATORS = re.compile(r"\s*[;|]\s*")


def kind(types: list[str]) -> tuple[str | None, str]:
    """What the record's types say (JOURNAL, NOT_PEER_REVIEWED, NOT_JOURNAL or None) and why.

    A type saying the item is not peer-reviewed research (an editorial, a letter, a trial
    registry record) wins over "journal article", which PubMed also gives those and Cochrane
    gives every record; a journal article wins over anything that only says where an item
    was presented.
    """
    values = [v.strip() for t in types for v in _SEPARATORS.split(t) if v.strip()]
    for vocabulary, found in ((_NOT_PEER_REVIEWED, NOT_PEER_REVIEWED), (_JOURNAL, JOURNAL), (_NOT_JOURNAL, NOT_JOURNAL)):
        for value in values:
            if value.lower() in vocabulary:
                return found, value
    return None, "; ".join(values)
