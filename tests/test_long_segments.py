"""Segments that do not fit the model: nothing comes back empty, no term is lost at a cut, no word is dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from glossary import load_glossary
from glossary.requirements import count_rendering, requirements_for
from translate.decoding.beam_search import SearchOptions
from translate.glossary_files import glossary_paths
from translate.decoding.model import load_model
from translate.pipeline import Translator

CLAUSE = "Bộ Công Thương phối hợp với Bộ Ngoại giao tổ chức hội nghị tại Hà Nội"


@pytest.fixture(scope="module")
def translator(tiny_model_dir: Callable[[str], Path]) -> Translator:
    return Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(*glossary_paths("builtin")),
                      search=SearchOptions(max_new_tokens=8))


def test_terms_are_required_on_the_whole_sentence_and_never_cut(translator: Translator) -> None:
    sentence = ", ".join([CLAUSE] * 40) + "."  # far longer than the model's 512 input positions
    assert translator.decoder.count_source_tokens(sentence) > translator.decoder.max_source_tokens
    result = translator.translate_document("long", sentence)
    [record] = result.segments
    expected = requirements_for(sentence, translator._matcher(None))
    assert len(record.terms) == len(expected) == 120
    assert all(term.met for term in record.terms), [t.source for t in record.terms if not t.met]
    assert count_rendering(record.target, ["Ministry of Industry and Trade"]) >= 40


def test_a_segment_whose_terms_exceed_the_output_is_split_not_emptied(translator: Translator) -> None:
    # 200 terms need more output tokens than the decoder has positions: the sentence must be cut smaller.
    sentence = " ".join(["Bộ Công Thương và Bộ Ngoại giao"] * 100) + "."
    room = translator.decoder.target_room
    assert room is not None
    result = translator.translate_document("crowded", sentence)
    [record] = result.segments
    assert record.target.strip(), "the segment came back empty"
    assert len(record.terms) == 200 and all(term.met for term in record.terms)


def test_a_word_longer_than_the_input_is_kept_with_a_warning_and_the_rest_translated(translator: Translator) -> None:
    data_uri = "data:image/png;base64," + "iVBORw0KGgo" * 320  # 3,500+ characters, no space
    text = f"Bộ Công Thương công bố ảnh {data_uri} tại hội nghị.\n\nBộ Ngoại giao phát biểu."
    results = list(translator.translate_documents([("uri", text), ("next", "Bộ Tài chính họp.")]))
    assert [r.doc_id for r in results] == ["uri", "next"], "one bad segment must not stop the other documents"
    uri = results[0]
    assert data_uri in uri.text, "the long word is passed through verbatim"
    assert any("longer than the model's input" in w for w in uri.warnings), uri.warnings
    assert all(t.met for s in uri.segments for t in s.terms)
    assert results[1].segments[0].target.strip()


def test_a_piece_after_a_cut_is_not_offered_the_sentence_initial_capital(translator: Translator) -> None:
    """A lower-case term ("trade promotion") may be capitalised where the output starts a sentence; the
    output of the second piece of a split sentence starts mid-sentence, where "Trade promotion" would not
    count as the term on the joined sentence."""
    builder = translator.decoder.constraints
    renderings = ("trade promotion",)
    opening, inside = builder.build([renderings]), builder.build([renderings], opens_sentence=False)
    assert opening is not None and inside is not None
    assert opening.constraints[0].initial_alternatives, "the tokenizer spells 'Trade promotion' differently"
    assert inside.constraints[0].initial_alternatives == ()
    sentence = ", ".join(["xúc tiến thương mại tại Hà Nội được đẩy mạnh"] * 60) + "."
    [record] = translator.translate_document("long", sentence).segments
    assert record.terms and all(term.met for term in record.terms)
