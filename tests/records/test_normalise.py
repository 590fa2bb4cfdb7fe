"""Vendor spellings of the same value become one canonical spelling."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screenrev.records import normalise


@pytest.mark.parametrize(
    "written",
    [
        "10.1002/CPP.2398",
        "http://dx.doi.org/10.1002/cpp.2398",
        "https://doi.org/10.1002/cpp.2398",
        "doi:10.1002/cpp.2398",
        "DOI: 10.1002/cpp.2398.",
        "10.1002/cpp.2398 [doi]",
        "https://doi.org/10.1002%2Fcpp.2398",
    ],
)
def test_doi_forms(written: str) -> None:
    assert normalise.doi(written) == "10.1002/cpp.2398"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        # SICI DOIs (real ones, from a Zotero export): cut at "<" they would name a volume
        ("10.1892/0891-6640(2003)017<0680:DPFICK>2.3.CO;2", "10.1892/0891-6640(2003)017<0680:dpfick>2.3.co;2"),
        ("https://doi.org/10.1597/1545-1569(1994)031<0364:CPWART>2.3.CO;2.",
         "10.1597/1545-1569(1994)031<0364:cpwart>2.3.co;2"),
        ("10.1892/0891-6640(2004)18<673:IOOBHC>2.0.CO;2 [doi]", "10.1892/0891-6640(2004)18<673:ioobhc>2.0.co;2"),
        # a DOI in angle brackets ends at ">"; a year in brackets after one is not part of it
        ("<https://doi.org/10.1000/xyz123>", "10.1000/xyz123"),
        ("10.1016/0014-5793(81)80778-8", "10.1016/0014-5793(81)80778-8"),
    ],
)
def test_a_sici_doi_is_kept_whole(written: str, kept: str) -> None:
    assert normalise.doi(written) == kept


def test_two_sici_dois_of_one_volume_stay_two() -> None:
    one = normalise.doi("10.1892/0891-6640(2003)017<0680:DPFICK>2.3.CO;2")
    other = normalise.doi("10.1892/0891-6640(2003)017<0701:ABCDEF>2.3.CO;2")
    assert one != other


def test_no_doi_is_none() -> None:
    assert normalise.doi("http://www.example.org/article") is None
    assert normalise.doi(None) is None


@pytest.mark.parametrize(
    ("written", "year"),
    [("2019//", "2019"), ("2019/05/01/", "2019"), ("2021 May 5", "2021"), ("May 2003", "2003"),
     ("99", None), ("///", None), ("", None)],
)
def test_year_forms(written: str, year: str | None) -> None:
    assert normalise.year(written) == year


@pytest.mark.parametrize(
    ("written", "pages"),
    [("123-9", "123-129"), ("123-129", "123-129"), ("1350\u20101356", "1350-1356"),
     ("e1234", "e1234"), ("123--129", "123-129"), ("45-45", "45"), ("No-Specified", None)],
)
def test_page_ranges(written: str, pages: str | None) -> None:
    assert normalise.pages(written) == pages


@pytest.mark.parametrize(
    ("written", "code"),
    [("English", "en"), ("eng", "en"), ("EN", "en"), ("German", "de"), ("ger", "de"),
     ("English; French", "en;fr"), ("Klingon", "klingon")],
)
def test_languages_share_one_vocabulary(written: str, code: str) -> None:
    assert normalise.language(written) == code


def test_ebsco_copyright_boilerplate_is_removed() -> None:
    written = (
        "We studied things.\nCopyright of Journal of Things is the property of Things Press "
        "and its content may not be copied or emailed to multiple sites or posted to a listserv "
        "without the copyright holder's express written permission. However, users may print, "
        "download, or email articles for individual use."
    )
    assert normalise.abstract(written) == "We studied things."


def test_apa_notice_and_html_are_removed_from_abstracts() -> None:
    assert normalise.abstract("<p>Results &amp; more.</p> (PsycINFO Database Record (c) 2019 APA, all rights reserved)") == "Results & more."
    assert normalise.abstract("[No abstract available]") is None


def test_issn_and_isbn() -> None:
    assert normalise.issns(["03064530 (ISSN) ", "1573-3602", "0306-4530"]) == ["0306-4530", "1573-3602"]
    assert normalise.isbns(["978-3-16-148410-0"]) == ["9783161484100"]


def test_finish_drops_placeholders_and_non_links() -> None:
    fields = normalise.finish({
        "authors": ["Smith, J", "et al.", "Smith, J"],
        "url": ["someone@example.org", "https://example.org/a"],
        "publication_type": ["Journal Article; Review"],
    })
    assert fields["authors"] == ["Smith, J"]
    assert fields["url"] == ["https://example.org/a"]
    assert fields["publication_type"] == ["Journal Article", "Review"]


# The fast paths for the usual values must give exactly what the general rules give.
_PIECES = ["a", "b", "1", "9", "-", " ", "\n", "\t", "\r", "\x0b", "\x1c", "\xa0", "\u2013", "é", "<i>", "</i>",
           "<", "&amp;", "&", ";"]
_MESSY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


def _folded(value: str) -> str:
    return " ".join(value.split())


def _cleaned(value: str) -> str:
    if "<" in value or "&" in value:
        return normalise.text(value) or ""
    return _folded(value) if normalise._needs_folding(value) else value.strip()


@given(_MESSY)
def test_folding_shortcut_is_whitespace_folding(value: str) -> None:
    assert normalise._fold(value) == _folded(value)


# Mostly values that need no folding, so that whole lists take the shortcut.
_TIDY = st.lists(st.sampled_from(["a", "b", "1", " ", ";", "&amp;", "&", "<i>"]), max_size=6).map("".join)


@given(st.lists(st.one_of(_TIDY, _MESSY), max_size=6))
def test_list_cleaning_shortcut_cleans_each_value(values: list[str]) -> None:
    expected = list(dict.fromkeys(cleaned for cleaned in map(_cleaned, values) if cleaned))
    assert normalise._unique(values) == expected


@given(st.one_of(st.none(), _MESSY, st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,5}\Z")))
def test_page_range_shortcut_reads_like_the_general_rule(value: str | None) -> None:
    cleaned = normalise.text(value)
    if cleaned is None or not any(ch.isdigit() for ch in cleaned):
        expected = None
    else:
        parts = normalise._DASHES.split(cleaned)
        if len(parts) != 2 or not all(parts):
            expected = cleaned
        else:
            first, last = parts
            if first.isdigit() and last.isdigit() and len(last) < len(first):
                last = first[: len(first) - len(last)] + last
            expected = first if first == last else f"{first}-{last}"
    assert normalise.pages(value) == expected
