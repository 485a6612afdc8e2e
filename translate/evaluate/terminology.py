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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from glossary import EntryType, Matcher
from glossary.requirements import TermRequirement, locate_terms, rendering_family, requirements_for

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
    source: str  # the Vietnamese line that requires the term, so a reader can judge the miss


@dataclass(frozen=True)
class TermLine:
    """One line of a document where a repeated term is required, and what its hypothesis used."""

    line: int
    required: int
    found: int
    used: tuple[str, ...]
    source: str
    hypothesis: str


@dataclass(frozen=True)
class TermInconsistency:
    """A term repeated in a document but not rendered one way throughout it."""

    document: str
    term: str
    used: tuple[str, ...]  # the renderings that appear
    required: int
    found: int
    lines: tuple[TermLine, ...]  # every line that requires the term, in document order


@dataclass(frozen=True)
class TermReport:
    """All terminology figures of one system."""

    required: int
    found: int
    by_term: tuple[TermCount, ...]
    by_type: tuple[TermCount, ...]
    misses: tuple[TermMiss, ...]
    repeated_terms: int  # (document, term) pairs with two or more required occurrences
    inconsistent: tuple[TermInconsistency, ...]  # those not rendered one way throughout
    double_renderings: int

    @property
    def consistent_terms(self) -> int:
        """Repeated terms rendered every time, always the same way."""
        return self.repeated_terms - len(self.inconsistent)

    @property
    def accuracy(self) -> float | None:
        """Term exact-match accuracy; ``None`` when the source requires no term at all."""
        return self.found / self.required if self.required else None

    @property
    def consistency(self) -> float | None:
        """Share of repeated terms rendered one way throughout their document."""
        return self.consistent_terms / self.repeated_terms if self.repeated_terms else None


@dataclass(frozen=True)
class _SegmentTerm:
    """One term (one set of renderings) in one segment: how many times required and found."""

    segment: int  # index in the corpus
    document: str
    line: int
    requirement: TermRequirement
    required: int
    found: int
    used: frozenset[str]  # renderings present in the hypothesis


def _label(requirement: TermRequirement) -> str:
    """Human-readable name of a term: its Vietnamese form and preferred rendering."""
    return f"{requirement.entry.vi} → {requirement.renderings[0]}"


def _segment_occurrences(
    source: str, hypothesis: str, matcher: Matcher, segment: int, document: Document, policy: str
) -> list[_SegmentTerm]:
    """Count one segment's required terms, grouped by their set of renderings.

    Grouping by renderings (not by source match) is what makes the count per occurrence: two source
    terms that both require "Viet Nam" need two "Viet Nam" in the output.
    """
    requirements = requirements_for(source, matcher, policy)
    groups: dict[tuple[str, ...], list[TermRequirement]] = defaultdict(list)
    found: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for requirement, where in zip(requirements, locate_terms(hypothesis, [r.renderings for r in requirements])):
        groups[requirement.renderings].append(requirement)
        if where is not None:
            found[requirement.renderings].append(where.rendering)
    return [
        _SegmentTerm(
            segment,
            document.name,
            document.line(segment),
            group[0],
            len(group),
            len(found[renderings]),
            frozenset(found[renderings]),
        )
        for renderings, group in groups.items()
    ]


def _double_renderings(hypothesis: str, occurrences: Sequence[_SegmentTerm]) -> int:
    """Duplicate renderings left in the hypothesis, as the constraint layer detects them."""
    return sum(
        len(find_double_renderings(hypothesis, rendering))
        for occurrence in occurrences
        for rendering in sorted(occurrence.used)
    )


def _inconsistencies(
    occurrences: Sequence[_SegmentTerm], sources: Sequence[str], hypotheses: Sequence[str]
) -> tuple[int, tuple[TermInconsistency, ...]]:
    """The number of repeated (document, term) pairs, and those not rendered one way throughout.

    A miss breaks consistency too: we cannot tell what was written instead of the approved rendering.
    """
    per_term: dict[tuple[str, tuple[str, ...]], list[_SegmentTerm]] = defaultdict(list)
    for occurrence in occurrences:
        per_term[(occurrence.document, occurrence.requirement.renderings)].append(occurrence)
    repeated = 0
    inconsistent: list[TermInconsistency] = []
    for (document, _), group in per_term.items():
        required = sum(o.required for o in group)
        if required < 2:
            continue
        repeated += 1
        used = frozenset().union(*(o.used for o in group))
        found = sum(o.found for o in group)
        entry = group[0].requirement.entry
        if len({rendering_family(entry, r) for r in used}) != 1 or found < required:
            lines = tuple(
                TermLine(o.line, o.required, o.found, tuple(sorted(o.used)), sources[o.segment], hypotheses[o.segment])
                for o in group
            )
            inconsistent.append(
                TermInconsistency(document, _label(group[0].requirement), tuple(sorted(used)), required, found, lines)
            )
    return repeated, tuple(inconsistent)


def _tally(occurrences: Sequence[_SegmentTerm], key: Callable[[_SegmentTerm], str]) -> tuple[TermCount, ...]:
    """Sum required/found per ``key(occurrence)``, sorted by label."""
    required: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for occurrence in occurrences:
        label = key(occurrence)
        required[label] += occurrence.required
        found[label] += occurrence.found
    return tuple(TermCount(label, required[label], found[label]) for label in sorted(required))


def term_report(
    sources: Sequence[str],
    hypotheses: Sequence[str],
    documents: Sequence[Document],
    matcher: Matcher,
    policy: str = "approved",
) -> TermReport:
    """Terminology figures of ``hypotheses`` for the terms that ``matcher`` finds in ``sources``.

    ``matcher`` is a glossary matcher (``load_glossary(...).matcher()``); ``documents`` give the
    scope of consistency and the document/line of each miss. ``policy`` says which renderings count
    as the term, as for the translator: ``"approved"`` (the approved rendering and its grammatical
    forms) or ``"any"`` (alternatives too).
    """
    occurrences: list[_SegmentTerm] = []
    double_renderings = 0
    for document in documents:
        for index in range(document.start, document.end):
            segment = _segment_occurrences(sources[index], hypotheses[index], matcher, index, document, policy)
            occurrences.extend(segment)
            double_renderings += _double_renderings(hypotheses[index], segment)
    misses = tuple(
        TermMiss(
            o.document, o.line, _label(o.requirement), o.requirement.renderings, o.required, o.found,
            hypotheses[o.segment], sources[o.segment],
        )
        for o in occurrences
        if o.found < o.required
    )
    repeated, inconsistent = _inconsistencies(occurrences, sources, hypotheses)
    return TermReport(
        required=sum(o.required for o in occurrences),
        found=sum(o.found for o in occurrences),
        by_term=_tally(occurrences, lambda o: _label(o.requirement)),
        by_type=_tally(occurrences, lambda o: EntryType(o.requirement.entry.type).value),
        misses=misses,
        repeated_terms=repeated,
        inconsistent=inconsistent,
        double_renderings=double_renderings,
    )
