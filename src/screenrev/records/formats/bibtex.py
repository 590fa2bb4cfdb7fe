"""BibTeX and BibLaTeX: Zotero, JabRef, Scopus, Web of Science, EBSCOhost, Google Scholar.

A small scanner over the whole text, not a line reader: values may span lines and hold
nested braces. ``@string`` macros are expanded where used (the month abbreviations
``jan`` … ``dec`` are predefined, as in BibTeX's styles); ``@comment`` and ``@preamble``
are read past; every other ``@type{`` is a record, including JabRef's ``@set`` and
entries with an empty key (``@Article{,``).

Quirks handled: a space after the brace (Web of Science ``@article{ WOS:…,``), a space
inside the key (anonymised Scopus), a space in a field name (Scopus ``funding_text 1``),
``(`` … ``)`` delimiters, ``#`` concatenation, bare numbers and macro names as values.

An entry whose braces do not balance (EBSCOhost writes scraped web-page text into
``Keywords``) is read again line by line, one field per ``name = `` line, with a warning:
nothing is dropped. An entry still open at the end of the file is an error naming its
first line.

Raw tags keep each field's name as written and its value with the outer delimiters
removed but the LaTeX untouched; ``to_fields`` turns LaTeX into Unicode.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from ..record import RawRecord, empty_fields
from . import DOI_HINT, Notes

NAME = "bibtex"
LABEL = "BibTeX"

# The independent count: a line that opens an entry other than @string/@comment/@preamble.
_START = re.compile(
    r"^[\s\ufeff]*@\s*(?!(?:string|comment|preamble)\s*[{(])\w+\s*[{(]", re.IGNORECASE
)
# The same line rule over the joined text (``[^\S\n]`` = whitespace within a line).
_ENTRY = re.compile(r"^(?:[^\S\n]|\ufeff)*@[^\S\n]*(\w+)[^\S\n]*([{(])", re.MULTILINE)
_TYPE_ALONE = re.compile(r"^[\s\ufeff]*@\s*(?!comment\b)\w+\s*$", re.IGNORECASE)
_MID_LINE_ENTRY = re.compile(r"@\s*\w+\s*[{(]")
_NEXT_ENTRY = r"\n(?=[^\S\n]*@[^\S\n]*\w+[^\S\n]*[{(])"
_BRACES = re.compile(r"[{}]|" + _NEXT_ENTRY)
_BRACES_PAREN = re.compile(r"[{})]|" + _NEXT_ENTRY)
_QUOTED = re.compile(r'["{}]|' + _NEXT_ENTRY)
_SPACE = re.compile(r"\s*")
_KEY = re.compile(r"\s*([^\s,={}\"#]+(?:[^\S\n]+[^\s,={}\"#]+)*)?\s*")
_KEY_PAREN = re.compile(r"\s*([^\s,={}()\"#]+(?:[^\S\n]+[^\s,={}()\"#]+)*)?\s*")
_FIELD_NAME = re.compile(r"([^\s,={}()\"#%]+(?:[^\S\n]+[^\s,={}()\"#%]+)*)\s*=\s*")
_BARE = re.compile(r"[^\s,={}()\"#]+")
# Line-by-line recovery: a line that starts a field.
_FIELD_LINE = re.compile(
    r"^[^\S\n]*([A-Za-z][\w.:+-]*(?:[^\S\n]+\w+)?)[^\S\n]*=[^\S\n]*", re.MULTILINE
)

_KNOWN_TYPES = frozenset(
    """article book booklet conference inbook incollection inproceedings manual
    mastersthesis misc phdthesis proceedings techreport unpublished online report thesis
    set xdata string comment preamble collection mvbook mvcollection bookinbook suppbook
    suppcollection suppperiodical periodical mvproceedings reference mvreference
    inreference dataset software patent electronic www webpage standard""".split()
)
_KEYED = re.compile(r"[^\S\n]*[^\s,={}()\"#]*[^\S\n]*,")

_MONTHS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}


def sniff(lines: list[str]) -> bool:
    """A line opening an entry near the top: a known type (``@article{``, ``@STRING{``),
    or another type with ``{`` and a key followed by a comma (``@dataset{key,``); not
    ``@WHO (2019, …`` in an abstract."""
    for line in lines:
        if "@" not in line:
            continue
        match = _ENTRY.match(line)
        if match is None:
            continue
        if match.group(1).lower() in _KNOWN_TYPES or (
            match.group(2) == "{" and _KEYED.match(line, match.end())
        ):
            return True
    return False


def starts(lines: list[str]) -> list[int]:
    """Every line opening an entry that is a record."""
    return [number for number, line in enumerate(lines, 1) if "@" in line and _START.match(line)]


class _Malformed(Exception):
    """The entry does not follow BibTeX's grammar at ``pos``."""

    def __init__(self, pos: int, what: str) -> None:
        super().__init__(what)
        self.pos = pos
        self.what = what


class _Unterminated(Exception):
    """The text ends inside the entry."""


class _Scanner:
    def __init__(self, text: str, notes: Notes) -> None:
        self.text = text
        self.notes = notes
        self.macros = dict(_MONTHS)
        self.undefined: dict[str, int] = {}
        self._pos = 0
        self._line = 1

    def line_at(self, pos: int) -> int:
        """Line number of a position; positions asked for only move forward."""
        if pos >= self._pos:
            self._line += self.text.count("\n", self._pos, pos)
            self._pos = pos
            return self._line
        return self._line - self.text.count("\n", pos, self._pos)

    # -- pieces of an entry ----------------------------------------------------------

    def skip_space(self, pos: int) -> int:
        text = self.text
        while True:
            pos = _SPACE.match(text, pos).end()
            if pos < len(text) and text[pos] == "%":
                # biber reads % to the end of the line as a comment, even inside entries.
                end = text.find("\n", pos)
                pos = len(text) if end < 0 else end
                continue
            return pos

    def braced(self, pos: int) -> tuple[str, int]:
        """The text up to the ``}`` closing the brace just before ``pos``."""
        depth = 1
        for match in _BRACES.finditer(self.text, pos):
            char = match.group()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return self.text[pos : match.start()], match.end()
            else:
                raise _Malformed(match.start() + 1, "a new entry starts inside an open brace")
        raise _Unterminated

    def quoted(self, pos: int) -> tuple[str, int]:
        """The text up to the ``"`` (outside braces) closing the quote before ``pos``."""
        depth = 0
        for match in _QUOTED.finditer(self.text, pos):
            char = match.group()
            if char == '"':
                if depth == 0:
                    return self.text[pos : match.start()], match.end()
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth < 0:
                    raise _Malformed(match.start(), "a '}' closes more braces than were opened")
            else:
                raise _Malformed(match.start() + 1, "a new entry starts inside a quoted value")
        raise _Unterminated

    def value(self, pos: int) -> tuple[str, int]:
        """A field value: braced, quoted, number or macro parts joined by ``#``."""
        text = self.text
        parts: list[str] = []
        while True:
            pos = self.skip_space(pos)
            if pos >= len(text):
                raise _Unterminated
            char = text[pos]
            if char == "{":
                part, pos = self.braced(pos + 1)
            elif char == '"':
                part, pos = self.quoted(pos + 1)
            else:
                match = _BARE.match(text, pos)
                if match is None:
                    raise _Malformed(pos, f"a value was expected, not {char!r}")
                word = match.group()
                pos = match.end()
                if word.isdigit():
                    part = word
                else:
                    part = self.macros.get(word.lower())
                    if part is None:
                        self.undefined.setdefault(word, self.line_at(pos))
                        part = word
            parts.append(part)
            after = self.skip_space(pos)
            if after < len(text) and text[after] == "#":
                pos = after + 1
                continue
            return "".join(parts), pos

    def fields(self, pos: int, close: str, tags: list[tuple[str, str]]) -> int:
        """``name = value`` pairs up to the entry's closing delimiter; the position after it."""
        text = self.text
        while True:
            pos = self.skip_space(pos)
            if pos >= len(text):
                raise _Unterminated
            char = text[pos]
            if char == ",":
                pos += 1
                continue
            if char == close:
                return pos + 1
            match = _FIELD_NAME.match(text, pos)
            if match is None:
                raise _Malformed(pos, f"a field name and '=' were expected, not {char!r}")
            name = match.group(1)
            value, pos = self.value(match.end())
            tags.append((name, value))
            pos = self.skip_space(pos)
            if pos >= len(text):
                raise _Unterminated
            char = text[pos]
            if char == ",":
                pos += 1
            elif char == close:
                return pos + 1
            else:
                raise _Malformed(pos, f"',' or the entry's end was expected after {name!r}")

    def skip_group(self, pos: int, close: str) -> int:
        """Past the closing delimiter of an ``@comment``/``@preamble`` group."""
        depth = 0
        scan = _BRACES if close == "}" else _BRACES_PAREN
        if close == "}":
            depth = 1
        for match in scan.finditer(self.text, pos):
            char = match.group()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0 and close == "}":
                    return match.end()
            elif char == ")":
                if depth == 0:
                    return match.end()
            else:
                raise _Malformed(match.start() + 1, "a new entry starts inside an open brace")
        raise _Unterminated

    # -- whole entries ---------------------------------------------------------------

    def entry(self, body: int, close: str) -> tuple[list[tuple[str, str]], int]:
        """A record's key and fields, by the grammar."""
        text = self.text
        key_pattern = _KEY_PAREN if close == ")" else _KEY
        match = key_pattern.match(text, body)
        key = match.group(1) or ""
        pos = match.end()
        char = text[pos] if pos < len(text) else ""
        tags: list[tuple[str, str]] = []
        if char == ",":
            pos += 1
        elif char == close:
            return [("@key", key)], pos + 1
        elif char == "=":
            key, pos = "", body  # no key: the first thing is a field
        elif not char:
            raise _Unterminated
        else:
            raise _Malformed(pos, f"',' was expected after the key, not {char!r}")
        tags.append(("@key", key))
        end = self.fields(pos, close, tags)
        return tags, end

    def by_lines(self, body: int, close: str) -> tuple[list[tuple[str, str]], int]:
        """Recovery: the entry up to the next entry line, one field per ``name =`` line."""
        text = self.text
        line_end = text.find("\n", body)
        following = _ENTRY.search(text, line_end) if line_end >= 0 else None
        end = following.start() if following else len(text)
        chunk = text[body:end]
        if following is None and not _closes(chunk, close):
            raise _Unterminated
        head, comma, rest = chunk.partition(",")
        if "\n" in head or "=" in head or not comma:
            key, rest = "", chunk
        else:
            key = head.strip()
        tags: list[tuple[str, str]] = [("@key", key)]
        matches = list(_FIELD_LINE.finditer(rest))
        if not matches:
            raise _Malformed(body, "no 'name = value' lines")
        before = rest[: matches[0].start()].strip()
        if before:
            tags.append(("@unparsed", before))
        for index, match in enumerate(matches):
            stop = matches[index + 1].start() if index + 1 < len(matches) else len(rest)
            value = rest[match.end() : stop].rstrip()
            if index + 1 == len(matches):
                value = value.rstrip(",").rstrip()
                if value.endswith(close):
                    value = value[:-1].rstrip()
            value = value.rstrip(",").rstrip()
            if len(value) >= 2 and (
                (value[0] == "{" and value[-1] == "}") or (value[0] == '"' and value[-1] == '"')
            ):
                value = value[1:-1]
            tags.append((match.group(1), value))
        return tags, end


def _closes(chunk: str, close: str) -> bool:
    """Whether the last entry of a file, read line by line (its braces do not balance, so
    they cannot tell where it ends), ends as an entry does: ``}`` on a line of its own, or
    right after its last value's own closing brace, quote or number. Otherwise the file
    was cut inside it."""
    last = chunk.rstrip().rpartition("\n")[2].strip()
    return last == close or (last.endswith(close) and last[-2:-1] in ('}', '"', *"0123456789"))


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Records in file order, each with the line of its ``@type{``."""
    text = "\n".join(lines)
    scan = _Scanner(text, notes)
    pos = 0
    outside_lines = 0
    outside_first: int | None = None
    while True:
        match = _ENTRY.search(text, pos)
        gap_end = match.start() if match else len(text)
        if gap_end > pos:
            junk, first_junk = _outside(scan, pos, gap_end, notes)
            if junk:
                outside_lines += junk
                outside_first = outside_first or first_junk
        if match is None:
            break
        line = scan.line_at(match.start())
        kind = match.group(1).lower()
        close = "}" if match.group(2) == "{" else ")"
        body = match.end()
        try:
            if kind in ("comment", "preamble"):
                pos = scan.skip_group(body, close)
                continue
            if kind == "string":
                definitions: list[tuple[str, str]] = []
                pos = scan.fields(body, close, definitions)
                for name, value in definitions:
                    scan.macros[name.lower()] = value
                continue
            try:
                tags, pos = scan.entry(body, close)
            except _Malformed as exc:
                tags, pos = scan.by_lines(body, close)
                trouble = line + text.count("\n", match.start(), exc.pos)
                notes.warn(
                    line,
                    f"entry does not follow BibTeX syntax ({exc.what}, line {trouble}): "
                    "unbalanced braces? It was read line by line, one field per "
                    "'name = ' line; check its values",
                )
        except _Unterminated:
            raise notes.error(
                line,
                f"the file ends inside this @{match.group(1)} entry: a brace or quote is never "
                "closed (truncated download, or unbalanced braces in a value)",
            ) from None
        except _Malformed as exc:
            raise notes.error(
                line + text.count("\n", match.start(), exc.pos),
                f"@{match.group(1)} cannot be read: {exc.what}",
            ) from None
        yield RawRecord(line, [("@type", match.group(1)), *tags])
    if outside_lines:
        notes.warn(
            outside_first,
            f"{outside_lines} line(s) of text outside any entry ignored "
            "(BibTeX reads only what is inside @type{...})",
        )
    for name, at in scan.undefined.items():
        notes.warn(at, f"@string macro {name!r} is not defined: its name was kept as the value")


_COMMENT_OR_PUNCT = re.compile(r"^[\s,;}\)]*$")


def _outside(scan: _Scanner, start: int, end: int, notes: Notes) -> tuple[int, int | None]:
    """Check text between entries: lines of it that are not comments or blank."""
    gap = scan.text[start:end]
    if not gap.strip():
        return 0, None
    count = 0
    first_line: int | None = None
    risked = False
    base = scan.line_at(start)
    for offset, line in enumerate(gap.split("\n")):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("%") or _COMMENT_OR_PUNCT.match(stripped):
            continue
        number = base + offset
        if _TYPE_ALONE.match(line):
            raise scan.notes.error(
                number,
                "a line starting with '@' is not an entry: the type and its '{' must be on "
                "the same line (e.g. '@article{key,')",
            )
        if _MID_LINE_ENTRY.search(line):
            raise scan.notes.error(
                number,
                "an entry starts in the middle of a line (after other text): put each "
                "'@type{' at the start of its own line",
            )
        if "=" in line and not risked:
            risked = True
            notes.risk(
                number,
                "text outside any entry looks like a field ('name = value'): an entry may "
                "have been closed early by an unbalanced '}', losing what follows",
            )
        count += 1
        first_line = first_line or number
    return count, first_line


# -- LaTeX to Unicode ----------------------------------------------------------------

_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
    "t": "\u0361",
}
_SYMBOLS = {
    "i": "ı",
    "j": "ȷ",
    "ss": "ß",
    "SS": "SS",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "dj": "đ",
    "DJ": "Đ",
    "textless": "<",
    "textgreater": ">",
    "textbar": "|",
    "textendash": "\ue010",
    "textemdash": "\ue011",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "textquotesingle": "'",
    "textquotedbl": '"',
    "textdegree": "°",
    "textregistered": "®",
    "texttrademark": "™",
    "textcopyright": "©",
    "textperiodcentered": "·",
    "textbullet": "•",
    "textmu": "µ",
    "textpm": "±",
    "textsection": "§",
    "textparagraph": "¶",
    "textellipsis": "…",
    "dots": "…",
    "ldots": "…",
    "textasciicircum": "^",
    "textasciitilde": "\ue012",
    "textbackslash": "\ue013",
    "textunderscore": "_",
    "textbraceleft": "\ue014",
    "textbraceright": "\ue015",
    "textdollar": "\ue016",
    "S": "§",
    "P": "¶",
    "pounds": "£",
    "euro": "€",
    "copyright": "©",
    "guillemotleft": "«",
    "guillemotright": "»",
    "quad": " ",
    "qquad": " ",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ϵ",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "ϕ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "pm": "±",
    "times": "×",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "infty": "∞",
    "cdot": "·",
    "circ": "∘",
    "degree": "°",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
}
# Literal characters from escapes, hidden from the later steps (dashes, ~, $, braces).
_RESTORE = str.maketrans(
    {
        "\ue010": "–",
        "\ue011": "—",
        "\ue012": "~",
        "\ue013": "\\",
        "\ue014": "{",
        "\ue015": "}",
        "\ue016": "$",
        "\ue017": "-",
        "\ue018": "&",
        "\ue019": "%",
        "\ue01a": "#",
        "\ue01b": "_",
    }
)
_ESCAPES = {
    "{": "\ue014",
    "}": "\ue015",
    "$": "\ue016",
    "&": "\ue018",
    "%": "\ue019",
    "#": "\ue01a",
    "_": "\ue01b",
    "-": "",
    "\\": " ",
    " ": " ",
    ",": "\u2009",
    ";": " ",
    "!": "",
    "/": "",
}
_ESCAPE = re.compile(r"\\([{}$&%#_\-\\ ,;!/])")
# An accented letter: ``\"u``, ``\"{u}``, ``\'\i``; letter accents need braces or a space
# (``\v{c}``, ``\c c``). Groups: symbol accent, braced base, bare base; letter accent, …
_BASE = r"(\\[ij](?![A-Za-z])|[A-Za-z])"
_ACCENT = re.compile(
    r"\\([\"'`^~=.])\s*(?:\{\s*" + _BASE + r"?\s*\}|" + _BASE + ")"
    r"|\\([uvHckrdbt])(?:\s*\{\s*" + _BASE + r"?\s*\}|\s+" + _BASE + ")"
)
_WORD = re.compile(r"\\([A-Za-z]+)(?:\{\}|[ \t]+)?")
_FORMATTING = frozenset(
    {
        "textit", "textbf", "emph", "textsc", "texttt", "textrm", "textsf", "textup",
        "textsl", "textnormal", "textmd", "mathrm", "mathit", "mathbf", "mathsf", "mathtt",
        "mathcal", "mbox", "hbox", "text", "textsuperscript", "textsubscript", "url",
        "uppercase", "lowercase", "MakeUppercase", "MakeLowercase", "ensuremath", "bf",
        "it", "em", "sc", "tt", "rm", "sf", "sl", "relax", "protect", "noopsort", "nocase",
    }
)
_DASHES = re.compile(r"-{2,3}")


def _accent(match: re.Match[str]) -> str:
    if match.group(1):
        mark, base = _ACCENTS[match.group(1)], match.group(2) or match.group(3) or ""
    else:
        mark, base = _ACCENTS[match.group(4)], match.group(5) or match.group(6) or ""
    if base.startswith("\\"):
        base = base[1:]  # an accent on a dotless i or j: the dot gives way to the accent
    if not base:
        spacing = match.group(1) or match.group(4)
        return "\ue012" if spacing == "~" else spacing
    return unicodedata.normalize("NFC", base + mark)


def _word(match: re.Match[str]) -> str:
    word = match.group(1)
    symbol = _SYMBOLS.get(word)
    if symbol is not None:
        return symbol
    if word in _FORMATTING:
        return ""
    end = match.end()
    if end < len(match.string) and match.string[end] == "{":
        return ""  # an unknown command's argument is kept, the command dropped
    return match.group(0)  # an unknown command without argument is kept as written


def latex(value: str | None) -> str | None:
    """LaTeX accents, escapes and commands as Unicode; case-protecting braces removed."""
    if value is None:
        return None
    if (
        "\\" not in value
        and "{" not in value
        and "}" not in value
        and "$" not in value
        and "~" not in value
        and "--" not in value
    ):
        return value
    if "\\" in value:
        value = _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], value)
        value = _ACCENT.sub(_accent, value)
        value = _WORD.sub(_word, value)
    if "$" in value:
        value = value.replace("$", "")
    if "--" in value:
        value = _DASHES.sub(lambda m: "—" if len(m.group()) == 3 else "–", value)
    if "~" in value:
        value = value.replace("~", "\u00a0")
    if "{" in value or "}" in value:
        value = value.replace("{", "").replace("}", "")
    return value.translate(_RESTORE)


_PLAIN_ESCAPE = re.compile(
    r"\\([{}$&%#_~])|\\url\s*|\\textasciitilde\s*(?:\{\})?|\\textunderscore\s*(?:\{\})?"
)


def _plain(value: str | None) -> str | None:
    """A DOI or URL: escapes undone and braces removed, nothing else touched."""
    if value is None:
        return None
    if "\\" in value:
        value = _PLAIN_ESCAPE.sub(
            lambda m: m.group(1)
            or ("~" if "tilde" in m.group() else "_" if "underscore" in m.group() else ""),
            value,
        )
    return value.replace("{", "").replace("}", "").strip()


# -- mapping ---------------------------------------------------------------------------

_AND = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)


def split_names(value: str) -> list[str]:
    """Names split on `` and `` outside braces (``{Barnes and Noble}`` stays whole)."""
    names: list[str] = []
    depth = 0
    begin = 0
    for match in _AND.finditer(value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[begin : match.start()])
            begin = match.end()
    names.append(value[begin:])
    out = []
    for name in names:
        name = latex(name.strip())
        if name and name.strip() and name.strip().lower() != "others":
            out.append(" ".join(name.split()))
    return out


def _split_keywords(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        value = latex(value) or ""
        separator = ";" if ";" in value else ","
        out.extend(part.strip() for part in value.split(separator) if part.strip())
    return out


_SCOPUS_EID = re.compile(r"[?&]eid=([^&\s]+)")
_ARXIV_ID = re.compile(
    r"^(?:arxiv:)?(?:\d{4}\.\d{4,5}|[a-z][a-z.-]+/\d{7})(?:v\d+)?$", re.IGNORECASE
)


def to_fields(raw: RawRecord) -> dict:
    """Map BibTeX/BibLaTeX fields (names case-insensitive) onto canonical fields."""
    tags: dict[str, list[str]] = {}
    for name, value in raw.tags:
        tags.setdefault(name.lower(), []).append(value)

    def first(*names: str) -> str | None:
        for name in names:
            for value in tags.get(name, ()):
                if value and value.strip():
                    return value
        return None

    def every(*names: str) -> list[str]:
        return [v for name in names for v in tags.get(name, ()) if v and v.strip()]

    fields = empty_fields()
    fields["title"] = latex(first("title"))
    fields["abstract"] = latex("\n".join(every("abstract")) or None)
    fields["authors"] = [name for value in every("author") for name in split_names(value)]
    fields["year"] = first("year", "date", "issued")
    fields["journal"] = latex(
        first(
            "fjournal", "journaltitle", "journal", "booktitle",
            "journal-iso", "abbrev_source_title", "shortjournal",
        )
    )
    fields["volume"] = latex(first("volume"))
    fields["issue"] = latex(first("number", "issue"))
    fields["pages"] = latex(first("pages"))
    doi = first("doi")
    if doi is None:
        doi = next(
            (v for v in every("url", "howpublished", "note", "eprint") if DOI_HINT.search(v)),
            None,
        )
    fields["doi"] = _plain(doi)
    fields["issn"] = every("issn", "eissn")
    fields["isbn"] = every("isbn")
    fields["language"] = latex(first("language", "langid"))
    entry_type = first("@type")
    fields["publication_type"] = [entry_type.lower()] if entry_type else []
    fields["publication_type"] += [latex(v) for v in every("type", "document_type")]
    fields["keywords"] = _split_keywords(every("keywords", "author_keywords", "keywords-plus"))
    fields["url"] = [_plain(v) for v in every("url")]
    fields["source_id"] = _source_id(first, every)
    return fields


def _source_id(first, every) -> str | None:
    found = first("unique-id", "pmid", "eid", "accession-number", "accession_number")
    if found:
        return found.strip()
    for url in every("url"):
        if "scopus" in url.lower():
            match = _SCOPUS_EID.search(url)
            if match:
                return match.group(1)
    eprint = first("eprint")
    if eprint:
        kind = (first("archiveprefix", "eprinttype") or "").strip().lower()
        eprint = eprint.strip()
        if kind == "arxiv" or (not kind and _ARXIV_ID.match(eprint)):
            return eprint if eprint.lower().startswith("arxiv:") else f"arXiv:{eprint}"
        if kind == "pubmed":
            return eprint
    key = first("@key")
    return key.strip() if key else None
