"""British and American spellings, and folding text for matching.

A term written one way also finds the other spelling: ``behaviour`` finds ``behavior``,
``paediatric*`` finds ``pediatrics``, ``organise`` finds ``organize``. Variants are made from
the term, never from the text, so a rule that produces a word nobody writes costs nothing:
it just never matches. Folding makes matching case- and accent-insensitive.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Word endings: (British, American). Each is tried in both directions on whole words.
_ENDINGS: tuple[tuple[str, str, str], ...] = (
    # stem pattern, British ending, American ending
    (r"\w{2,}", "our", "or"),          # behaviour, colour, tumour, labour (four, hour: stem too short)
    (r"\w{2,}", "is", "iz"),           # organis-e/-ation/-ing, prioritis-
    (r"\w{2,}", "ys", "yz"),           # analys-e, paralys-ed
    (r"\w{3,}", "tre", "ter"),         # centre, theatre, metre
    (r"\w{2,}", "bre", "ber"),         # fibre, sabre
    (r"\w{3,}", "ogue", "og"),         # catalogue, dialogue
    (r"\w*[aeiou]", "ll", "l"),        # travell-ed, modell-ing, counsell-or
)
_ENDING_SUFFIXES = {
    "our": r"(?:s|ed|ing|ite|ites|able|ful|less|al|ally|ism|ist|ists|er|ers)?",
    "is": r"(?:e|es|ed|ing|ation|ations|er|ers)",
    "ys": r"(?:e|es|ed|ing|er|ers)",
    "tre": r"(?:s|d)?",
    "bre": r"(?:s)?",
    "ogue": r"(?:s)?",
    "ll": r"(?:ed|ing|er|ers|or|ors)",
}

# Fragments that differ inside words, mostly in medicine: (British, American).
_FRAGMENTS: tuple[tuple[str, str], ...] = (
    ("paediatr", "pediatr"), ("paedophil", "pedophil"), ("orthopaed", "orthoped"),
    ("encyclopaed", "encycloped"), ("haem", "hem"), ("anaem", "anem"), ("anaesth", "anesth"),
    ("aetiol", "etiol"), ("gynaec", "gynec"), ("leukaem", "leukem"), ("ischaem", "ischem"),
    ("glycaem", "glycem"), ("septicaem", "septicem"), ("caesar", "cesar"), ("archaeo", "archeo"),
    ("mediaev", "mediev"), ("oesophag", "esophag"), ("oestr", "estr"), ("oedem", "edem"),
    ("foet", "fet"), ("diarrhoe", "diarrhe"), ("manoeuvr", "maneuver"), ("ageing", "aging"),
    ("judgement", "judgment"), ("programme", "program"), ("licence", "license"),
    ("defence", "defense"), ("offence", "offense"), ("pretence", "pretense"),
    ("practis", "practic"), ("sceptic", "skeptic"), ("sulph", "sulf"), ("aluminium", "aluminum"),
    ("enrolment", "enrollment"), ("fulfil", "fulfill"), ("skilful", "skillful"),
    ("wilful", "willful"), ("mould", "mold"), ("plough", "plow"),
)
# Whole words only: as fragments they would change unrelated words.
_WORDS: tuple[tuple[str, str], ...] = (("grey", "gray"), ("tyre", "tire"), ("kerb", "curb"))

_ENDING_RULES = [
    (re.compile(f"^({stem}){british}({_ENDING_SUFFIXES[british]})$"), british, american)
    for stem, british, american in _ENDINGS
]
_ENDING_RULES_BACK = [
    (re.compile(f"^({stem}){american}({_ENDING_SUFFIXES[british]})$"), american, british)
    for stem, british, american in _ENDINGS
]
# A literal cut by a wildcard (``organis*``) may end in the middle of an ending.
_OPEN_ENDINGS = [
    (re.compile(f"^({stem}){british}$"), british, american) for stem, british, american in _ENDINGS
] + [(re.compile(f"^({stem}){american}$"), american, british) for stem, british, american in _ENDINGS]


def spellings(word: str, *, open_end: bool = False) -> set[str]:
    """The folded word and its other spellings (``open_end``: the word is a wildcard's stem)."""
    variants = {word}
    for british, american in _WORDS:
        if word == british:
            variants.add(american)
        elif word == american:
            variants.add(british)
    for british, american in _FRAGMENTS:
        for found in list(variants):
            if british in found:
                variants.add(found.replace(british, american))
            elif american in found:
                variants.add(found.replace(american, british))
    rules = _OPEN_ENDINGS if open_end else _ENDING_RULES + _ENDING_RULES_BACK
    for found in list(variants):
        for pattern, this, other in rules:
            match = pattern.match(found)
            if match:
                suffix = "" if open_end else match.group(2)
                variants.add(f"{match.group(1)}{other}{suffix}")
    return variants


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = _SPECIAL.get(folded, folded).lower()
    # Anything that is not a letter or digit separates words, like ASCII punctuation.
    return folded if folded.isalnum() else " " * max(1, len(folded))


_SPECIAL = {"ß": "ss", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d"}

# Text is matched in a folded form: lower case, accents removed, and every character that
# is not a letter, a digit or NUL (which separates fields) turned into a space, one for one.
# Words are then separated by spaces, so a term is one string to look for, bounded by
# spaces (" carer ", " child" for child*), and offsets stay those of the original.
_ASCII_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c == 0) else 32 for c in range(256)
)
_PUNCTUATION = str.maketrans({chr(c): " " for c in range(128) if _ASCII_TABLE[c] == 32})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold_ascii(text: str) -> bytes:
    """Folded ASCII text as bytes (``fold`` for text that ``isascii``)."""
    # bytes.translate is a table lookup in C: 10x faster than str.lower and replace calls.
    return text.encode("ascii").translate(_ASCII_TABLE)


def fold(text: str) -> tuple[str, bool]:
    """Folded text (lower case, no accents, punctuation as spaces) and whether offsets still match."""
    if text.isascii():
        return fold_ascii(text).decode("ascii"), True
    # Only the non-ASCII characters go through Python; the rest is translated in C.
    folded = _NON_ASCII.sub(_fold_match, text).lower().translate(_PUNCTUATION)
    return folded, len(folded) == len(text)


def fold_words(text: str) -> list[str]:
    """The words of a term as matching sees them (``O'Brien-Smith`` → o, brien, smith)."""
    return fold(text)[0].split()


def _fold_match(match: re.Match) -> str:
    return _fold_char(match.group())
