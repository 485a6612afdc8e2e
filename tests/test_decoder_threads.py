"""One decoder for every glossary choice, and every torch thread busy on a small call.

A call that forms fewer batches than there are threads is dealt into one batch per thread; the output
must be what the unsplit call gives (float32; int8: what the batches give one after the other).  Hard or soft is chosen per decode call, so
``Translator.derive`` (the server's per-request options) shares the model and its decoder and still
translates as a Translator built with those options from scratch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from glossary import Glossary, default_paths, load_glossary
from glossary.requirements import locate_terms
from translate.decoding import Decoder, DecodeRequest, SearchOptions, load_model
from translate.decoding.batching import make_batches
from translate.pipeline import Translator
from translate.server.variants import Options, Variants, inline_entries

SOURCES = [
    "Bộ trưởng Bộ Công Thương dự Hội nghị Bộ trưởng Kinh tế ASEAN tại Hà Nội.",
    "Việt Nam và Nhật Bản ký hiệp định.",
    "Tổ chức Thương mại Thế giới họp tại Geneva vào tuần tới để bàn về thuế quan.",
    "Thủ tướng tiếp Đại sứ Hàn Quốc.",
    "Xuất khẩu dệt may tăng mạnh trong quý một.",
]
TERM = ("Ministry of Industry and Trade",)
ARTICLE = "Bộ Công Thương chủ trì hội nghị.\n\nBộ trưởng Bùi Thanh Sơn phát biểu tại hội nghị APEC."


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@given(st.lists(st.integers(1, 300), max_size=40), st.integers(1, 2000), st.integers(1, 16), st.integers(1, 6))
def test_small_calls_are_dealt_into_one_batch_per_thread(lengths, max_tokens, max_segments, threads) -> None:
    unsplit = make_batches(lengths, max_tokens, max_segments)
    batches = make_batches(lengths, max_tokens, max_segments, at_least=threads)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert len(batches) == max(len(unsplit), min(threads, len(lengths)))
    for batch in batches:
        assert len(batch) <= max_segments
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= max_tokens
    if len(unsplit) == 1 and threads == 2 and len(lengths) >= 2:  # halves of alternate segments: the same spread
        assert abs(len(batches[0]) - len(batches[1])) <= 1
    if len(unsplit) <= threads:  # one batch per thread: never costlier than the budget's own grouping
        assert _costliest(batches, lengths) <= _costliest(unsplit, lengths)


def _costliest(batches: list[list[int]], lengths: list[int]) -> int:
    return max((max(lengths[i] for i in b) * len(b) for b in batches), default=0)


def test_a_call_just_over_one_batch_is_shared_evenly_by_two_threads() -> None:
    """16 server requests over a 1,500-token budget: the budget alone makes a full batch of 12 and a
    remainder of 4, and the thread with the 4 would wait for the other; dealt in turn, 8 and 8."""
    lengths = [117, 89, 84, 73, 64, 63, 62, 61, 51, 51, 49, 46, 30, 26, 25, 19]
    assert [len(b) for b in make_batches(lengths, 1500, 64)] == [12, 4]
    batches = make_batches(lengths, 1500, 64, at_least=2)
    assert [len(b) for b in batches] == [8, 8]
    assert sorted(i for b in batches for i in b) == list(range(16))


@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_a_call_split_for_the_threads_gives_the_unsplit_output(tiny_model_dir: Callable[[str], Path],
                                                               precision: str) -> None:
    """float32: the split call's output is the unsplit call's.  int8 quantises each layer's input with
    one scale per tensor, that is per batch, so a segment's int8 output may move with the segments
    beside it (as it already does with the server's arrivals or the batch budget): there, the split
    call must give what its batches give decoded one after the other, as calls of their own."""
    loaded = load_model(str(tiny_model_dir("marian")), precision=precision)
    decoder = Decoder(loaded, SearchOptions(beams=2, max_new_tokens=12))  # default budget: one batch for these
    requests = [DecodeRequest(s, (TERM,) if i % 2 else ()) for i, s in enumerate(SOURCES)]
    one: list[int] = []
    two: list[int] = []
    with torch_threads(2):
        plan = decoder.plan([r.text for r in requests])
    with torch_threads(1):
        assert [sorted(batch) for batch in decoder.plan([r.text for r in requests])] == [list(range(len(requests)))]
        alone = decoder.decode(requests, progress=one.append)
        halves = {}
        for batch in plan:
            halves.update(zip(batch, decoder.decode([requests[i] for i in batch])))
    with torch_threads(2):
        split = decoder.decode(requests, progress=two.append)
    assert one == [len(requests)], "one thread: the call is one batch"
    assert [len(batch) for batch in plan] == two == [3, 2], "two threads: one batch each, as planned"
    assert split == [halves[i] for i in range(len(requests))]
    if precision == "float32":
        assert split == alone
    assert all(d.met == (True,) for d in split[1::2])


def test_hard_or_soft_is_chosen_per_call(tiny_model_dir: Callable[[str], Path]) -> None:
    loaded = load_model(str(tiny_model_dir("marian")))
    search = SearchOptions(beams=2, max_new_tokens=10)
    requests = [DecodeRequest(s, (TERM,)) for s in SOURCES[:3]]
    decoder = Decoder(loaded, search)
    hard, soft = decoder.decode(requests), decoder.decode(requests, hard=False)
    assert all(d.met == (True,) for d in hard)
    assert soft == Decoder(loaded, SearchOptions(beams=2, max_new_tokens=10, hard=False)).decode(requests)
    assert soft != hard, "a random model does not write the term unforced"
    assert decoder.decode(requests, hard=True) == hard


@pytest.fixture(scope="module")
def base(tiny_model_dir: Callable[[str], Path]) -> Translator:
    return Translator(load_model(str(tiny_model_dir("marian"))), load_glossary(*default_paths()),
                      search=SearchOptions(max_new_tokens=8))


def test_derived_translators_share_the_decoder_and_translate_as_new_ones(base: Translator) -> None:
    before = base.translate_document("a", ARTICLE)
    inline = base.glossary.merge(Glossary(inline_entries([{"vi": "hội nghị", "en": "conference"}])))
    choices = [
        {"glossary_mode": "soft"},
        {"glossary_mode": "off"},
        {"glossary": inline, "glossary_date": date(2021, 11, 8)},
        {"renderings": "any", "acronyms": "first-expand"},
    ]
    for options in choices:
        derived = base.derive(**options)
        assert derived.decoder is base.decoder and derived.loaded is base.loaded
        fresh = Translator(base.loaded, options.get("glossary", base.glossary), search=base.search,
                           **{k: v for k, v in options.items() if k != "glossary"})
        ours, theirs = derived.translate_document("a", ARTICLE), fresh.translate_document("a", ARTICLE)
        assert ours.text == theirs.text, options
        assert [t.to_json() for t in ours.segments] == [t.to_json() for t in theirs.segments], options
    after = base.translate_document("a", ARTICLE)
    assert after.text == before.text and len(after.terms) == len(before.terms) > 0, "the base is left as it was"


def test_derive_refuses_what_it_cannot_change(base: Translator) -> None:
    with pytest.raises(TypeError, match="search"):
        base.derive(search=SearchOptions(beams=1))
    with pytest.raises(ValueError, match="glossary_mode"):
        base.derive(glossary_mode="strict")


def test_explaining_runs_the_same_decoder_unconstrained(base: Translator) -> None:
    """``changed`` says whether the term would be missing without the constraint: checked against a
    translation with the glossary off."""
    explaining = Translator(base.loaded, base.glossary, search=base.search, explain=True)
    plain = base.derive(glossary_mode="off").translate_document("a", ARTICLE)
    result = explaining.translate_document("a", ARTICLE)
    assert result.terms
    for segment, unconstrained in zip(result.segments, plain.segments):
        for term in segment.terms:
            assert term.changed == (locate_terms(unconstrained.target, [tuple(term.required)])[0] is None)


def test_server_variants_are_derived(base: Translator) -> None:
    variants = Variants(base)
    for options in (Options("soft"), Options("hard", date(2021, 11, 8)), Options("off")):
        translator = variants.translator(options)
        assert translator is not base and translator.decoder is base.decoder
        assert translator.glossary_mode == options.mode and translator.glossary_date == options.date
    assert variants.translator(variants.defaults) is base
