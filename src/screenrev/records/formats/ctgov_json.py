"""ClinicalTrials.gov's JSON download (``ctg-studies.json``): a list of studies in the
structure of the site's API version 2 (``protocolSection``, ``derivedSection``,
``hasResults``), written one study per line or indented.

The list is read one study at a time (``json.JSONDecoder.raw_decode``), so a study that
does not decode is an error naming its line, and a list that never closes (a download
cut between two studies) is refused too, never read as a shorter list. Each record's raw
tags are the study's values as ``(path, text)`` pairs in document order:
``protocolSection/identificationModule/nctId``; the objects of a list are numbered
(``…/interventions[2]/name``), the values of a list of text repeat their path
(``…/conditionsModule/conditions``); ``true``, ``false`` and numbers are written as JSON
writes them.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate

from ..record import RawRecord, empty_fields
from . import Notes, every, first, group_tags
from .trials import intervention, marks, record_types, secondary_ids

NAME = "ctgov_json"
LABEL = "ClinicalTrials.gov JSON"
DATABASE = "ClinicalTrials.gov"

# The key every study has once, at its top: the independent count of studies.
_STUDY_KEY = re.compile(r'"protocolSection"\s*:')
_SPACE = re.compile(r"\s*")
_INDEX = re.compile(r"\[\d+\]")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=^])")


def sniff(lines: list[str]) -> bool:
    """A JSON list whose first element has a ``protocolSection``."""
    if not lines or not lines[0].lstrip("\ufeff \t").startswith("["):
        return False
    return any(_STUDY_KEY.search(line) for line in lines[:20])


def starts(lines: list[str]) -> list[int]:
    """The line of every ``"protocolSection":`` key, once per key."""
    return marks(lines, "protocolSection", _STUDY_KEY)


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """The studies in list order, each at the line of its ``protocolSection`` key."""
    text = "\n".join(lines)
    line_starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))

    def line_of(offset: int) -> int:
        return bisect_right(line_starts, offset)

    decoder = json.JSONDecoder()
    at = _SPACE.match(text, 1 if text.startswith("\ufeff") else 0).end()
    if not text.startswith("[", at):
        raise notes.error(line_of(at), "a ClinicalTrials.gov JSON download is a list of studies, "
                                       "and this file does not start with one")
    at = _SPACE.match(text, at + 1).end()
    closed = text.startswith("]", at)
    while not closed:
        begin = at
        tags: list[tuple[str, str]] = []
        try:
            study, at = decoder.raw_decode(text, begin)
            _flatten(study, "", tags)
        except json.JSONDecodeError as exc:
            raise notes.error(line_of(begin), f"the study that starts here cannot be read ({exc.msg}, "
                                              f"line {exc.lineno}): the file is damaged or cut off; "
                                              "download it again") from None
        except RecursionError:
            raise notes.error(line_of(begin), "the study that starts here is nested too deeply to be "
                                              "a ClinicalTrials.gov study") from None
        key = _STUDY_KEY.search(text, begin, at)
        protocol = study.get("protocolSection") if isinstance(study, dict) else None
        if not isinstance(protocol, dict) or key is None:
            raise notes.error(line_of(begin), "this element of the list is not a ClinicalTrials.gov "
                                              "study (it has no protocolSection)")
        yield RawRecord(line_of(key.start()), tags, _other_ids(protocol))
        at = _SPACE.match(text, at).end()
        if text.startswith(",", at):
            at = _SPACE.match(text, at + 1).end()
        elif text.startswith("]", at):
            closed = True
        elif at >= len(text):
            raise notes.error(line_of(at), "the file ends before the list of studies is closed: "
                                           "cut off (truncated download)? Download it again")
        else:
            raise notes.error(line_of(at), "expected a comma or the end of the list after the study")
    if text[at + 1:].strip():
        raise notes.error(line_of(_SPACE.match(text, at + 1).end()),
                          "text after the list of studies: two files joined into one? import each on its own")


def _object(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _other_ids(protocol: dict) -> dict[str, str]:
    """``extra``: the sponsor's id for the study and its ids in other registers."""
    identification = _object(protocol.get("identificationModule"))
    infos = identification.get("secondaryIdInfos")
    ids = [_object(identification.get("orgStudyIdInfo")).get("id")]
    ids += [_object(info).get("id") for info in infos] if isinstance(infos, list) else []
    return secondary_ids([_text(value) for value in ids if value is not None], identification.get("nctId"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _flatten(value: object, path: str, out: list[tuple[str, str]]) -> None:
    """Append ``value``'s contents as ``(path, text)`` pairs, in document order."""
    if isinstance(value, dict):
        prefix = f"{path}/" if path else ""
        for key, item in value.items():
            _flatten(item, prefix + key, out)
    elif isinstance(value, list):
        for number, item in enumerate(value, 1):
            _flatten(item, f"{path}[{number}]" if isinstance(item, (dict, list)) else path, out)
    elif value is not None:
        out.append((path, _text(value)))


_PROTOCOL = "protocolSection/"
_IDENTIFICATION = _PROTOCOL + "identificationModule/"
_STATUS = _PROTOCOL + "statusModule/"
_SPONSORS = _PROTOCOL + "sponsorCollaboratorsModule/"
_INTERVENTIONS = _PROTOCOL + "armsInterventionsModule/interventions"


def _plain(text: str | None) -> str | None:
    """Text without the backslashes the site's Markdown puts before ``*``, ``<``, ``_``…"""
    return _ESCAPED.sub(r"\1", text) if text and "\\" in text else text


def to_fields(raw: RawRecord) -> dict:
    """The study's values mapped onto canonical fields."""
    tags = group_tags([(_INDEX.sub("", path), value) for path, value in raw.tags])
    fields = empty_fields()
    nct = first(tags, _IDENTIFICATION + "nctId")
    fields["source_id"] = nct
    fields["title"] = _plain(first(tags, _IDENTIFICATION + "briefTitle", _IDENTIFICATION + "officialTitle"))
    fields["abstract"] = _plain(first(tags, _PROTOCOL + "descriptionModule/briefSummary"))
    fields["authors"] = every(tags, _SPONSORS + "leadSponsor/name", _SPONSORS + "collaborators/name")
    fields["year"] = first(
        tags, _STATUS + "studyFirstPostDateStruct/date", _STATUS + "studyFirstSubmitDate",
        _STATUS + "startDateStruct/date",
    )
    fields["url"] = [f"https://clinicaltrials.gov/study/{nct}"] if nct else []
    fields["publication_type"] = record_types(first(tags, _PROTOCOL + "designModule/studyType"))
    kinds: dict[str, str] = {}
    names: list[tuple[str, str]] = []
    for path, value in raw.tags:
        if path.startswith(_INTERVENTIONS):
            item, _, leaf = path.rpartition("/")
            if leaf == "type":
                kinds[item] = value
            elif leaf == "name":
                names.append((item, value))
    fields["keywords"] = every(
        tags, _PROTOCOL + "conditionsModule/conditions", _PROTOCOL + "conditionsModule/keywords"
    ) + [intervention(kinds.get(item, ""), name) for item, name in names]
    return fields
