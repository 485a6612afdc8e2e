"""Which formatted spans can be required in their sentence's translation, and where each one landed.

The decoder is injected as the two counts ``require_span`` takes, and the translations are written in
the test, so each rule is checked exactly; ``tests/test_inline_spans.py`` runs the whole way with a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pytest

from glossary import Matcher, load_glossary
from glossary.requirements import requirements_for
from translate.decoding import Renderings
from translate.document import FormattedSpan
from translate.span_plan import PlannedSpan, plan_spans, require_span, span_records
from translate.term_plan import PlannedTerm

SOURCE = "Hôm nay, Bộ Công Thương đã tổ chức một cuộc họp quan trọng tại Hà Nội."
BOLD = "một cuộc họp quan trọng"


def span(source: str = BOLD, translation: str = "an important meeting.") -> PlannedSpan:
    start = SOURCE.index(source)
    return PlannedSpan(start, start + len(source), source, [], holder=0, translation=translation)


def tokens(requirements: Sequence[Renderings]) -> int:
    """A decoder that spells everything, one token a word."""
    return sum(len(r[0].split()) for r in requirements)


@pytest.fixture(scope="module")
def terms(ministries_glossary: Path) -> list[PlannedTerm]:
    found = requirements_for(SOURCE, Matcher(load_glossary(ministries_glossary).entries), "approved")
    return [PlannedTerm(r, r.renderings) for r in found]


def test_the_spans_own_translation_is_required_without_its_closing_period() -> None:
    bold = span()
    assert require_span(bold, SOURCE, [], [], tokens, room=100)
    assert bold.renderings == ("an important meeting",) and bold.note == ""


def test_a_span_that_does_not_fit_or_cannot_be_spelt_is_not_required_and_says_why() -> None:
    crowded = span()
    assert not require_span(crowded, SOURCE, [], [], tokens, room=3)
    assert crowded.renderings == () and "would not fit" in crowded.note
    unspellable = span()
    assert not require_span(unspellable, SOURCE, [], [], lambda requirements: 0, room=None)
    assert "cannot spell" in unspellable.note and "'an important meeting'" in unspellable.note


def test_a_note_quotes_a_long_translation_by_its_beginning() -> None:
    long = span(translation="an important meeting " * 10)
    assert not require_span(long, SOURCE, [], [], lambda requirements: 0, room=None)
    assert "'an important meeting an important meetin…'" in long.note and len(long.note) < 100


def test_a_span_cutting_a_glossary_term_is_not_required(terms: list[PlannedTerm]) -> None:
    cut = FormattedSpan(0, SOURCE.index("Công"), SOURCE.index(" đã"))  # "Công Thương"
    whole = FormattedSpan(0, SOURCE.index("Bộ"), SOURCE.index(" đã"))  # the term alone: its rendering carries it
    inside = FormattedSpan(0, SOURCE.index("Bộ"), SOURCE.index(" một"))  # "Bộ Công Thương đã tổ chức"
    planned = plan_spans(SOURCE, terms, [cut, whole, inside], [(0, len(SOURCE))], remembered=False)
    assert [(s.source, s.holder, s.note) for s in planned] == [
        ("Công Thương", None, "it cuts a glossary term"), ("Bộ Công Thương đã tổ chức", 0, "")]
    assert planned[1].terms == terms  # its own translation must hold the term too


def test_where_the_translation_stands_is_recorded_only_when_it_stands_once() -> None:
    bold = span()
    require_span(bold, SOURCE, [], [], tokens, room=None)
    [once] = span_records("Today there was an important meeting in Hanoi.", [bold])
    assert once.met and (once.target_start, once.target_end) == (16, 36) and once.note == ""
    [twice] = span_records("An important meeting: an important meeting in Hanoi.", [bold])
    assert twice.met and twice.target_start is None and twice.target_end is None
    assert twice.note == ("its own translation 'an important meeting' stands 2 times in the sentence's, "
                          "which one is the span's is not known")
    [absent] = span_records("Today there was a meeting in Hanoi.", [bold])
    assert not absent.met and absent.note == "its own translation is not in the sentence's"
