"""Records made comparable: titles, authors, journals, pages and identifiers folded into
the keys the matcher compares (case, accents, markup, Greek letters, notices, parts…)."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from rapidfuzz import fuzz

from ..records.formats.trials import SECONDARY_IDS, TRIAL_RECORD
from ..records.record import FIELDS

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "µ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma",
    "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi",
    "ψ": "psi", "ω": "omega",
}
_LETTERS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
_FOLD_TABLE = str.maketrans({**{k: f" {v} " for k, v in _GREEK.items()}, **_LETTERS})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_MARKUP = re.compile(r"[{}$\\^_*]")

# British spellings folded to American ones, so "haemolytic anaemia" meets "hemolytic anemia".
# Applied to both titles alike, so a rule that also changes a word nobody spells otherwise
# ("exercise" → "exercize") does no harm.
_SPELLING = [
    (re.compile(r"ae(?=m)"), "e"),  # haem, anaemia, leukaemia, ischaemia, septicaemia
    (re.compile(r"paed|gynaec|aesth|\bcaes"), lambda m: m.group(0).replace("ae", "e")),
    (re.compile(r"\boe(?=dem|soph|strog|strad|stro)"), "e"),
    (re.compile(r"\bfoet"), "fet"),
    (re.compile(r"(rrh|pn)oe"), r"\1e"),  # diarrhoea, amenorrhoea, dyspnoea, apnoea
    (re.compile(r"\bcoeliac"), "celiac"),
    (re.compile(r"(tum|behavi|col|fav|lab|hum|vap|neighb|od)our"), r"\1or"),
    (re.compile(r"(?<=[a-z]{3})is(ation|ations|ing|ed|e|es)\b"), r"iz\1"),  # randomised
    (re.compile(r"(?<=[a-z]{2})(ly|lys)se\b"), r"\1ze"),  # analyse
    (re.compile(r"(cent|met|lit|fib|theat)re\b"), r"\1er"),
    (re.compile(r"programme"), "program"),
]


@lru_cache(maxsize=262144)
def fold(text: str) -> str:
    """Lowercase ASCII words separated by single spaces: accents, Greek letters, markup folded."""
    return _fold_long(text)


def _fold_long(text: str) -> str:
    """``fold`` without the cache, for long text such as abstracts."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
        text = text.encode("ascii", "ignore").decode("ascii")
    text = _MARKUP.sub("", text)
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def _spelling(words: str) -> str:
    for pattern, replacement in _SPELLING:
        words = pattern.sub(replacement, words)
    return words


# Medline appends notes about *other* records in brackets; they are not part of the title.
_ANNOTATION = re.compile(
    r"\[(?:published\s+)?(?:erratum|errata|corrected|comment|retract|republished|update|"
    r"expression of concern|see (?:also|comment|erratum)|summary for patients|reprint)[^\]]*(?:\]|$)",
    re.IGNORECASE,
)
_TRAILING_BRACKET = re.compile(r"\s*\[([^\[\]]*)\]\s*\.?\s*$")
_TRAILING_PAREN_NOTE = re.compile(r"\s*\((author'?s'? transl|abstract|letter|editorial)[^()]*\)\s*\.?\s*$", re.IGNORECASE)
# Bracketed endings that are metadata, not a translated title.
_BRACKET_NOTE = re.compile(
    r"^(?:review|\d+\s+refs?|abstract|abstract no|letter|editorial|comment|see |article in|"
    r"english abstract|in process|meeting abstract|poster|case report|news|interview|"
    r"historical article|clinical trial|randomized|not available|no title|book|editorial material|"
    r"[a-z]+ with english abstract)",
    re.IGNORECASE,
)
# An erratum notice indexed under the corrected article's title, followed by its citation:
# Web of Science "Title (vol 85, pg 553, 2010)", Embase "Title (Journal (2009) 360 (542-544))",
# Scopus "Title (PLoS ONE (2014) 9, 4 (e94700) DOI: 10.1371/journal.pone.0094700)".
_CITED_ERRATUM = re.compile(
    r"\(\s*vol\.?\s*\d+[^()]*\b(?:pg|page|p)\.?\s*\w+[^()]*\)\s*\.?\s*$"
    r"|\(\s*[^()]*\(\d{4}\)[^()]*\([^()]*\d[^()]*\)(?:\s*doi:?\s*10\.[^()]*)?\s*\)\s*\.?\s*$",
    re.IGNORECASE,
)
# Kinds of record are told from the title as written (lowercase, punctuation kept).
_NOTICE = re.compile(
    r"^(?:erratum|errata|corrigendum|corrigenda|addendum|addenda)\b"
    r"|^corrections?\s*(?:to\b|for\b|notice\b|:|\(|$)"
    r"|^(?:publisher|author)[’']?s?[’']? corrections?\b"
    r"|^(?:notice of |note of )?retraction\b|^retraction (?:note|notice)\b|\bretraction notice\b"
    r"|^(?:editorial )?expression of concern\b"
    r"|\b(?:erratum|errata|corrigendum|corrigenda)\b"
)
_RETRACTED_ARTICLE = re.compile(r"^retracted(?: article)?\s*[:.\-–]\s*|\s*\(\s*retracted article[^()]*\)\s*\.?", re.IGNORECASE)
_WITHDRAWN = re.compile(r"^withdrawn\s*[:.\-–]")
# The label before a notice's or a comment's copy of the article title; the kind is kept
# apart, so "Erratum: X" and "X (vol 142, pg 310, 2003)" compare as X and X.
_KIND_LABEL = re.compile(
    r"^(?:(?:publisher|author)[’']?s?[’']? )?(?:erratum|errata|corrigendum|corrigenda|corrections?|"
    r"retraction(?: note| notice)?|notice of retraction|(?:editorial )?expression of concern|addendum|"
    r"withdrawn|comments?|commentary|reply|response|re|in reply)"
    r"(?:\s+(?:to|for|of|on|in|regarding))?\s*[:.\-–—]\s*[\"“‘']?",
    re.IGNORECASE,
)
_COMMENT = re.compile(
    r"^(?:a )?(?:comments?|commentary|remarks?)\s*(?:on|to|regarding|about|:)"
    r"|^(?:re|reply|replies|in reply|response|in response|authors?[’']?s?[’']? (?:reply|response))\s*(?::|$|\.)"
    r"|^(?:the )?(?:authors?[’']?s?[’']? )?(?:reply|replies)\b"
    r"|^(?:in )?(?:reply|response) to (?:the |a |an )?(?:letter|comments?|commentary|editorial|critique|"
    r"article|paper|review|correspondence|dr\b|prof\b|[\"“‘'])"
    r"|^in reply\b|^letter to the editor\b|\bletter to the editor (?:regarding|concerning|on|re)\b"
    r"|(?:[:.;–—]|\s-)\s*(?:a |the )?(?:authors?[’']?s?[’']? )?(?:reply|response|replies)\s*\.?$"
    r"|\bauthors?[’']?s?[’']? (?:reply|response)\b|\b(?:reply|response) to (?:the )?comments?\b"
    r"|\bcomments? on\b|\bcommentary on\b"
)
_PROTOCOL = re.compile(
    r"\b(?:study|trial|review|research|evaluation|systematic review) protocol\b"
    r"|\bprotocol (?:for|of) (?:a|an|the)\b|[:(.]\s*(?:a |the )?protocol\)?\.?$|^protocol\b"
    r"|\brationale and design\b|\bdesign and rationale\b|\brationale,? design,? and methods\b"
    r"|\bdesign and methods? of (?:a|an|the)\b|\bstudy design of (?:a|an|the)\b"
)
_PART = re.compile(r"\b(?:part|pt|chapter|paper)\s+([0-9]+|[ivx]+|one|two|three|four|five)\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
          "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15}
_UNAMBIGUOUS_ROMAN = frozenset({"ii", "iii", "vii", "viii", "xii", "xiii", "xiv"})
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10}
# Counted wherever they stand: "third component" is "3rd component".
_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# Words after which a lone "i", "v" or "x" is a number (Phase I, type I) rather than a word.
_NUMBERED = frozenset({"part", "pt", "phase", "type", "stage", "grade", "class", "group", "study",
                       "trial", "series", "section", "volume", "paper", "report", "factor", "level",
                       "step", "tier", "arm", "cohort", "wave", "round", "year", "day", "week"})
# A meeting, not a journal: "Proceedings of the National Academy of Sciences" is a journal,
# "AMCIS 2017 Proceedings" and "Proceedings of the 23rd Conference on …" are meetings.
_CONFERENCE = re.compile(
    r"\b(?:conference|congress|meeting|symposium|workshop|colloquium|convention|summit|"
    r"annual scientific)\b|\bproceedings\b.*\b(?:\d+(?:st|nd|rd|th)|(?:19|20)\d\d)\b"
    r"|\b(?:\d+(?:st|nd|rd|th)|(?:19|20)\d\d)\b.*\bproceedings\b",
)
_CONFERENCE_TYPES = frozenset({"conference", "inproceedings", "proceedings", "conference paper",
                               "conference abstract", "meeting abstract", "conference proceeding",
                               "congresses", "conference review", "cpaper", "conf", "paper in proceedings"})
_TRIAL_RECORD = fold(TRIAL_RECORD)
_PREPRINT_DOI = ("10.1101/", "10.21203/", "10.2139/", "10.48550/", "10.20944/", "10.31219/",
                 "10.31234/", "10.31235/", "10.31222/", "10.31223/", "10.31224/", "10.31730/",
                 "10.26434/", "10.36227/", "10.22541/", "10.32942/", "10.35542/", "10.1590/scielopreprints")
_PREPRINT_VENUE = re.compile(r"\b(?:biorxiv|medrxiv|arxiv|chemrxiv|psyarxiv|socarxiv|ssrn|research square|"
                             r"preprints?|osf preprints|techrxiv|authorea|qeios|sneak peek)\b")
_COCHRANE = re.compile(r"\bcochrane\b")
_FIRST_INT = re.compile(r"\d+")
_ORDINAL_NUMBER = re.compile(r"\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE)  # "Conference: 22nd FIGO … 143"
_JOURNAL_STOP = frozenset({"the", "of", "and", "for", "in", "on", "de", "la", "le", "des", "du",
                           "der", "und", "fur", "y", "et", "a", "an", "official"})
_PARTICLES = frozenset({"de", "da", "di", "del", "della", "der", "den", "van", "von", "la", "le",
                        "du", "dos", "das", "do", "des", "ter", "ten", "zu", "af", "al", "el", "bin", "ben", "st"})
_GENERIC_TITLE_WORDS = frozenset({
    "editorial", "editor", "letter", "reply", "response", "comment", "comments", "commentary",
    "introduction", "preface", "foreword", "abstract", "abstracts", "erratum", "correction",
    "news", "notes", "note", "update", "review", "reviews", "case", "report", "reports",
    "the", "a", "an", "of", "to", "in", "on", "and", "for", "from", "with", "by", "at",
    "issue", "special", "supplement", "index", "contents", "announcement", "book", "books",
    "obituary", "conference", "meeting", "proceedings", "summary", "highlights", "guest",
    "dear", "correspondence", "discussion", "conclusion", "conclusions", "author", "authors",
})
# Titles a journal prints again and again, issue after issue: a column, a notice, a list.
# Such a title names no item; only its place (volume, issue, page) does.
_RECURRING = re.compile(
    r"(?:the |a )?(?:"
    r"(?:guest |invited )?editors?(?: s)? (?:comments?|notes?|choice|corner|page|column|introduction|remarks?|"
    r"perspective|message|letter|desk|view|welcome|summary|preface)"
    r"|(?:remarks?|comments?|notes?|letter|message|words?|news|report|column|greetings?) (?:from|of|by) the "
    r"(?:editors?|editor in chief|president|chair|chairman|chairperson|executive director|publisher|society|association)"
    r"|(?:in |from )?this issue|in the (?:current|next|this) issue|issue (?:highlights|information|at a glance)"
    r"|(?:reviewers?|referees?) (?:acknowledge?ments?|list|index|thanks)"
    r"|(?:acknowledge?ments?|thanks?) (?:of|to) (?:our |the )?(?:reviewers?|referees?)\b.*"
    r"|thank you to (?:our )?(?:reviewers?|referees?)\b.*|(?:list of )?reviewers? (?:for|of|in) (?:volume|\d{4})\b.*"
    r"|book reviews?|books? received|(?:author|subject|cumulative|annual|volume) index\b.*|index(?: to volume\b.*| of authors)?"
    r"|(?:table of )?contents|introduction|preface|foreword|obituar(?:y|ies)|in memoriam\b.*"
    r"|(?:society|association|college|academy|member|membership|chapter|section|institute) news"
    r"|news(?: and (?:notes|views|events|comment))?|meeting reports?"
    r"|report (?:of|from|on) the\b.*\b(?:meeting|congress|conference|symposium|assembly)\b.*"
    r"|announcements?|calendar(?: of events)?|upcoming (?:events|meetings)|correspondence|letters?(?: to the editors?)?"
    r"|highlights|abstracts|editorial(?: (?:comment|note|board))?|president s (?:message|column|report|page|letter|corner)"
    r"|message from the president|corrigend(?:um|a)|errat(?:um|a)|corrections?|masthead|cover(?: image| picture)?"
    r"|front matter|back matter|classifieds?|(?:case|image) of the month|quiz|what s new"
    r")"
)
STOPWORDS = frozenset({"the", "a", "an", "of", "to", "in", "on", "and", "for", "from", "with", "by",
                   "at", "or", "is", "are", "as", "its", "their", "be", "vs", "versus", "via",
                   "after", "during", "among", "between", "into", "without", "study", "patients",
                   "effect", "effects", "use", "using", "based", "new", "case", "report", "review",
                   "trial", "randomized", "randomised", "clinical", "treatment", "analysis"})


def _kind_flags(lower: str) -> set[str]:
    """What kind of item a title announces: a notice, a comment or reply, a protocol."""
    flags = set()
    if _NOTICE.search(lower):
        flags.add("erratum")
    if _COMMENT.search(lower):
        flags.add("comment")
    if _PROTOCOL.search(lower):
        flags.add("protocol")
    if _WITHDRAWN.search(lower):
        flags.add("withdrawn")
    return flags


def _numbers(words: list[str]) -> frozenset[int]:
    """Numbers written in a title: digit runs ("covid19", "cd4", "18f") and Roman numerals
    that are unmistakably numbers (ii, iii, or any after Part, Phase, Type…)."""
    found: set[int] = set()
    previous = ""
    for word in words:
        if not word.isalpha():
            found.update(int(run) for run in _FIRST_INT.findall(word))
        elif word in _ROMAN and (word in _UNAMBIGUOUS_ROMAN or previous in _NUMBERED):
            found.add(_ROMAN[word])
        elif word in _ORDINALS:
            found.add(_ORDINALS[word])
        elif previous in _NUMBERED and word in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[word])
        previous = word
    return frozenset(found)


def _part(folded: str, words: list[str]) -> int | None:
    match = _PART.search(folded)
    if match:
        value = match.group(1)
        if value.isdigit():
            return int(value)
        return _ROMAN.get(value) or _NUMBER_WORDS.get(value)
    if len(words) > 3 and words[-1] in _ROMAN and len(words[-1]) > 1:
        return _ROMAN[words[-1]]
    return None


@dataclass(frozen=True, slots=True)
class Title:
    compact: str
    """Folded title without spaces: what similarity is measured on."""
    alt: str
    """A second form of the title (a translated title in brackets), compact; or empty."""
    words: tuple[str, ...]
    numbers: frozenset[int]
    kinds: frozenset[str]
    part: int | None
    generic: bool
    """Short, or made of words any title could have ("Editorial", "Aripiprazole")."""
    recurring: bool
    """A title the journal prints again and again ("Editor's comments", "In this issue", "Index")."""
    conference_note: bool
    translated: bool
    """The title was given in brackets (an English translation) or with a translation."""


@lru_cache(maxsize=262144)
def _title(raw: str) -> Title | None:
    text_ = raw
    if "<" in text_:
        text_ = _TAG.sub(" ", text_)
    if "&" in text_:
        text_ = html.unescape(text_)
    text_ = text_.strip().strip('"').strip()
    text_ = _ANNOTATION.sub(" ", text_)
    text_ = _RETRACTED_ARTICLE.sub("", text_)
    lower = " ".join(text_.lower().split())
    if not lower.isascii():
        lower = unicodedata.normalize("NFKD", lower).encode("ascii", "ignore").decode("ascii") or lower
    kinds = _kind_flags(lower)
    if kinds:
        text_ = _KIND_LABEL.sub("", text_)
    erratum_note = bool(_CITED_ERRATUM.search(text_))
    if erratum_note:
        text_ = _CITED_ERRATUM.sub("", text_)
    alt = ""
    conference_note = False
    translated = False
    while True:
        note = _TRAILING_PAREN_NOTE.search(text_)
        if note:
            conference_note = conference_note or note.group(1).lower() == "abstract"
            text_ = text_[: note.start()]
        match = _TRAILING_BRACKET.search(text_)
        if not match:
            break
        inside = match.group(1).strip()
        before = text_[: match.start()].strip()
        if not before:
            # the whole title in brackets: Medline's English translation of a foreign title
            text_ = inside
            translated = True
            break
        if _BRACKET_NOTE.match(inside) or len(inside.split()) < 3:
            conference_note = conference_note or inside.lower().startswith(("abstract", "meeting", "poster"))
            text_ = before
            continue
        alt = fold(inside)
        translated = True
        text_ = before
        break
    if text_.startswith("[") and text_.rstrip(".").endswith("]"):
        text_ = text_.rstrip(".")[1:-1]
        translated = True
    folded = fold(text_)
    if not folded:
        folded, alt = alt, ""
    if not folded:
        return None
    folded = _spelling(folded)
    words = folded.split()
    if erratum_note:
        kinds.add("erratum")
    informative = [w for w in words if w not in _GENERIC_TITLE_WORDS]
    recurring = bool(_RECURRING.fullmatch(folded))
    compact = folded.replace(" ", "")
    return Title(
        compact=compact,
        alt=_spelling(alt).replace(" ", "") if alt else "",
        words=tuple(words),
        numbers=_numbers(words),
        kinds=frozenset(kinds),
        part=_part(folded, words),
        generic=len(compact) < 30 or len(informative) < 3 or recurring,
        recurring=recurring,
        conference_note=conference_note,
        translated=translated,
    )


_NAME_SUFFIX = re.compile(r"(?:,?\s+|^)(?:jr|sr|ii|iii|iv|2nd|3rd|4th)\.?(?=\s|,|$)", re.IGNORECASE)
# Corporate authors are written too differently across databases to count as evidence.
_CORPORATE = re.compile(
    r"\b(?:group|study|studies|trial|trials|consortium|investigators|committee|society|"
    r"collaborat\w*|network|association|working|team|organi[sz]ation|council|institute|"
    r"foundation|pharmaceuticals?|inc|ltd|gmbh|corporation|company|university|hospital|"
    r"department|centre|center|agency|board|panel|task force|writing|members)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=262144)
def _author(name: str) -> tuple[str, str, str] | None:
    """(surname, surname without particles, first initial) of a written personal name."""
    if _CORPORATE.search(name) or name.count(" ") > 5:
        return None
    name = _NAME_SUFFIX.sub(" ", name).strip(" ,")
    if "," in name:
        surname, _, given = name.partition(",")
    else:
        parts = name.split()
        if not parts:
            return None
        if len(parts) > 1 and parts[-1].isupper() and len(parts[-1].replace(".", "")) <= 3:
            surname, given = " ".join(parts[:-1]), parts[-1]  # Medline "Smith JW"
        elif len(parts) > 1:
            surname, given = parts[-1], " ".join(parts[:-1])  # "John Smith"
        else:
            surname, given = parts[0], ""
    words = fold(surname).split()
    if not words:
        return None
    full = "".join(words)
    bare_words = list(words)
    while len(bare_words) > 1 and bare_words[0] in _PARTICLES:
        bare_words.pop(0)
    given_folded = fold(given)
    initial = given_folded[:1] if given_folded and not given_folded[0].isdigit() else ""
    return full, "".join(bare_words), initial


_JOURNAL_VARIANTS = re.compile(r"\s+=\s+|\[|\]|/|\s+:\s+")
_MEETING_NAME = re.compile(r"\.?\s*conference\s*:\s*", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _journal(raw: str) -> tuple[tuple[tuple[str, ...], ...], str, bool, bool, bool]:
    """(the journal's names as words, the meeting's name, conference?, Cochrane?, preprint?).

    A journal can be written under several names in one field ("Ai zheng = Aizheng =
    Chinese journal of cancer", "Gan to Kagaku Ryoho [Japanese Journal of Cancer…]");
    Embase appends the meeting ("Pediatric Nephrology.Conference: 44th Annual…").
    """
    folded = fold(raw)
    conference = bool(_CONFERENCE.search(folded))
    cochrane = bool(_COCHRANE.search(folded))
    preprint = bool(_PREPRINT_VENUE.search(folded))
    meeting = ""
    main = raw
    split = _MEETING_NAME.split(main, 1)
    if len(split) == 2:
        main, meeting = split[0], fold(split[1])
    elif conference:
        meeting = folded
    names = []
    for part in _JOURNAL_VARIANTS.split(main):
        part = re.sub(r"\([^)]*\)", " ", part)
        words = tuple(w for w in fold(part).split() if w not in _JOURNAL_STOP)
        if words and words not in names:
            names.append(words)
    return tuple(names), meeting, conference, cochrane, preprint


def _prefix_match(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether each word of ``short`` starts a word of ``long``, in order (Nat Rev Nephrol)."""
    if not short or not long or not long[0].startswith(short[0]):
        return False
    position = 0
    for word in short:
        while position < len(long) and not long[position].startswith(word):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


_VENUE_WORDS = frozenset({"proceedings", "proc", "conference", "conf", "annual", "meeting",
                          "international", "symposium", "workshop", "congress"})


def _acronym(short: str, words: tuple[str, ...]) -> bool:
    """Whether ``short`` is made of a prefix of each of ``words`` in turn (AMCIS, JPEN)."""
    if not words:
        return not short
    if not short or len(short) < len(words):
        return False
    word = words[0]
    for length in range(min(len(word), len(short)), 0, -1):
        if word[:length] == short[:length] and _acronym(short[length:], words[1:]):
            return True
    return False


def _names_agree(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    if x == y or "".join(x) == "".join(y) or _prefix_match(x, y) or _prefix_match(y, x):
        return True
    for short, long in ((x, y), (y, x)):
        core = [w for w in short if w not in _VENUE_WORDS and not any(c.isdigit() for c in w)]
        if len(core) == 1 and 4 <= len(core[0]) <= 10 and 3 <= len(long) <= 8 and _acronym(core[0], long):
            return True
    return False


@lru_cache(maxsize=262144)
def journals_agree(a: tuple[tuple[str, ...], ...], b: tuple[tuple[str, ...], ...]) -> bool:
    """Whether two journal fields name the same journal (any of their names, abbreviated or not)."""
    return any(_names_agree(x, y) for x in a for y in b)


@lru_cache(maxsize=65536)
def meetings_agree(a: str, b: str) -> bool:
    """Whether two meeting names name the same meeting (one may be cut short)."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 20 and fuzz.partial_ratio(short, long) >= 95


def _first_int(value: str | None) -> int | None:
    if not value:
        return None
    match = _FIRST_INT.search(value)
    return int(match.group(0)) if match else None


# An electronic locator ("e1234", "a1754", "c1804") numbers articles, not pages: it is
# compared with another locator, never with a printed page range.
_ELOCATOR = re.compile(r"^(?:art(?:icle)?\.?\s*(?:no\.?)?\s*)?(?:[a-rt-z]\d+|[a-z]{2,3}\d{4,})$")
_SUPPLEMENT = re.compile(r"\bsuppl|\bsupplement|^s\d|\bs\d+$")
_PAGE_SPLIT = re.compile(r"\s*[-\u2010-\u2015]+\s*")
_PAGE_SEGMENTS = re.compile(r"\s*[,;+&]\s*|\s+and\s+|\s*author reply\s*")
# A spreadsheet turned "1-6" into "01-Jun": such pages are left out of the comparison.
_MONTH = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b")


@dataclass(frozen=True, slots=True)
class _Pages:
    ranges: tuple[tuple[int, int, int | None], ...]
    """(first page, last page (first when none or unreadable), last page as written)."""
    elocator: bool
    single: bool
    """One page, no range: typical of a meeting abstract."""

    @property
    def first(self) -> int:
        return self.ranges[0][0]


@lru_cache(maxsize=65536)
def _pages(raw: str) -> _Pages | None:
    text_ = raw.strip().strip('"').lower()
    if not text_ or _MONTH.search(text_):
        return None
    ranges = []
    elocator = False
    for segment in _PAGE_SEGMENTS.split(text_):
        parts = _PAGE_SPLIT.split(segment, 1)
        first = _first_int(parts[0])
        if first is None:
            continue
        written_last = _first_int(parts[1]) if len(parts) > 1 else None
        last = written_last
        if last is not None and last < first:
            digits, last_digits = str(first), str(last)
            if len(last_digits) < len(digits):  # "230-5" is 230-235
                last = int(digits[: len(digits) - len(last_digits)] + last_digits)
        if last is None or last < first:
            last = first
        if not ranges:
            elocator = len(parts) == 1 and bool(_ELOCATOR.match(parts[0]))
        ranges.append((first, last, written_last))
    if not ranges:
        return None
    return _Pages(tuple(ranges), elocator, len(ranges) == 1 and ranges[0][2] is None)


_DOI_START = re.compile(r"10\.\d{3,9}/")
_DOI_PREFIX_SLASHES = re.compile(r"^(10\.\d{3,9})/{2,}")
# What a publisher's landing page adds after the DOI in a link that a database exported
# as the DOI: the page's kind, a file under it, a query, a session.
_DOI_LANDING = re.compile(
    r"(?:[?#].*|;jsessionid.*|/asset/.*|/(?:abstract|full|fulltext|pdf|epdf|pdfdirect|pdfplus|summary|"
    r"references|citedby|suppinfo|html|meta|issuetoc|figures|tables|info))+$"
)

# A SICI DOI ("10.1892/0891-6640(2003)017<0680:DPFICK>2.3.CO;2") cut at its "<" is left
# with the journal's ISSN, the year and the volume: it names a volume, not an article.
_SICI_CUT = re.compile(r"^10\.\d{4,9}/\d{4}-\d{3}[\dx]\(\d{4}\)\d*$")


@lru_cache(maxsize=65536)
def doi_key(raw: str) -> str | None:
    """One spelling for a DOI however it was written, or None when there is no DOI in it.

    Resolver and ``doi:`` prefixes, percent escapes (``%28`` is ``(``), case, the double
    slash some registrants used after the prefix (``10.1037//0022-…``, which resolves to
    the same article as ``10.1037/0022-…``) and a landing page's tail (``/abstract``,
    ``/full``, ``/pdf``, ``/epdf``, ``/asset/….pdf?v=…``) are not part of the DOI; a SICI
    DOI cut short at its "<" is no article's DOI.
    """
    text_ = raw.strip().lower()
    if "%" in text_:
        text_ = unquote(text_)
    start = _DOI_START.search(text_)
    if start is None:
        return None
    text_ = _DOI_PREFIX_SLASHES.sub(r"\1/", text_[start.start():].split()[0])
    text_ = _DOI_LANDING.sub("", text_).rstrip(".,;")
    if _SICI_CUT.match(text_):
        return None
    return text_ if _DOI_START.match(text_) and len(text_) > len(start.group(0)) else None


# A clinical trial's registration numbers, register by register: the register's name, the
# pattern of its numbers as any register writes them, and the one spelling compared (upper
# case, as the WHO ICTRP writes the trial's id; a EudraCT or EU CT number bare, without the
# member state or the register's prefix). Only these identify a trial: a sponsor's protocol
# code, an ethics committee's or a funder's number may be shared by two trials (two sponsors
# may use one code), so they identify nothing. Two numbers under one name are two trials;
# a register's older series of numbers has a name of its own, as a trial may hold a number
# of each.
_REGISTRATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (register, re.compile(pattern), spelling) for register, pattern, spelling in (
        # ClinicalTrials.gov (United States)
        ("ClinicalTrials.gov", r"NCT ?(\d{8})", "NCT{}"),
        # EU Clinical Trials Register: a EudraCT number, bare or as the ICTRP's id of one
        # member state's record of it ("EUCTR2018-004758-39-IT"; "-3RD" outside the EU):
        # every member state's record is the one trial
        ("EudraCT", r"(?:EUCTR ?)?(\d{4}-\d{6}-\d{2})(?:-(?:[A-Z]{2}|3RD))?", "{}"),
        # EU Clinical Trials Information System: an EU CT number
        ("CTIS", r"(?:CTIS ?)?(\d{4}-5\d{5}-\d{2}-\d{2})", "{}"),
        # ISRCTN registry
        ("ISRCTN", r"ISRCTN ?(\d{8})", "ISRCTN{}"),
        # Australian New Zealand Clinical Trials Registry
        ("ANZCTR", r"ACTRN ?(\d{14})", "ACTRN{}"),
        # Chinese Clinical Trial Registry: ChiCTR2000012345, earlier ChiCTR-TRC-10001000
        ("ChiCTR", r"CHICTR ?-? ?(\d{10})", "CHICTR{}"),
        ("ChiCTR", r"CHICTR ?-? ?([A-Z]{3}) ?-? ?(\d{8})", "CHICTR-{}-{}"),
        # German Clinical Trials Register
        ("DRKS", r"DRKS ?(\d{8})", "DRKS{}"),
        # Clinical Trials Registry - India
        ("CTRI", r"CTRI ?/ ?(\d{4}) ?/ ?(\d{2,3}) ?/ ?(\d{6})", "CTRI/{}/{}/{}"),
        # Japan Primary Registries Network: UMIN-CTR (and its early C numbers), jRCT,
        # JapicCTI, JMACCT, with or without the network's "JPRN-"
        ("UMIN-CTR", r"(?:JPRN ?- ?)?UMIN ?(\d{9})", "JPRN-UMIN{}"),
        ("UMIN-CTR (C numbers)", r"JPRN ?- ?C(\d{9})", "JPRN-C{}"),
        ("jRCT", r"(?:JPRN ?- ?)?JRCT ?([0-9S]\d{9})", "JPRN-JRCT{}"),
        ("JapicCTI", r"(?:JPRN ?- ?)?JAPICCTI ?- ?(\d{6})", "JPRN-JAPICCTI-{}"),
        ("JMACCT", r"(?:JPRN ?- ?)?JMA ?- ?IIA ?(\d{5})", "JPRN-JMA-IIA{}"),
        # Iranian Registry of Clinical Trials
        ("IRCT", r"IRCT ?(\d{10,14}N\d{1,3})", "IRCT{}"),
        # Clinical Research Information Service (Republic of Korea)
        ("CRiS", r"KCT ?(\d{7})", "KCT{}"),
        # Netherlands Trial Register (NTR numbers, then NL numbers) and its successor, the
        # Overview of Medical Research in the Netherlands; the CCMO's "NL12345.078.10" is an
        # ethics review number, not a registration
        ("NTR", r"NTR ?(\d{1,5})", "NTR{}"),
        ("NTR (NL numbers)", r"NL ?(\d{4})", "NL{}"),
        ("OMON", r"NL ?- ?OMON ?(\d{1,6})", "NL-OMON{}"),
        # Pan African Clinical Trials Registry
        ("PACTR", r"PACTR ?(\d{12,15})", "PACTR{}"),
        # Thai Clinical Trials Registry
        ("TCTR", r"TCTR ?(\d{11})", "TCTR{}"),
        # Brazilian Clinical Trials Registry (ReBEC)
        ("ReBEC", r"RBR ?- ?([0-9A-Z]{6,8})", "RBR-{}"),
        # Sri Lanka Clinical Trials Registry
        ("SLCTR", r"SLCTR ?/ ?(\d{4}) ?/ ?(\d{3})", "SLCTR/{}/{}"),
        # Lebanese Clinical Trials Registry
        ("LBCTR", r"LBCTR ?(\d{10})", "LBCTR{}"),
        # Peruvian Clinical Trial Registry (REPEC)
        ("REPEC", r"PER ?- ?(\d{3}) ?- ?(\d{2})", "PER-{}-{}"),
        # Cuban Public Registry of Clinical Trials
        ("RPCEC", r"RPCEC ?(\d{8,9})", "RPCEC{}"),
        # WHO Universal Trial Number, given to a trial before it is registered anywhere
        ("WHO UTN", r"U ?1111 ?- ?(\d{4}) ?- ?([0-9A-Z]{4})", "U1111-{}-{}"),
    )
)
# A label written before a number ("EudraCT 2018-004758-39", "EUDRACT NUMBER: …",
# "EU CT number: …", "UTN: …"): set aside when the number alone is not a registration.
_REGISTRATION_LABEL = re.compile(
    r"(?:EUDRACT|EU ?-?CTR?|CTIS|CLINICALTRIALS\.GOV|(?:WHO )?(?:UTN|UNIVERSAL TRIAL NUMBER(?: \(UTN\))?))"
    r"(?:[ -]?(?:NUMBER|NO\.?|NR\.?|ID|IDENTIFIER))?(?: ?[:#] ?| )"
)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_ID_SPLIT = re.compile(r"[;,\n]")


@lru_cache(maxsize=65536)
def registration(written: str) -> tuple[str, str] | None:
    """(register, the number in one spelling) of a trial's registration number however it
    was written (case, spaces, dashes, a member state's suffix, a label before it); None
    when ``written`` is no register's number."""
    text_ = " ".join(unicodedata.normalize("NFKC", written).translate(_DASHES).upper().split()).strip(" .")
    label = _REGISTRATION_LABEL.match(text_)
    for candidate in (text_, text_[label.end():]) if label else (text_,):
        for register, pattern, spelling in _REGISTRATIONS:
            match = pattern.fullmatch(candidate)
            if match:
                return register, spelling.format(*match.groups())
    return None


@dataclass(frozen=True, slots=True)
class TrialIds:
    """What identifies the trial a registry record registers."""

    ids: frozenset[str]
    """Its registration numbers in every register, each in one spelling: its own and those
    it gives among its other identifiers."""
    own: tuple[str, str] | None
    """(register, number) of the record's own registration number, when it is one."""


def trial_ids(source_id: str, secondary: str) -> TrialIds | None:
    """A registry record's registration numbers from its own id and its other identifiers
    (``"; "``-separated); None when it gives none."""
    own = registration(source_id) if source_id else None
    ids = {own[1]} if own else set()
    for value in _ID_SPLIT.split(secondary):
        found = registration(value) if value.strip() else None
        if found:
            ids.add(found[1])
    return TrialIds(frozenset(ids), own) if ids else None


_MONTH_NUMBERS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
                  "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH_NAME = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:[a-z]*)\.?")
# "Suppl", "Suppl. 1", "SUPPL 2", "Supplement_1", "Suppl A", "S1": a supplement and its number.
_SUPPLEMENT_MARK = re.compile(r"\b(?:supplement|suppl|supp|sup|spl)\b\.?\s*(\d+|[a-z](?![a-z]))?|\bs(\d+)\b")
# Parts and special-issue labels inside an issue ("11, Part 1", "14, Sp. Iss. SI") say
# nothing more about which issue it is.
_ISSUE_LABELS = re.compile(r"\b(?:pt|part)\b\.?\s*\w+|\bsp\.?\s*iss\.?(?:\s*si\b)?|\bspecial issue\b|\bsi\b"
                           r"|\b(?:no|nr|number|issue)\b\.?")
_ISSUE_RANGE = re.compile(r"(\d+)\s*[-/&\u2010-\u2015]\s*(\d+)")
_ISSUES_IN_A_VOLUME = 100
_SPREADSHEET_DATE = re.compile(r"^\d{1,2}-[a-z]{3}$|^[a-z]{3}-\d{1,2}$")  # "1-6" became "01-Jun"


@dataclass(frozen=True, slots=True)
class Issue:
    """What an issue field says about where in a volume an item stands."""

    numbers: frozenset[int]
    """The issue's number, or the numbers of a combined issue ("1-2")."""
    months: frozenset[int]
    """Months the issue is named by ("Aug", "May-Jun"), 1 to 12."""
    supplement: int | None
    """The supplement's number (0 when unnumbered, 101… for A, B…); None when not a supplement."""


@lru_cache(maxsize=65536)
def _issue(raw: str) -> Issue | None:
    """An issue as written ("3", "1-2", "10 SUPPL. 1", "Suppl 2", "Aug", "14, Sp. Iss. SI"),
    or None when the field holds something else (an affiliation, a note) or nothing usable."""
    text_ = raw.lower().replace("_", " ").strip(" .,;")
    if not text_ or len(text_) > 40 or "@" in text_ or _SPREADSHEET_DATE.match(text_):
        return None
    supplement = None
    mark = _SUPPLEMENT_MARK.search(text_)
    if mark:
        number = mark.group(1) or mark.group(2)
        supplement = 0 if not number else int(number) if number.isdigit() else 100 + ord(number) - ord("a") + 1
        text_ = text_[: mark.start()] + " " + text_[mark.end():]
    text_ = _ISSUE_LABELS.sub(" ", text_)
    months = [_MONTH_NUMBERS[match.group(1)] for match in _MONTH_NAME.finditer(text_)]
    if len(months) == 2 and "-" in text_ and months[0] < months[1]:
        months = list(range(months[0], months[1] + 1))  # "Jan-Mar"
    text_ = _MONTH_NAME.sub(" ", text_)
    if any(ch.isalpha() for ch in text_):
        return None  # words an issue never holds
    numbers: set[int] = set()
    for match in _ISSUE_RANGE.finditer(text_):
        first, last = int(match.group(1)), int(match.group(2))
        numbers.update(range(first, last + 1) if 0 < last - first <= 12 else (first, last))
    numbers.update(int(run) for run in _FIRST_INT.findall(_ISSUE_RANGE.sub(" ", text_)))
    # A volume has at most a hundred issues (twice-weekly journals reach seventy); a larger
    # number counts issues over the journal's whole run (The Lancet's 9135) or is no issue
    # at all (a reference manager's record number in its "Number" field), and proves nothing.
    numbers = {number for number in numbers if number <= _ISSUES_IN_A_VOLUME}
    if not numbers and not months and supplement is None:
        return None
    return Issue(frozenset(numbers), frozenset(months), supplement)


def _locator_tail(volume: str, issue: str) -> int | None:
    """The last number of a locator written "volume(issue)" when it has more than one: what
    is left when the locator is cut at its parenthesis ("1)" of "61(10 SUPPL. 1)")."""
    runs = _FIRST_INT.findall(f"{volume} {issue}")
    return int(runs[-1]) if len(runs) >= 2 else None


def _text(value: object) -> str:
    """A field as text ("" when empty), whatever type a caller stored."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _issue_of(volume: str, issue: str) -> Issue | None:
    """The record's issue, with the supplement that some databases write in the volume
    ("61 Suppl 1") and others in the issue ("Suppl. 1", "Supplement_1", "S1")."""
    parsed = _issue(issue) if issue else None
    if volume and not volume.isdigit():
        mark = _SUPPLEMENT_MARK.search(volume.lower().replace("_", " "))
        if mark and (parsed is None or parsed.supplement is None):
            in_volume = _issue(volume[mark.start():])
            if in_volume is not None and in_volume.supplement is not None:
                if parsed is None:
                    return Issue(frozenset(), frozenset(), in_volume.supplement)
                return Issue(parsed.numbers, parsed.months, in_volume.supplement)
    return parsed


def _trial_of(record: dict) -> TrialIds | None:
    """The registration numbers of a registry record: its ``source_id`` and its other
    identifiers, kept in ``extra``."""
    extra = record.get("extra")
    secondary = extra.get(SECONDARY_IDS) if isinstance(extra, dict) else None
    return trial_ids(_text(record.get("source_id")), _text(secondary))


class Prepared:
    """What the matcher compares of one record, computed once."""

    __slots__ = (
        "index", "key", "database", "source_id", "doi", "title", "authors", "surnames",
        "first_author", "year", "journal", "meeting", "journal_raw", "conference", "cochrane",
        "preprint", "volume", "volume_raw", "volume_cut", "issue", "issue_of", "locator_tail", "pages", "page",
        "page_raw", "supplement", "abstract", "completeness", "order", "trial",
    )

    def __init__(self, index: int, record: dict) -> None:
        self.index = index
        self.key = record["key"]
        self.database = record.get("database") or ""
        self.source_id = _text(record.get("source_id")).strip().lower()
        written_doi = _text(record.get("doi"))
        doi = (doi_key(written_doi) or "") if written_doi else ""
        if doi.startswith("10.1002/central/"):
            doi = ""  # CENTRAL's record number written as a DOI, not the article's DOI
        self.doi = doi or None
        raw_title = _text(record.get("title"))
        self.title = _title(raw_title) if raw_title else None
        authors = []
        for name in record.get("authors") or []:
            parsed = _author(name) if isinstance(name, str) else None
            if parsed:
                authors.append(parsed)
        self.authors = tuple(authors)
        self.surnames = frozenset(a[1] for a in authors)
        self.first_author = authors[0] if authors else None
        self.year = _first_int(_text(record.get("year")))
        journal_raw = _text(record.get("journal"))
        names, meeting, conference, cochrane, preprint = (
            _journal(journal_raw) if journal_raw else ((), "", False, False, False)
        )
        self.journal = names
        self.meeting = meeting
        self.journal_raw = journal_raw
        types = {fold(t) for t in record.get("publication_type") or [] if isinstance(t, str)}
        self.conference = conference or bool(types & _CONFERENCE_TYPES) or bool(self.title and self.title.conference_note)
        self.cochrane = cochrane or bool(doi and doi.startswith("10.1002/14651858"))
        self.preprint = preprint or bool(doi and doi.startswith(_PREPRINT_DOI)) or "preprint" in types or "posted content" in types
        # a registry record's registration numbers; a journal article that cites one reports
        # the trial, it is not its registration
        self.trial = _trial_of(record) if _TRIAL_RECORD in types else None
        self.volume_raw = _text(record.get("volume"))
        self.volume = _first_int(_ORDINAL_NUMBER.sub(" ", self.volume_raw)) if self.volume_raw else None
        # a piece of a "volume(issue)" locator cut at its parenthesis: "1)", "61(10"
        self.volume_cut = self.volume_raw.count("(") != self.volume_raw.count(")")
        self.issue = _text(record.get("issue"))
        self.issue_of = _issue_of(self.volume_raw, self.issue)
        self.locator_tail = _locator_tail(self.volume_raw, self.issue) if self.volume_raw or self.issue else None
        pages = _text(record.get("pages")).strip()
        self.page_raw = pages or None
        self.pages = _pages(pages) if pages else None
        self.page = self.pages.first if self.pages else None
        self.supplement = any(
            _SUPPLEMENT.search(value.lower()) for value in (self.volume_raw, self.issue, pages) if value
        )
        abstract = _text(record.get("abstract"))
        self.abstract = _fold_long(abstract[:600])[:400].replace(" ", "") if abstract else ""
        filled = sum(1 for name in FIELDS if record.get(name))
        self.completeness = (bool(abstract), bool(doi), filled)
        self.order = (
            self.title.compact if self.title else "", self.first_author[1] if self.first_author else "",
            self.year or 0, self.key,
        )

    def copy_for(self, record: dict) -> Prepared:
        """What the matcher compares of ``record``, identical to this one in every field but
        its key and database: this record's values, not computed again."""
        copy = Prepared.__new__(Prepared)
        for name in Prepared.__slots__:
            setattr(copy, name, getattr(self, name))
        copy.key = record["key"]
        copy.database = record.get("database") or ""
        copy.order = self.order[:-1] + (copy.key,)
        return copy
