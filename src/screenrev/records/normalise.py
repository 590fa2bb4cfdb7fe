"""Normalisation shared by every format: one spelling for DOIs, years, pages, languages.

Each function takes what a vendor wrote and returns the canonical form, or None when
nothing usable is there. Nothing here guesses: a value that cannot be read is left out
of the canonical field but stays in the record's raw tags.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_DOI = re.compile(r"10\.\d{3,9}/[^\s\"<>]+", re.IGNORECASE)
# The rest of a SICI DOI after its "(year)volume": "<0680:DPFICK>2.3.CO;2". A DOI ends
# at "<" (DOIs written in angle brackets, HTML), except there: cut, the DOI would name
# the journal's volume, which every article in it shares.
_SICI_TAIL = re.compile(r"<\d+:[0-9A-Z]+>[^\s\"<>]+", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")
_ISBN = re.compile(r"\b(?:97[89][-\s]?)?(?:\d[-\s]?){9}[\dXx]\b")
_DASHES = re.compile(r"\s*[\u2010\u2011\u2012\u2013\u2014\u2212-]+\s*")
_MISSING = frozenset({"", "na", "n/a", "none", "null", "[no abstract available]", "no abstract available"})

# EBSCO appends a second abstract paragraph that is a copyright notice, not the abstract.
_EBSCO_COPYRIGHT = re.compile(
    r"\s*Copyright of .{1,400}? is the property of .{1,400}? and its content may not be "
    r"copied.*$",
    re.IGNORECASE | re.DOTALL,
)
_ABSTRACT_FROM = re.compile(r"\s*\[ABSTRACT FROM (?:AUTHOR|PUBLISHER)\]\s*$", re.IGNORECASE)
_PUBLISHER_COPYRIGHT = re.compile(
    r"\s*\((?:PsycInfo|PsycINFO) Database Record \(c\) \d{4} APA,? all rights reserved\)\.?\s*$",
    re.IGNORECASE,
)


def _needs_folding(value: str) -> bool:
    # Splitting a long abstract into words costs more than these substring tests, which
    # settle most ASCII values; other text takes the general path. The double space goes
    # last: it is the slowest to look for (spaces are everywhere), 2 µs in an abstract.
    return not value.isascii() or "\n" in value or "\t" in value or "\r" in value or "  " in value


#: What ``str.split()`` takes for whitespace in ASCII text, besides the space and the newline.
_OTHER_ASCII_WHITESPACE = "\t\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _fold(value: str) -> str:
    """``" ".join(value.split())``, without splitting the usual case: lines joined by newlines."""
    if value.isascii():
        joined = value.replace("\n", " ")
        if (
            joined[:1] != " "
            and joined[-1:] != " "
            and "  " not in joined
            and not any(space in joined for space in _OTHER_ASCII_WHITESPACE)
        ):
            return joined
    return " ".join(value.split())


def text(value: str | None) -> str | None:
    """Whitespace folded, HTML tags and entities resolved; None when empty."""
    if not value:
        return None
    if "<" in value:
        value = _TAG.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    if _needs_folding(value):
        return _fold(value) or None
    return value.strip() or None


def abstract(value: str | None) -> str | None:
    """The abstract without vendor boilerplate (EBSCO and APA copyright notices)."""
    value = text(value)
    if value is None or (len(value) < 40 and value.lower() in _MISSING):
        return None
    # Cheap substring tests first: these patterns are rare and the regexes are not free.
    if "opyright of" in value:
        value = _EBSCO_COPYRIGHT.sub("", value)
    if "ABSTRACT FROM" in value:
        value = _ABSTRACT_FROM.sub("", value)
    if "atabase Record" in value:
        value = _PUBLISHER_COPYRIGHT.sub("", value)
    return value.strip() or None


def doi(value: str | None) -> str | None:
    """A bare lowercase DOI from any of its written forms (URL, ``doi:`` prefix…)."""
    if not value:
        return None
    value = value.replace("%2F", "/").replace("%2f", "/")
    match = _DOI.search(value)
    if not match:
        return None
    found = match.group(0)
    tail = _SICI_TAIL.match(value, match.end())
    if tail is not None:
        found += tail.group(0)
    return found.rstrip(".,;)]}").lower()


# Cached: a few hundred distinct dates cover most of a large export.
@lru_cache(maxsize=4096)
def year(value: str | None) -> str | None:
    """The four-digit year in a date however it is written (``2019//``, ``2019 May 5``)."""
    if not value:
        return None
    match = _YEAR.search(value)
    return match.group(1) if match else None


def pages(value: str | None) -> str | None:
    """A page range as ``first-last`` with the last page written in full (``123-9`` → ``123-129``)."""
    first, dash, last = (value or "").partition("-")
    # The usual ``123-129`` (digits on both sides of one hyphen) needs neither the text
    # clean-up nor the dash regex: it reads the same through both.
    if not (dash and first.isdigit() and last.isdigit()):
        value = text(value)
        if value is None or not any(ch.isdigit() for ch in value):
            return None
        parts = _DASHES.split(value)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            return value
        first, last = parts
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    if first == last:
        return first
    return f"{first}-{last}"


@lru_cache(maxsize=65536)
def _issns_in(value: str) -> tuple[str, ...]:
    return tuple(f"{a}-{b.upper()}" for a, b in _ISSN.findall(value))


def issns(values: list[str]) -> list[str]:
    """ISSNs as ``1234-567X``, without vendor suffixes such as ``(ISSN)``."""
    found: list[str] = []
    for value in values:
        for issn in _issns_in(value):
            if issn not in found:
                found.append(issn)
    return found


@lru_cache(maxsize=65536)
def _isbns_in(value: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[-\s]", "", match).upper() for match in _ISBN.findall(value))


def isbns(values: list[str]) -> list[str]:
    """ISBNs as bare digits (and a final X)."""
    found: list[str] = []
    for value in values:
        for isbn in _isbns_in(value):
            if isbn not in found:
                found.append(isbn)
    return found


# One vocabulary for languages: ISO 639-1 codes, from English names, native names and
# the three-letter codes PubMed and library catalogues use.
_LANGUAGES: dict[str, tuple[str, ...]] = {
    "en": ("english", "eng", "en", "anglais", "englisch"),
    "de": ("german", "deutsch", "ger", "deu", "de"),
    "fr": ("french", "français", "francais", "fre", "fra", "fr"),
    "es": ("spanish", "español", "espanol", "castilian", "spa", "es"),
    "pt": ("portuguese", "português", "portugues", "por", "pt"),
    "it": ("italian", "italiano", "ita", "it"),
    "nl": ("dutch", "nederlands", "flemish", "dut", "nld", "nl"),
    "zh": ("chinese", "mandarin", "chi", "zho", "zh"),
    "ja": ("japanese", "jpn", "ja"),
    "ko": ("korean", "kor", "ko"),
    "ru": ("russian", "rus", "ru"),
    "pl": ("polish", "pol", "pl"),
    "sv": ("swedish", "swe", "sv"),
    "da": ("danish", "dan", "da"),
    "no": ("norwegian", "norsk", "nor", "nob", "nno", "no", "nb"),
    "fi": ("finnish", "fin", "fi"),
    "tr": ("turkish", "tur", "tr"),
    "el": ("greek", "modern greek", "gre", "ell", "el"),
    "he": ("hebrew", "heb", "he"),
    "ar": ("arabic", "ara", "ar"),
    "fa": ("persian", "farsi", "per", "fas", "fa"),
    "hu": ("hungarian", "hun", "hu"),
    "cs": ("czech", "cze", "ces", "cs"),
    "sk": ("slovak", "slo", "slk", "sk"),
    "sl": ("slovenian", "slovene", "slv", "sl"),
    "hr": ("croatian", "hrv", "hr"),
    "sr": ("serbian", "srp", "sr"),
    "ro": ("romanian", "rum", "ron", "ro"),
    "bg": ("bulgarian", "bul", "bg"),
    "uk": ("ukrainian", "ukr", "uk"),
    "lt": ("lithuanian", "lit", "lt"),
    "lv": ("latvian", "lav", "lv"),
    "et": ("estonian", "est", "et"),
    "is": ("icelandic", "ice", "isl", "is"),
    "ca": ("catalan", "cat", "ca"),
    "eu": ("basque", "baq", "eus", "eu"),
    "gl": ("galician", "glg", "gl"),
    "af": ("afrikaans", "afr", "af"),
    "id": ("indonesian", "ind", "id"),
    "ms": ("malay", "may", "msa", "ms"),
    "th": ("thai", "tha", "th"),
    "vi": ("vietnamese", "vie", "vi"),
    "hi": ("hindi", "hin", "hi"),
    "bn": ("bengali", "ben", "bn"),
    "ur": ("urdu", "urd", "ur"),
    "la": ("latin", "lat", "la"),
    "eo": ("esperanto", "epo", "eo"),
    "ga": ("irish", "gle", "ga"),
    "cy": ("welsh", "wel", "cym", "cy"),
}
_LANGUAGE_CODE = {alias: code for code, aliases in _LANGUAGES.items() for alias in aliases}
_NO_LANGUAGE = frozenset({"undefined", "unknown", "und", "zxx", "mul"})
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_LANGUAGE_SPLIT = re.compile(r"\s*(?:[;,/|]|\band\b)\s*")


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code (``es`` → ``Spanish``); the code itself when unknown."""
    names = _LANGUAGES.get(code.lower())
    return names[0].title() if names else code


@lru_cache(maxsize=4096)
def language(value: str | None) -> str | None:
    """The language as an ISO 639-1 code (``English``, ``eng``, ``EN`` → ``en``).

    Several languages become a ``;``-separated list; a name outside the vocabulary is
    kept in lowercase rather than dropped.
    """
    value = text(value)
    if value is None or value.lower() in _NO_LANGUAGE:
        return None
    codes: list[str] = []
    for part in _LANGUAGE_SPLIT.split(value.lower()):
        part = _PARENTHESES.sub("", part).strip(" .[]")
        if not part:
            continue
        code = _LANGUAGE_CODE.get(part, part)
        if code not in codes:
            codes.append(code)
    return ";".join(codes) or None


_NOT_AUTHORS = frozenset({"et al", "et al.", "[anonymous]", "anonymous", "and others"})
_URL = re.compile(r"^(?:https?|ftp)://|^www\.", re.IGNORECASE)


def _unique(values: list[str]) -> list[str]:
    """Values cleaned like ``text``, empty ones and repeats left out, order kept."""
    if len(values) > 1:
        # One test over all the values settles the usual list (authors, keywords) at once:
        # the separator cannot make or hide anything ``text`` would change.
        joined = "\x1f".join(values)
        if "<" not in joined and "&" not in joined and not _needs_folding(joined):
            plain = dict.fromkeys(map(str.strip, values))
            plain.pop("", None)
            return list(plain)
    seen: dict[str, None] = {}
    for value in values:
        if "<" in value or "&" in value:
            value = text(value) or ""
        elif _needs_folding(value):
            value = _fold(value)
        else:
            value = value.strip()
        if value:
            seen[value] = None
    return list(seen)


def finish(fields: dict) -> dict:
    """Apply the shared normalisation to a record mapped by a format's ``to_fields``."""
    get = fields.get
    fields["title"] = text(get("title"))
    fields["abstract"] = abstract(get("abstract"))
    fields["journal"] = text(get("journal"))
    fields["volume"] = text(get("volume"))
    fields["issue"] = text(get("issue"))
    fields["pages"] = pages(get("pages"))
    fields["doi"] = doi(get("doi"))
    fields["year"] = year(get("year"))
    fields["language"] = language(get("language"))
    fields["source_id"] = text(get("source_id"))
    fields["issn"] = issns(get("issn") or [])
    fields["isbn"] = isbns(get("isbn") or [])
    authors = _unique(get("authors") or [])
    if not _NOT_AUTHORS.isdisjoint(map(str.lower, authors)):
        authors = [name for name in authors if name.lower() not in _NOT_AUTHORS]
    fields["authors"] = authors
    fields["keywords"] = _unique(get("keywords") or [])
    # Joined and split again: the same parts as splitting each value, in one call.
    fields["publication_type"] = _unique(";".join(get("publication_type") or []).split(";"))
    # Vendors put e-mail addresses and ORCIDs in URL tags (EBSCO ``UR``): keep links only.
    fields["url"] = [url for url in _unique(get("url") or []) if _URL.match(url)]
    return fields
