"""Which English form each glossary term must take, decided per document before decoding.

Glossary matching (``glossary.requirements``) says which terms a segment contains and which renderings
are acceptable.  A document adds two policies on top, both decided here so that the decoder only ever
sees plain "one of these strings" constraints:

* ``--acronyms first-expand``: news style spells an acronym out at its first mention, "APEC Business
  Advisory Council (ABAC)", and uses "ABAC" afterwards.  A mention of the long form (an entry whose
  ``acronym`` column names it) counts as the introduction.
* consistency: the same source term must be rendered the same way throughout the document.  With the
  default policy every rendering a term may take is its approved rendering or a grammatical form of it
  (one family), so this holds by construction; with ``renderings="any"`` :func:`narrow_to` pins a term
  to the family chosen for the document (``glossary.requirements.rendering_family``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Sequence

from glossary import Entry
from glossary.requirements import TermRequirement, rendering_family

from .settings import ACRONYM_MODES


@dataclass(frozen=True)
class PlannedTerm:
    """A term occurrence with the renderings the decoder may use for it (any one satisfies it)."""

    requirement: TermRequirement
    renderings: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        """Identity of the glossary entry, for document consistency."""
        entry = self.requirement.entry
        return (entry.vi, entry.en)


def acronym_expansions(entries: Iterable[Entry]) -> dict[str, str]:
    """Map acronym → full English name, from entries that carry an ``acronym``."""
    expansions: dict[str, str] = {}
    for entry in entries:
        if entry.acronym and entry.type != "acronym":
            expansions.setdefault(entry.acronym, entry.en)
    return expansions


def plan_document(
    segments: Sequence[Sequence[TermRequirement]],
    acronyms: str = "keep",
    expansions: Mapping[str, str] | None = None,
) -> list[list[PlannedTerm]]:
    """Planned terms for each segment of one document, in document order."""
    if acronyms not in ACRONYM_MODES:
        raise ValueError(f"acronym mode must be one of {ACRONYM_MODES}, not {acronyms!r}")
    introduced: set[str] = set()
    planned: list[list[PlannedTerm]] = []
    for requirements in segments:
        terms = []
        for req in requirements:
            renderings = req.renderings
            entry = req.entry
            if entry.acronym and entry.type != "acronym":
                introduced.add(entry.acronym)
            elif acronyms == "first-expand" and entry.type == "acronym" and expansions:
                acronym = entry.en
                full = expansions.get(acronym)
                if full is not None and acronym not in introduced:
                    renderings = (f"{full} ({acronym})",)
                introduced.add(acronym)
            terms.append(PlannedTerm(req, renderings))
        planned.append(terms)
    return planned


def document_choices(rendered: Iterable[tuple[PlannedTerm, str]]) -> dict[tuple[str, str], str]:
    """The rendering family each term should use throughout a document: the most frequent one.

    ``rendered`` holds (term, rendering used) for every met occurrence; ties go to the family seen
    first, which (in document order) is the earliest mention.
    """
    counts: dict[tuple[str, str], Counter[str]] = {}
    for term, rendering in rendered:
        counts.setdefault(term.key, Counter())[rendering_family(term.requirement.entry, rendering)] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in counts.items()}


def narrow_to(term: PlannedTerm, family: str) -> PlannedTerm:
    """The same term, limited to the renderings of one family (for consistency re-decoding)."""
    entry = term.requirement.entry
    kept = tuple(r for r in term.renderings if rendering_family(entry, r) == family)
    return replace(term, renderings=kept or term.renderings)
