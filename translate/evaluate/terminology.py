"""Terminology metrics: the only metrics this project computes itself.

Which terms a source segment requires and whether a rendering is present in a hypothesis are decided
by :mod:`glossary.requirements` (the same code the constraint layer uses), so that "the decoder met
the constraint" and "the evaluation saw the term" can never disagree. This module only counts.

Term exact-match accuracy follows the WMT 2021 terminology task: it is counted per occurrence, so a
term required twice in a segment and rendered once scores 1 of 2, and one rendering in the output
never satisfies two requirements.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glossary.requirements import TermRequirement, count_rendering, requirements_for

from translate.double_rendering import find_double_renderings

from .io import Document


@dataclass(frozen=True)
class TermCount:
    """Required and found occurrences of one term or one term type."""

    label: str
    required: int
    found: int

    @property
    def accuracy(self) -> float:
        """Share of required occurrences found (a row only exists if something was required)."""
        return self.found / self.required


@dataclass(frozen=True)
class TermMiss:
    """A segment where a required term's approved rendering is missing (``found < required``)."""

    document: str
    line: int  # 1-based, within the document: the line of the document's file
    term: str
    renderings: tuple[str, ...]
    required: int
    found: int
    hypothesis: str


@dataclass(frozen=True)
class TermReport:
    """All terminology figures of one system."""

    required: int
    found: int
    by_term: tuple[TermCount, ...]
    by_type: tuple[TermCount, ...]
    misses: tuple[TermMiss, ...]
    repeated_terms: int  # (document, term) pairs with two or more required occurrences
    consistent_terms: int  # of those, rendered every time, always with the same rendering
    double_renderings: int

    @property
    def accuracy(self) -> float | None:
        """Term exact-match accuracy; ``None`` when the source requires no term at all."""
        return self.found / self.required if self.required else None

    @property
    def consistency(self) -> float | None:
        """Share of repeated terms rendered one way throughout their document."""
        return self.consistent_terms / self.repeated_terms if self.repeated_terms else None


@dataclass(frozen=True)
class _Occurrences:
    """One term's requirements in one segment: how many times required and found."""

    segment: int  # index in the corpus
    document: str
    line: int
    requirement: TermRequirement
    required: int
    found: int
    used: frozenset[str]  # approved renderings present in the hypothesis


def _label(requirement: TermRequirement) -> str:
    """Human-readable name of a term: its Vietnamese form and preferred rendering."""
    return f"{requirement.entry.vi} → {requirement.renderings[0]}"


def _segment_occurrences(
    source: str, hypothesis: str, matcher: Any, segment: int, document: Document
) -> list[_Occurrences]:
    """Count one segment's required terms, grouped by their set of approved renderings.

    Grouping by renderings (not by source match) is what makes the count per occurrence: two source
    terms that both require "Viet Nam" need two "Viet Nam" in the output.
    """
    groups: dict[tuple[str, ...], list[TermRequirement]] = defaultdict(list)
    for requirement in requirements_for(source, matcher):
        groups[requirement.renderings].append(requirement)
    return [
        _Occurrences(
            segment,
            document.name,
            segment - document.start + 1,
            requirements[0],
            len(requirements),
            min(len(requirements), count_rendering(hypothesis, renderings)),
            frozenset(r for r in renderings if count_rendering(hypothesis, (r,))),
        )
        for renderings, requirements in groups.items()
    ]


def _double_renderings(hypothesis: str, occurrences: Sequence[_Occurrences]) -> int:
    """Duplicate renderings left in the hypothesis, as the constraint layer detects them."""
    return sum(
        len(find_double_renderings(hypothesis, rendering))
        for occurrence in occurrences
        for rendering in sorted(occurrence.used)
    )


def _consistency(occurrences: Sequence[_Occurrences]) -> tuple[int, int]:
    """(repeated, consistent) (document, term) pairs.

    A repeated term is consistent when every occurrence was rendered and only one approved
    rendering was used for it in the document; a miss breaks consistency because we cannot tell
    what was written instead.
    """
    per_term: dict[tuple[str, tuple[str, ...]], list[_Occurrences]] = defaultdict(list)
    for occurrence in occurrences:
        per_term[(occurrence.document, occurrence.requirement.renderings)].append(occurrence)
    repeated = consistent = 0
    for group in per_term.values():
        required = sum(o.required for o in group)
        if required < 2:
            continue
        repeated += 1
        used = frozenset().union(*(o.used for o in group))
        consistent += len(used) == 1 and sum(o.found for o in group) == required
    return repeated, consistent


def _tally(occurrences: Sequence[_Occurrences], key: Any) -> tuple[TermCount, ...]:
    """Sum required/found per ``key(occurrence)``, sorted by label."""
    required: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for occurrence in occurrences:
        label = key(occurrence)
        required[label] += occurrence.required
        found[label] += occurrence.found
    return tuple(TermCount(label, required[label], found[label]) for label in sorted(required))


def term_report(
    sources: Sequence[str], hypotheses: Sequence[str], documents: Sequence[Document], matcher: Any
) -> TermReport:
    """Terminology figures of ``hypotheses`` for the terms that ``matcher`` finds in ``sources``.

    ``matcher`` is a glossary matcher (``load_glossary(...).matcher()``); ``documents`` give the
    scope of consistency and the document/line of each miss.
    """
    occurrences: list[_Occurrences] = []
    double_renderings = 0
    for document in documents:
        for index in range(document.start, document.end):
            segment = _segment_occurrences(sources[index], hypotheses[index], matcher, index, document)
            occurrences.extend(segment)
            double_renderings += _double_renderings(hypotheses[index], segment)
    misses = tuple(
        TermMiss(
            o.document, o.line, _label(o.requirement), o.requirement.renderings, o.required, o.found,
            hypotheses[o.segment],
        )
        for o in occurrences
        if o.found < o.required
    )
    repeated, consistent = _consistency(occurrences)
    return TermReport(
        required=sum(o.required for o in occurrences),
        found=sum(o.found for o in occurrences),
        by_term=_tally(occurrences, lambda o: _label(o.requirement)),
        by_type=_tally(occurrences, lambda o: o.requirement.entry.type),
        misses=misses,
        repeated_terms=repeated,
        consistent_terms=consistent,
        double_renderings=double_renderings,
    )
