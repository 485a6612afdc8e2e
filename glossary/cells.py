"""Judging and tidying the cells of one row, whatever the file format, before `entry.parse_row`.

* Line breaks and control characters are errors: a cell is one line of text, and a character
  that some tool reads as a line break (U+2028, U+2029, NEL U+0085, form feed, vertical tab,
  the information separators — everything `str.splitlines` splits on) would shift every
  line number after it and could cut the term. (Tab, LF and CR are `parse_row`'s to report.)
* Invisible characters in the term columns (`normalize.INVISIBLE`, no-break spaces) are
  warnings and are normalised (`normalize.visible`), so the stored term is what a reader sees
  and what the matcher compares.
* Plain loading fills what only curated data must give (`with_defaults`): a missing type is
  "acronym" where that is certain (the term is its own rendering and is written in capitals,
  "ABAC" -> "ABAC"), else "other"; a missing source is the file:line the entry came from.
  Persons are never guessed: "Hà Nội" -> "Ha Noi" looks like a person's unaccented name too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from .errors import Problem, Severity
from .normalize import INVISIBLE, SPACE_LIKE, visible

TERM_COLUMNS = ("vi", "en", "vi_variants", "en_forms", "en_alternatives", "en_deprecated", "acronym")
_PARSE_ROW_REPORTS = "\t\n\r"
_CONTROL_NAMES = {"\x0b": "VERTICAL TAB", "\x0c": "FORM FEED", "\x1c": "FILE SEPARATOR", "\x1d": "GROUP SEPARATOR",
                  "\x1e": "RECORD SEPARATOR", "\x1f": "UNIT SEPARATOR", "\x85": "NEXT LINE (NEL)"}
_ACRONYM = re.compile(r"(?=(?:.*[A-Z]){2})[A-Z0-9&+\-]+")


def describe(char: str) -> str:
    """U+2028 LINE SEPARATOR: how a problem names a character nobody can see."""
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "CONTROL CHARACTER")
    return f"U+{ord(char):04X} {name}"


def _is_break(char: str) -> bool:
    return char not in _PARSE_ROW_REPORTS and unicodedata.category(char) in ("Cc", "Zl", "Zp")


def clean_cells(cells: Mapping[str, str], path: str, line: int) -> tuple[dict[str, str], list[Problem]]:
    """The cells with invisible characters normalised, and the problems of every cell."""
    problems: list[Problem] = []
    clean: dict[str, str] = {}
    for column, value in cells.items():
        breaks = sorted({char for char in value if _is_break(char)})
        if breaks:
            names = ", ".join(map(describe, breaks))
            problems.append(Problem(path, line, f"{column}: line break or control character inside a cell: {names}"))
        if column in TERM_COLUMNS:
            hidden = sorted({char for char in value if char in INVISIBLE or char in SPACE_LIKE})
            if hidden:
                done = ", ".join(f"{describe(c)} {'removed' if c in INVISIBLE else 'made a space'}" for c in hidden)
                problems.append(Problem(path, line, f"{column}: invisible character(s) normalised: {done}",
                                        Severity.WARNING))
                value = visible(value)
        clean[column] = value
    return clean, problems


def with_defaults(cells: Mapping[str, str], path: str, line: int) -> dict[str, str]:
    """The cells with a type and a source where they are missing (plain, not curated, loading)."""
    filled = dict(cells)
    if not filled.get("type", "").strip():
        vi, en = filled.get("vi", "").strip(), filled.get("en", "").strip()
        filled["type"] = "acronym" if vi == en and _ACRONYM.fullmatch(vi) else "other"
    if not filled.get("source", "").strip():
        filled["source"] = f"{path}:{line}"
    return filled
