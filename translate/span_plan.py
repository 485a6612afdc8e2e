"""Formatted spans inside a sentence (a bold phrase, a link), planned as requirements of its translation.

A format (.docx, .html) marks the spans of a segment that carry formatting of their own
(``Document.formatted``).  The format can put that formatting on the English only where it knows the
span's translation stands, and no alignment of source and target words is known for certain.  So each
span is translated on its own first, and that translation is required in the segment's translation as
a glossary term is: the decoder guarantees it, and ``glossary.requirements`` finds it afterwards
(:func:`span_records`).  This module decides, per span, whether that is safe and in which forms; where
it is not (the span cuts a glossary term, its translation is empty, unspellable, tangled with another
requirement, too long to fit, or stands twice in the sentence), the span's note says why, the
translation is still complete and the format reports the span.

It knows the decoder only through the two counts the pipeline hands it, and nothing of the formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from glossary.requirements import find_renderings, locate_terms

from .decoding import Renderings
from .document import FormattedSpan
from .term_plan import PlannedTerm

__all__ = ["PlannedSpan", "SpanRecord", "plan_spans", "protected_ranges", "require_span", "requirements", "span_records"]

#: Punctuation a span's own translation loses at its end when the span has none there (the model
#: ends a fragment translated alone like a sentence).
_CLOSING = ".!?…;:,"
_WORD = re.compile(r"\w")
#: How much of a translation a note quotes: enough to recognise it, short enough to read in a warning.
_QUOTED = 40


@dataclass
class SpanRecord:
    """A formatted span of a segment (``Document.formatted``) and where its translation stands.

    ``source`` is the segment's ``source[source_start:source_end]``; ``required`` the renderings the
    decoder had to produce for it: the span translated on its own, without the closing punctuation the
    model gives a fragment (inside a sentence, with a lower-case initial first as an alternative); empty
    where its translation could not be required, ``note`` saying why.  ``met`` says the translation is
    in the segment's ``target``; the target offsets say where, when that is known (they are None, and
    the note says so, when it stands there more than once: the formatting would be a guess).
    """

    source: str
    source_start: int
    source_end: int
    required: list[str] = field(default_factory=list)
    met: bool = False
    target_start: int | None = None
    target_end: int | None = None
    note: str = ""


@dataclass
class PlannedSpan:
    """A formatted span of a segment on its way through the pipeline.

    ``holder`` is the index of the segment's piece that contains it (None when its translation cannot
    be required, ``note`` saying why); ``translation`` its own translation once decoded; ``renderings``
    what its holder must then produce (empty until, and unless, :func:`require_span` accepts it).
    """

    start: int
    end: int
    source: str
    terms: list[PlannedTerm]  # the segment's terms inside it: its own translation must hold them too
    holder: int | None = None
    translation: str = ""
    renderings: Renderings = ()
    note: str = ""

    @property
    def alone(self) -> tuple[str, tuple[Renderings, ...]]:
        """What the span is decoded as on its own: its text and its terms' renderings.  Spans with the
        same (a phrase bold twice) are decoded once and require the same rendering."""
        return " ".join(self.source.split()), tuple(t.renderings for t in self.terms)


def requirements(terms: Sequence[PlannedTerm], spans: Sequence[PlannedSpan]) -> list[Renderings]:
    """What a piece's decoder must produce: its terms, but those inside one of its required spans
    (whose rendering holds them already: forcing them apart would write them twice), then the spans'."""
    def inside(term: PlannedTerm) -> bool:
        return any(s.start <= term.requirement.start and term.requirement.end <= s.end for s in spans)

    return [t.renderings for t in terms if not inside(t)] + [s.renderings for s in spans]


def protected_ranges(
    source: str, formatted: Sequence[FormattedSpan], count_tokens: Callable[[str], int], max_tokens: int
) -> list[tuple[int, int]]:
    """The formatted spans a long segment's cuts must not fall into: a span cut in two pieces cannot be
    required in either.  Only spans of at most half the model's input, so that protecting them never
    leaves a piece too long for it."""
    return [(f.start, f.end) for f in formatted if count_tokens(source[f.start:f.end]) <= max_tokens // 2]


def plan_spans(
    source: str,
    terms: Sequence[PlannedTerm],
    formatted: Sequence[FormattedSpan],
    pieces: Sequence[tuple[int, int] | None],
    *,
    remembered: bool,
) -> list[PlannedSpan]:
    """The segment's formatted spans, each with the piece holding it, or a note saying why its
    translation cannot be required.

    ``pieces`` are the (start, end) of the segment's pieces in its ``source`` (None for a piece kept
    untranslated); ``remembered`` says the translation comes from the translation memory.  A span made
    only of glossary terms is left out: the format puts its formatting on their renderings, which the
    constraint layer guarantees already."""
    spans = []
    for f in formatted:
        inner = [t for t in terms if f.start <= t.requirement.start and t.requirement.end <= f.end]
        if all(any(t.requirement.start <= m.start() < t.requirement.end for t in inner)
               for m in _WORD.finditer(source, f.start, f.end)):
            continue
        span = PlannedSpan(f.start, f.end, source[f.start:f.end], inner)
        holder = next((n for n, p in enumerate(pieces) if p is not None and p[0] <= f.start and f.end <= p[1]), None)
        if any(t.requirement.start < f.end and f.start < t.requirement.end and t not in inner for t in terms):
            span.note = "it cuts a glossary term"
        elif remembered:
            span.note = "the sentence's translation came from the translation memory"
        elif holder is None:
            span.note = "the sentence was translated in pieces and the span crosses two of them"
        else:
            span.holder = holder
        spans.append(span)
    return spans


def require_span(
    span: PlannedSpan,
    segment_source: str,
    terms: Sequence[PlannedTerm],
    accepted: Sequence[PlannedSpan],
    constraint_tokens: Callable[[Sequence[Renderings]], int],
    room: int | None,
) -> bool:
    """Whether the span's own translation (``span.translation``) can be required in its holder piece,
    beside the piece's ``terms`` and the spans ``accepted`` there before it; if so ``span.renderings``
    holds the forms, otherwise ``span.note`` says why not.  ``constraint_tokens`` and ``room`` are the
    decoder's: how many output tokens requirements take (0: it cannot spell them), how many it has."""
    forms = _span_forms(span, opens=not _WORD.search(segment_source, 0, span.start))
    if not forms:
        span.note = ("its own translation is empty" if not _WORD.search(span.translation)
                     else "its own translation lacks a glossary term inside it")
        return False
    if constraint_tokens([forms]) == 0:
        span.note = f"the model cannot spell its own translation {_quote(forms[0])}"
        return False
    span.renderings = forms
    required = requirements(terms, [*accepted, span])
    clash = next((other for other in required[:-1] if _contain(forms, other)), None)
    if clash is not None:
        span.note = f"its own translation {_quote(forms[0])} and {_quote(clash[0])}, also required there, contain one another"
    elif room is not None and constraint_tokens(required) >= room:
        span.note = f"its own translation {_quote(forms[0])} would not fit in the model's output beside the other terms"
    if span.note:
        span.renderings = ()
        return False
    return True


def span_records(target: str, spans: Sequence[PlannedSpan]) -> list[SpanRecord]:
    """Where each span's required translation stands in the segment's final ``target``, found as terms
    are found (``locate_terms``): verified on the text, never assumed from the constraint.  A
    translation standing there more often than spans require it has no known place."""
    required = [span for span in spans if span.renderings]
    where = dict(zip(map(id, required), locate_terms(target, [span.renderings for span in required])))
    records = []
    for span in spans:
        hit, note = where.get(id(span)), span.note
        if hit is not None:
            wanted = sum(other.renderings == span.renderings for other in required)
            times = len(find_renderings(target, span.renderings))
            if times > wanted:
                note = (f"its own translation {_quote(hit.rendering)} stands {times} times in the sentence's, "
                        "which one is the span's is not known")
        elif span.renderings:
            note = "its own translation is not in the sentence's"
        placed = hit is not None and not note
        records.append(SpanRecord(
            span.source, span.start, span.end, list(span.renderings), hit is not None,
            hit.start if placed else None, hit.end if placed else None, note,
        ))
    return records


def _span_forms(span: PlannedSpan, *, opens: bool) -> Renderings:
    """The renderings a span's own translation gives it inside its sentence: as decoded, without the
    closing punctuation the span lacks, and first (when it does not open the sentence and its source
    starts in lower case) with a lower-case initial, which the constraint layer still lets stand
    capitalised at a sentence start.  Only forms holding all of the span's terms count."""
    text = " ".join(span.translation.split())
    if not span.source.rstrip().endswith(tuple(_CLOSING)):
        text = text.rstrip(_CLOSING + " ")
    if not _WORD.search(text):
        return ()
    forms = [text]
    if not opens and span.source.lstrip()[:1].islower() and text[:1].isupper() and not text[1:2].isupper():
        forms.insert(0, text[0].lower() + text[1:])
    terms = [t.renderings for t in span.terms]
    return tuple(f for f in dict.fromkeys(forms) if all(found is not None for found in locate_terms(f, terms)))


def _contain(forms: Renderings, other: Renderings) -> bool:
    """Whether a rendering of one occurs in a rendering of the other (then one occurrence in the output
    could stand for both, and the span could not be told from the other requirement)."""
    return any(find_renderings(f, other) for f in forms) or any(find_renderings(o, forms) for o in other)


def _quote(text: str) -> str:
    """A translation as a note quotes it: whole when short, else its beginning."""
    return repr(text if len(text) <= _QUOTED else text[:_QUOTED].rstrip() + "…")
