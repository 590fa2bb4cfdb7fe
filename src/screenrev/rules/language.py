"""The language of a record: from its language field, or detected from its title and abstract.

Detection uses py3langid (a maintained, deterministic naive Bayes model shipped with the
package, about 0.1 ms per record). It is limited to the languages research is published
in, since a short English title otherwise comes out as Latin or Tagalog, and it only
answers when the text is long enough and the model sure enough; otherwise the record is
left for a human.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

MIN_CHARACTERS = 40
MIN_PROBABILITY = 0.9
_SAMPLE = 300  # characters read: the same answers as 600 on 2,019 real records, 25 % faster
LANGUAGES = (
    "en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "is", "pl", "cs", "sk",
    "sl", "hr", "sr", "bg", "ro", "hu", "et", "lv", "lt", "el", "tr", "ru", "uk", "he", "ar",
    "fa", "hi", "th", "vi", "id", "ms", "zh", "ja", "ko", "ca",
)


@dataclass(frozen=True)
class Language:
    """A record's language and where it came from."""

    code: str | None
    """ISO 639-1 code, or None when it cannot be told."""
    source: str
    """"record", "detected" or "unknown"."""
    probability: float = 1.0


@cache
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect(text: str) -> Language:
    """The language of ``text``, or an unknown Language when it is too short or unclear."""
    sample = " ".join(text.split())[:_SAMPLE]
    if len(sample) < MIN_CHARACTERS:
        return Language(None, "unknown", 0.0)
    code, probability = _identifier().classify(sample)
    probability = round(float(probability), 3)
    if probability < MIN_PROBABILITY:
        return Language(None, "unknown", probability)
    return Language(code, "detected", probability)


def of_record(record: dict) -> Language:
    """The record's language field when it has one, else what its title and abstract say.

    A detection made earlier can be passed in the record as ``language_detected``:
    (code or None, probability).
    """
    if record.get("language"):
        return Language(record["language"], "record")
    earlier = record.get("language_detected")
    if earlier is not None:
        code, probability = earlier
        return Language(code, "detected" if code else "unknown", probability)
    return detect_record(record)


def detect_record(record: dict) -> Language:
    """What the record's title and abstract say its language is."""
    return detect(f"{record.get('title') or ''}. {record.get('abstract') or ''}")
