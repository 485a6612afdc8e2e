"""Which English renderings a Vietnamese segment requires, and whether a translation has them.

This is the single definition of "term required", "term present" and "rendered the same way" shared
by the constraint layer (which forces the renderings into the output), the run summary, the
double-rendering check and the evaluation metrics (which count them), so they can never disagree.

Which renderings satisfy a term is the entry's choice under a policy (``Entry.renderings_for``):
by default the approved rendering and its grammatical forms; with ``"any"`` the alternatives too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .entry import Entry, EntryType, RENDERING_POLICIES, plural
from .matcher import Match, Matcher
from .names import find_titled_names
from .normalize import nfc

_APOSTROPHES = "'\u2019\u2018\u02bc"
_SENTENCE_ENDS = ".!?…:"
_OPENERS = " \"'“‘(["  # may stand between a sentence end and the next sentence's first word


@dataclass(frozen=True)
class TermRequirement:
    """source_text = text[start:end] must be rendered as one of `renderings` (approved first)."""

    start: int
    end: int
    source_text: str
    entry: Entry
    renderings: tuple[str, ...]


@dataclass(frozen=True)
class Found:
    """One occurrence of a rendering: hypothesis[start:end] is `rendering` (up to case at a sentence
    start, apostrophes and whitespace)."""

    start: int
    end: int
    rendering: str


def requirements_for(text: str, matcher: Matcher, policy: str = "approved") -> list[TermRequirement]:
    """One requirement per glossary term and per titled person name in `text`, by position.

    `matcher` finds the glossary's terms (its date decides which names); `policy` is a rendering
    policy ("approved": the approved rendering and its forms; "any": alternatives too).  Returns
    :class:`TermRequirement` values sorted by start, each with the renderings that satisfy it.

    Glossary matches come first; a name found after a title only counts where it overlaps no
    glossary match (a person already in the glossary keeps the glossary's rendering).
    """
    if policy not in RENDERING_POLICIES:
        raise ValueError(f"renderings policy must be one of {RENDERING_POLICIES}, not {policy!r}")
    matches = matcher.find(text)
    for name in find_titled_names(text, known=matcher):
        if all(name.end <= m.start or m.end <= name.start for m in matches):
            matches.append(name)
    ordered = sorted(matches, key=lambda m: m.start)
    return [
        TermRequirement(m.start, m.end, m.text, m.entry,
                        _singular(renderings) if _titles_one_person(text, m, after) else renderings)
        for m, after in zip(ordered, [*ordered[1:], None])
        if (renderings := m.entry.renderings_for(policy))
    ]


_PLURAL_MARKERS = ("các", "những")
"""Vietnamese words that make the title after them plural ("các Bộ trưởng": the ministers)."""


def _titles_one_person(text: str, match: Match, name: Match | None) -> bool:
    """Whether ``match`` is a title standing right before a person's name (``name``, the next match), with no
    plural marker before it ("Bộ trưởng Bùi Thanh Sơn", not "các Bộ trưởng Bùi Thanh Sơn và ..."): the
    title's plural forms, right for "các Bộ trưởng" alone, are then wrong ("ministers Bui Thanh Son")."""
    if match.entry.type is not EntryType.TITLE or name is None:
        return False
    if name.entry.type is not EntryType.PERSON or text[match.end : name.start].strip():
        return False
    before = text[: match.start].split()
    return not (before and nfc(before[-1]).casefold() in _PLURAL_MARKERS)


def _singular(renderings: tuple[str, ...]) -> tuple[str, ...]:
    """``renderings`` without those that are the plural of another ("Ministers", "ministers" beside
    "Minister", "minister"); the approved rendering (first) always stays."""
    plurals = {form for r in renderings if (form := plural(r)) and form != r}
    return renderings[:1] + tuple(r for r in renderings[1:] if r not in plurals)


def find_renderings(hypothesis: str, renderings: Iterable[str]) -> list[Found]:
    """The non-overlapping occurrences of any of `renderings` in `hypothesis`, in text order.

    Whole words only ("Trade" is not in "Trades"); case-sensitive, except that a rendering
    starting in lower case also counts capitalised at a sentence start. Unicode form,
    curly/straight apostrophes and runs of whitespace are not significant (MT output varies in
    all three). Overlapping occurrences count once: the result is the largest set of them that
    do not overlap (earliest end first), so "ASEAN Digital Economy Framework Agreement" holds
    two when both "ASEAN" and "Digital Economy Framework Agreement" are asked for. Offsets are
    into `hypothesis` (into its NFC form, should it be decomposed).
    """
    text = nfc(hypothesis)
    spans: list[Found] = []
    for rendering in dict.fromkeys(r.strip() for r in renderings if r.strip()):
        spans += [Found(*m.span(), rendering) for m in _pattern(nfc(rendering)).finditer(text)]
        capitalised = rendering[0].upper() + rendering[1:]
        if capitalised != rendering:
            spans += [
                Found(*m.span(), rendering)
                for m in _pattern(nfc(capitalised)).finditer(text)
                if _at_sentence_start(text, m.start())
            ]
    kept: list[Found] = []
    covered_to = 0
    for found in sorted(spans, key=lambda f: (f.end, f.start)):
        if found.start >= covered_to:
            kept.append(found)
            covered_to = found.end
    return kept


def count_rendering(hypothesis: str, renderings: Iterable[str]) -> int:
    """How many non-overlapping occurrences of any of `renderings` `hypothesis` contains
    (the rules of :func:`find_renderings`)."""
    return len(find_renderings(hypothesis, renderings))


def locate_terms(hypothesis: str, renderings: Sequence[tuple[str, ...]]) -> list[Found | None]:
    """Where each required occurrence is rendered in `hypothesis` (None: it is not).

    `renderings[i]` are the renderings that satisfy the i-th requirement, in source order.
    Requirements with the same renderings share their occurrences: the k-th of them gets the k-th
    occurrence in the text, so a term required twice and rendered once is met once (per-occurrence
    counting, as the WMT terminology task counts) and one rendering never satisfies two requirements.
    """
    pools: dict[tuple[str, ...], list[Found]] = {}
    located: list[Found | None] = []
    for wanted in renderings:
        if wanted not in pools:
            pools[wanted] = find_renderings(hypothesis, wanted)[::-1]
        pool = pools[wanted]
        located.append(pool.pop() if pool else None)
    return located


def find_deprecated(hypothesis: str, entry: Entry) -> list[Found]:
    """Occurrences of the entry's deprecated renderings in `hypothesis` that are not part of one of
    its produced renderings ("Korea" alone, not inside "Republic of Korea"): to be flagged."""
    if not entry.en_deprecated:
        return []
    produced = find_renderings(hypothesis, entry.renderings)
    return [
        found for found in find_renderings(hypothesis, entry.en_deprecated)
        if not any(p.start <= found.start and found.end <= p.end for p in produced)
    ]


def rendering_family(entry: Entry, rendering: str) -> str:
    """Which choice of name `rendering` is for `entry`: consistency compares families.

    The approved rendering and all its grammatical forms are one family (a document may say
    "Viet Nam" and "Vietnamese"); each alternative is a family of its own, case and a plural
    "s" aside ("Foreign Minister" and "foreign ministers" are the same choice).
    """
    if rendering in entry.renderings:
        return entry.approved
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in rendering.casefold().split())


@lru_cache(maxsize=65536)
def _pattern(rendering: str) -> re.Pattern[str]:
    """Whole-word regex of `rendering`: any run of whitespace for a space, any apostrophe for one."""
    parts = []
    for char in rendering:
        if char.isspace():
            if not parts or parts[-1] != r"\s+":
                parts.append(r"\s+")
        elif char in _APOSTROPHES:
            parts.append(f"[{_APOSTROPHES}]")
        else:
            parts.append(re.escape(char))
    return re.compile(rf"(?<!\w){''.join(parts)}(?!\w)")


def _at_sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip(_OPENERS)
    return not before or before[-1] in _SENTENCE_ENDS
