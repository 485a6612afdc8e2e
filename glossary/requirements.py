"""Which English renderings a Vietnamese segment requires, and whether a translation has them.

This is the single definition of "term required" and "term present" shared by the constraint
layer (which forces the renderings into the output) and the evaluation metrics (which count
them), so the two can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .entry import Entry
from .matcher import Matcher
from .names import find_titled_names
from .normalize import nfc

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SPACES = re.compile(r"\s+")
_SENTENCE_ENDS = ".!?…:"
_OPENERS = " \"'“‘(["  # may stand between a sentence end and the next sentence's first word


@dataclass(frozen=True)
class TermRequirement:
    """source_text = text[start:end] must be rendered as one of `renderings` (preferred first)."""

    start: int
    end: int
    source_text: str
    entry: Entry
    renderings: tuple[str, ...]


def requirements_for(text: str, matcher: Matcher) -> list[TermRequirement]:
    """One requirement per glossary term and per titled person name in `text`, by position.

    Glossary matches come first; a name found after a title only counts where it overlaps no
    glossary match (a person already in the glossary keeps the glossary's rendering).
    """
    matches = matcher.find(text)
    for name in find_titled_names(text, known=matcher):
        if all(name.end <= m.start or m.end <= name.start for m in matches):
            matches.append(name)
    return [
        TermRequirement(m.start, m.end, m.text, m.entry, m.entry.renderings)
        for m in sorted(matches, key=lambda m: m.start)
        if m.entry.renderings
    ]


def count_rendering(hypothesis: str, renderings: Iterable[str]) -> int:
    """How many non-overlapping occurrences of any of `renderings` `hypothesis` contains.

    Whole words only ("Trade" is not in "Trades"); case-sensitive, except that a rendering
    starting in lower case also counts capitalised at a sentence start. Unicode form,
    curly/straight apostrophes and runs of whitespace are not significant (MT output varies in
    all three). Overlapping occurrences count once: the result is the largest number of them that
    do not overlap (earliest end first), so "ASEAN Digital Economy Framework Agreement" counts as
    two when both "ASEAN" and "Digital Economy Framework Agreement" are asked for.
    """
    text = _fold(hypothesis)
    spans: list[tuple[int, int]] = []
    for rendering in {_fold(r) for r in renderings if r.strip()}:
        spans += _occurrences(text, rendering, at_sentence_start=False)
        capitalised = rendering[0].upper() + rendering[1:]
        if capitalised != rendering:
            spans += _occurrences(text, capitalised, at_sentence_start=True)
    count, covered_to = 0, 0
    for start, end in sorted(spans, key=lambda s: (s[1], s[0])):
        if start >= covered_to:
            count, covered_to = count + 1, end
    return count


def _fold(text: str) -> str:
    return _SPACES.sub(" ", nfc(text).translate(_APOSTROPHES)).strip()


def _occurrences(text: str, rendering: str, at_sentence_start: bool) -> list[tuple[int, int]]:
    pattern = re.compile(rf"(?<!\w){re.escape(rendering)}(?!\w)")
    return [
        m.span()
        for m in pattern.finditer(text)
        if not at_sentence_start or _at_sentence_start(text, m.start())
    ]


def _at_sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip(_OPENERS)
    return not before or before[-1] in _SENTENCE_ENDS
