"""rules explain as an advisory group reads it: totals, two counts per criterion, plain words,
examples of unsure records, a header and a sign-off table, and nothing from a record that
can run in a page."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from typer.testing import CliRunner

from screenrev.rules.explain import plain_evidence, type_words

from ..conftest import invoke

PROTOCOL = """\
title: Two criteria that overlap
criteria:
  - id: old
    label: Published before 2010
    field: year
    before: 2010
  - id: not-english
    label: Not written in English
    field: language
    not_in: [English]
  - id: conference
    label: Not in a peer-reviewed journal
    peer_reviewed: false
  - id: kids
    label: About children
    action: flag
    text: [title, abstract]
    any: [child*]
"""

RIS = """\
TY  - CPAPER
TI  - Old conference paper on adult care
PY  - 2001
LA  - Spanish
AB  - A study of adult social care, long enough to be read by any criterion without doubt at all.
ER  - 

TY  - JOUR
TI  - A journal article on child welfare
PY  - 2015
LA  - English
AB  - Children in care and the services that support them, described in a long abstract for reading.
ER  - 

TY  - GEN
TI  - <script>alert("x")</script> A generic item **bold** [link](http://evil.example)
PY  - 2016
LA  - English
ER  - 

TY  - JOUR
TI  - A recent journal article with no abstract
LA  - English
ER  - 
"""


def _review(runner: CliRunner, review_dir: Path) -> Path:
    (review_dir / "export.ris").write_text(RIS, encoding="utf-8")
    protocol = review_dir / "protocol.yaml"
    protocol.write_text(PROTOCOL, encoding="utf-8")
    invoke(runner, "import", "export.ris", "-d", "Test")
    invoke(runner, "screen")
    return protocol


def test_totals_first_and_two_counts_that_add_up(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    text = invoke(runner, "rules", "explain", "protocol.yaml").stdout
    totals = text.index("What the rules did in this review:")
    assert totals < text.index("1. Published before 2010")
    assert "  Records checked: 4\n  Excluded automatically: 1\n  Flagged for a human to check: 1\n" in text
    # The 2001 record is matched by three criteria and excluded first by the first of them.
    section = dict(enumerate(re.split(r"\n(?=\d\. )", text)))
    assert "In this review: Matched: 1; excluded first by this criterion: 1;" in section[1]
    language, journal = section[2], section[3]
    assert "Matched: 1; excluded first by this criterion: 0;" in language
    assert "Matched: 1; excluded first by this criterion: 0;" in journal
    assert "counts a record only under the first criterion" in text


def test_plain_words_for_codes_and_languages(runner: CliRunner, review_dir: Path) -> None:
    assert type_words("CPAPER") == "conference paper" and type_words("THES") == "thesis"
    assert type_words("Editorial") == "Editorial"
    assert plain_evidence("type: CPAPER (not a journal article)") == \
        "publication type: conference paper (“CPAPER”), not a journal article"
    assert plain_evidence("language: es") == "language: Spanish"
    assert plain_evidence("language: de (detected from title and abstract, p=0.95)") == \
        "language: German (worked out from the title and abstract, 95.0 % sure)"
    _review(runner, review_dir)
    text = invoke(runner, "rules", "explain", "protocol.yaml", "--format", "md").stdout
    assert "CPAPER (" not in text and "type: CPAPER" not in text
    assert "language: es" not in text


def test_unsure_examples_and_the_general_paragraph_once(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    text = invoke(runner, "rules", "explain", "protocol.yaml").stdout
    assert text.count("Capitals and accents are ignored") == 1
    assert text.count("Missing data never excludes a record") == 1
    year = text.split("1. Published before 2010")[1].split("2. Not written")[0]
    assert "Left unsure, for example:" in year and "A recent journal article with no abstract" in year
    assert "no year" in year
    peer = text.split("3. Not in a peer-reviewed journal")[1].split("4. About children")[0]
    assert "says nothing about peer review" in peer  # the GEN record, left for a human


def test_header_and_sign_off(runner: CliRunner, review_dir: Path) -> None:
    protocol = _review(runner, review_dir)
    sha = hashlib.sha256(protocol.read_bytes()).hexdigest()
    for form in ("md", "html"):
        page = invoke(runner, "rules", "explain", "protocol.yaml", "--format", form).stdout
        assert sha in page and "protocol.yaml, last modified on " in page
        assert "Sign-off" in page
        assert ("| Name | Role | Date | Comments |" in page if form == "md"
                else "<th>Name</th><th>Role</th><th>Date</th><th>Comments</th>" in page)
    text = invoke(runner, "rules", "explain", "protocol.yaml").stdout
    assert sha in text and "Sign-off" not in text


def test_values_from_records_cannot_run_or_restyle_a_page(runner: CliRunner, review_dir: Path,
                                                          tmp_path: Path) -> None:
    from screenrev.rules.explain import Example, explain, render_html, render_markdown
    from screenrev.rules.protocol import load_protocol

    (tmp_path / "protocol.yaml").write_text(PROTOCOL, encoding="utf-8")
    protocol = load_protocol(tmp_path / "protocol.yaml")
    hostile = Example('<script>alert("x")</script> & <img src=x onerror=alert(1)> \u202eevil',
                      "'child*' in title: \"<b>[child]</b>\"", ((0, 8),))
    document = explain(protocol, examples={"kids": [hostile]})
    page = render_html(document)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\u202e" not in page  # a direction override is shown, never obeyed
    markdown = render_markdown(document)
    assert "<script>" not in markdown and r"\<script\>" in markdown
    # Through the command: a title's Markdown stays text.
    _review(runner, review_dir)
    text = invoke(runner, "rules", "explain", "protocol.yaml", "--format", "md", "-n", "5").stdout
    assert r"\*\*bold\*\*" in text and r"\[link\](http://evil.example)" in text


def test_the_audit_is_shown(runner: CliRunner, review_dir: Path) -> None:
    _review(runner, review_dir)
    invoke(runner, "rules", "audit", "--sample", "5")
    text = invoke(runner, "rules", "explain", "protocol.yaml").stdout
    assert "Rules audit: 1 sampled, none checked yet" in text.split("1. Published")[1].split("2. ")[0]
