"""vi2en's own incremental decoder computes what the Hugging Face forward pass computes, for every family.

The stepper is driven the way the beam search drives it (prefix, then one token per row, rows reordered,
whole segments dropped) beside the generic stepper over the same model, and the log-probabilities of
every step are compared, for every architecture ``scripts/make_tiny_model.py`` builds (and T5's other
layouts), in float32, int8 and the GPU precisions: over the whole vocabulary, and over the target side
only (renormalised there) where the family has one.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM, T5Config

from process_support import gone
from translate.decoding.decoder import OWN_DECODERS, Decoder, DecodeRequest
from translate.decoding.beam_search import SearchOptions
from translate.decoding.marian_decoder import MarianIncrementalDecoder, MarianStepper
from translate.decoding.model import load_model
from translate.decoding.output_space import OutputSpace
from translate.decoding.search_workers import SearchSpan
from translate.decoding.stepper import ModelStepper

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from make_tiny_model import BUILDERS  # noqa: E402

ARCHS = tuple(BUILDERS)
"""Every family the product drives, as ``make_tiny_model.py --arch`` builds it."""
T5_LAYOUTS = {
    # The original T5: ReLU feed-forward (wi, wo), output scaled by d_model ** -0.5 before the tied output layer.
    "t5-original": {"feed_forward_proj": "relu", "tie_word_embeddings": True},
    # heads x d_kv (4 x 8) narrower than d_model (64), as in mT5-small: the cache has the attention's width.
    "t5-narrow-heads": {"d_kv": 8},
}
PRECISIONS = ["float32", "int8", "float16", "bfloat16"]

SOURCES = [
    "Bộ trưởng Bộ Công Thương dự Hội nghị Bộ trưởng Kinh tế ASEAN tại Hà Nội.",
    "Việt Nam và Nhật Bản ký hiệp định.",
    "Tổ chức Thương mại Thế giới họp tại Geneva vào tuần tới để bàn về thuế quan.",
]
BEAMS = 2
# Same weights, same inputs, a different order of float32 sums: differences stay at rounding level.
ATOL = {"float32": 1e-4, "int8": 2e-2, "float16": 1e-2, "bfloat16": 2e-2}
# float16/bfloat16 (the GPU precisions, run here on the CPU to check the dtype plumbing): both sides
# round every activation to 11 or 8 significant bits, in different orders, so the logits differ by a few
# units in the last place of their size: two units of the row's spread are allowed on top (a random
# T5's logits span ~70 nats, where one bfloat16 unit is 0.25-0.5; a random Marian's under one).
ULPS = {"float32": 0.0, "int8": 0.0, "float16": 2 * 2.0**-10, "bfloat16": 2 * 2.0**-7}
# With int8 layers, dynamic quantisation rounds every activation to 1/255 of its tensor's range, so a
# rounding-level difference upstream (a float sum in another order) can move one activation across a
# rounding boundary: a flip of one quantum.  Seen on 36 random T5 models (12 vocabularies, three layouts):
# in 4 runs one step was off, by at most 0.52% of the logits' spread (0.34 nats of 84: the output layer's
# input flipped), the steps before and after it equal again; a random Marian's flips stay under ATOL.  So
# in int8 at most a quarter of the steps may be off, each by at most FLIP of the spread; the others must
# agree to ATOL and MEAN_ATOL.  A real fault is off at every step: fused-projection scales 2% wrong on ten
# rows put every step of a random T5 about 1% of the spread off.
FLIP = 2.0**-6
MEAN_ATOL = 1e-3


@dataclass(frozen=True)
class Drive:
    """How the search drives the decoders: beams per segment, steps, and at which step which segments leave
    (their places among the segments still in the batch); ``capacity``: the positions after the prefix the own
    decoder is told to expect (0: unknown)."""

    beams: int = BEAMS
    steps: int = 6
    leaving: dict[int, tuple[int, ...]] = field(default_factory=lambda: {3: (0,)})
    capacity: int = 0


def drive_side_by_side(model: torch.nn.Module, space: OutputSpace, enc: dict[str, torch.Tensor],
                       prefix: list[int], whole_prefix: bool = True, drive: Drive = Drive()
                       ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(reference, fast) log-probabilities of each step, the reference cut to ``space`` and renormalised.

    ``whole_prefix``: the first step takes the whole decoder prefix, as the search feeds it; else one
    token per step.  int8 needs the latter: dynamic quantisation scales each layer's input by the range
    of what one call passes it, and the Hugging Face pass runs its output layer over every prefix
    position where the own decoder scores the last one only, so the first step's output layer would
    see different scales (with the tiny T5's 4-token prefix and a random model's wide logits: 0.8 nats apart).
    After each step every row continues from a random row of its own segment.
    """
    beams = drive.beams
    own = OWN_DECODERS[model.config.model_type](model, space.model_ids)
    capacity = len(prefix) + drive.capacity if drive.capacity else 0
    fast = own.start(enc["input_ids"], enc["attention_mask"], beams, capacity)
    reference = ModelStepper(model, enc["input_ids"], enc["attention_mask"], beams)
    generator = torch.Generator().manual_seed(0)
    segments = len(enc["input_ids"])
    fast_ids = torch.tensor([space.to_search(prefix)] * (segments * beams))
    pairs = []

    def step_both(fast_ids: torch.Tensor) -> torch.Tensor:
        model_ids = torch.tensor([space.to_model(row) for row in fast_ids.tolist()])
        ref, ours = reference.step(model_ids), fast.step(fast_ids)
        if space.model_ids is not None:
            ref = ref[:, space.model_ids].log_softmax(-1)
        pairs.append((ref, ours))
        return ours

    if not whole_prefix:
        for position in range(fast_ids.shape[1] - 1):
            step_both(fast_ids[:, position : position + 1])
        fast_ids = fast_ids[:, -1:]
    for step in range(drive.steps):
        ours = step_both(fast_ids)
        staying = torch.tensor([s for s in range(segments) if s not in drive.leaving.get(step, ())])
        picks = torch.randint(0, beams, (len(staying), beams), generator=generator)
        selected = (staying[:, None] * beams + picks).flatten()
        fast.select(selected, segments_changed=len(staying) != segments)
        reference.select(selected, segments_changed=len(staying) != segments)
        segments = len(staying)
        # Row b of a segment feeds its parent's b-th likeliest token: the rows of a segment differ, so the
        # history each one attends to depends on which rows it descends from.
        ranks = torch.arange(len(selected))[:, None] % beams
        fast_ids = ours[selected].topk(beams, dim=-1).indices.gather(1, ranks)
    return pairs


@pytest.fixture(scope="module")
def t5_layout_dir(tiny_model_dir: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
                  ) -> Callable[[str], Path]:
    """``t5_layout_dir(name)``: the tiny T5 model's tokenizer with random weights of one of :data:`T5_LAYOUTS`."""
    base = tiny_model_dir("t5")
    built: dict[str, Path] = {}

    def build(name: str) -> Path:
        if name not in built:
            config = T5Config.from_pretrained(base)
            fields: dict[str, Any] = {key: getattr(config, key) for key in (
                "vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_heads", "feed_forward_proj",
                "pad_token_id", "eos_token_id", "decoder_start_token_id")}
            out = tmp_path_factory.mktemp(name) / "model"
            shutil.copytree(base, out)
            torch.manual_seed(0)
            variant = T5Config(**{**fields, "tie_word_embeddings": False, **T5_LAYOUTS[name]})
            AutoModelForSeq2SeqLM.from_config(variant).save_pretrained(out)
            built[name] = out
        return built[name]

    return build


def without_padding(enc: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The batch cut to its shortest source, so that no position is padding.

    int8 quantises each layer's input over the range of what one call passes it.  The Hugging Face pass
    passes the padded batch, the own encoder and cross-attention the real tokens only
    (``translate.decoding.encoders``): with padding, the two sides would quantise with different scales by
    design, not by fault.  Without it they quantise the same numbers; the padding is compared in float32.
    """
    shortest = int(enc["attention_mask"].sum(dim=1).min())
    return {"input_ids": enc["input_ids"][:, :shortest], "attention_mask": enc["attention_mask"][:, :shortest]}


def assert_steps_match(path: Path, precision: str, restricted: bool, sources: list[str] = SOURCES,
                       drive: Drive = Drive()) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Drive the own decoder of the model at ``path`` beside the HF forward pass; every step must agree."""
    loaded = load_model(str(path), precision=precision)
    ids = loaded.family.output_token_ids() if restricted else None
    space = OutputSpace(ids, loaded.family.vocab_size)
    enc = loaded.family.encode_sources(sources)
    if precision == "int8":
        enc = without_padding(enc)
    with torch.inference_mode():
        pairs = drive_side_by_side(loaded.model, space, enc, loaded.family.decoder_prefix,
                                   whole_prefix=precision != "int8", drive=drive)
    flipped = []
    for step, (ref, ours) in enumerate(pairs):
        assert ours.shape == ref.shape == (ref.shape[0], space.size), step
        spread = ref.amax(dim=-1, keepdim=True) - ref.amin(dim=-1, keepdim=True)  # the logits' range
        excess = (ours - ref).abs() - ULPS[precision] * spread
        if precision == "int8" and (excess.max() > ATOL[precision] or excess.mean() > MEAN_ATOL):
            flipped.append(step)
            assert (excess - FLIP * spread).max() <= ATOL[precision], (step, excess.max().item(), spread.max().item())
            continue
        assert excess.max() <= ATOL[precision], (step, excess.max().item())
        assert excess.mean() <= MEAN_ATOL, (step, excess.mean().item())
    assert len(flipped) <= len(pairs) // 4, f"steps off by more than a quantisation flip explains: {flipped}"
    assert pairs[-1][0].shape[0] < pairs[0][0].shape[0], "a segment should have left the batch"
    return pairs


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("arch", ARCHS)
def test_steps_match_the_hugging_face_forward(tiny_model_dir: Callable[[str], Path], arch: str,
                                              precision: str) -> None:
    """Each family as the product decodes it: the target side's rows where the tokenizer has them
    (Marian), the whole vocabulary where both languages share one (mBART, NLLB/M2M-100, T5)."""
    assert_steps_match(tiny_model_dir(arch), precision, restricted=True)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_marian_whole_vocabulary_steps_match(tiny_model_dir: Callable[[str], Path], precision: str) -> None:
    """Marian over its whole joint vocabulary (the model's own output layer, uncut)."""
    assert_steps_match(tiny_model_dir("marian"), precision, restricted=False)


@pytest.mark.parametrize("precision", ["float32", "int8"])
@pytest.mark.parametrize("layout", T5_LAYOUTS)
def test_other_t5_layouts_step_like_the_hugging_face_forward(t5_layout_dir: Callable[[str], Path], layout: str,
                                                             precision: str) -> None:
    assert_steps_match(t5_layout_dir(layout), precision, restricted=True)


# T5: its position bias on the scores the slots mask.  Not T5 in int8: the bookkeeping checked here is the
# same in every precision, and the int8 tests above cover T5's int8 layers.
@pytest.mark.parametrize(("arch", "precision"), [("marian", "float32"), ("marian", "int8"), ("t5", "float32")])
def test_segments_leaving_anywhere_while_beams_reorder(tiny_model_dir: Callable[[str], Path], arch: str,
                                                       precision: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three beams, every row continuing from any row of its segment, step after step; segments leave from
    the middle, then the front and the back at once, then one more, so other segments' states move into
    the places they leave (and out of the search's order); the cache is told too small a capacity, so it
    grows after the first segment has left and a block has moved (the copy must keep the moved block)."""
    grown: list[int] = []  # the segments in the batch when the cache grew
    reserve = MarianStepper._reserve

    def watched(stepper: MarianStepper, rows: int, new: int) -> None:
        before = None if stepper.slots is None else stepper.slots.shape[0]
        reserve(stepper, rows, new)
        if before is not None and stepper.slots.shape[0] != before:
            grown.append(len(stepper.blocks))

    monkeypatch.setattr(MarianStepper, "_reserve", watched)
    sources = SOURCES + ["Hôm nay trời đẹp.", "Giá xăng tăng mạnh trong tháng này."]
    drive = Drive(beams=3, steps=8, leaving={1: (2,), 3: (0, 3), 5: (1,)}, capacity=2)
    pairs = assert_steps_match(tiny_model_dir(arch), precision, restricted=True, sources=sources, drive=drive)
    assert grown == [len(sources) - 1], grown
    rows, segments = [], len(sources)
    for step in range(drive.steps):
        rows.append(segments * drive.beams)
        segments -= len(drive.leaving.get(step, ()))
    assert [len(ref) for ref, _ in pairs[-drive.steps :]] == rows


@pytest.mark.parametrize("arch", ARCHS)
def test_first_step_computes_each_segments_row_once(tiny_model_dir: Callable[[str], Path], arch: str) -> None:
    """Every beam starts from the decoder prefix: the first step runs the network (its output layer included)
    on one row per segment and gives it to each of the segment's beams; the next step, whose rows differ,
    runs on every row.  The tests above check that the numbers are the Hugging Face pass's."""
    loaded = load_model(str(tiny_model_dir(arch)))
    space = OutputSpace(loaded.family.output_token_ids(), loaded.family.vocab_size)
    own = OWN_DECODERS[loaded.model.config.model_type](loaded.model, space.model_ids)
    rows_seen: list[int] = []
    own.head.register_forward_pre_hook(lambda module, args: rows_seen.append(args[0].shape[0]))
    enc, beams, segments = loaded.family.encode_sources(SOURCES), 3, len(SOURCES)
    with torch.inference_mode():
        stepper = own.start(enc["input_ids"], enc["attention_mask"], beams)
        first = stepper.step(torch.tensor([space.to_search(loaded.family.decoder_prefix)] * (segments * beams)))
        stepper.select(torch.arange(segments * beams), segments_changed=False)
        tokens = first.view(segments, beams, -1)[:, 0].topk(beams, dim=-1).indices.reshape(-1, 1)
        second = stepper.step(tokens)
    assert rows_seen == [segments, segments * beams]
    by_segment = first.view(segments, beams, -1)
    assert torch.equal(by_segment, by_segment[:, :1].expand_as(by_segment))
    assert second.shape == first.shape


@pytest.mark.parametrize("arch", ARCHS)
def test_every_family_is_decoded_by_the_own_decoder(tiny_model_dir: Callable[[str], Path], arch: str) -> None:
    """The product's Decoder steps each family with vi2en's decoder, not the Hugging Face forward pass."""
    decoder = Decoder(load_model(str(tiny_model_dir(arch)), decoders_only=True), SearchOptions(beams=2))
    assert isinstance(decoder.network, MarianIncrementalDecoder)
    assert decoder.decode([DecodeRequest(SOURCES[1])])[0].text.strip()


def test_target_side_is_a_strict_subset_that_spells_every_target_text(tiny_model_dir: Callable[[str], Path]) -> None:
    """Restricting the output loses nothing the target tokenizer can produce."""
    loaded = load_model(str(tiny_model_dir("marian")))
    family = loaded.family
    ids = family.output_token_ids()
    assert ids is not None and len(ids) < family.vocab_size
    assert {family.eos_token_id, *family.decoder_prefix} <= set(ids)
    text = "The Ministry of Industry and Trade met ASEAN economic ministers in Ha Noi on Tuesday (Photo: VNA)."
    assert set(family.encode_target(text)) <= set(ids)
    assert family.output_token_ids() == ids


def test_restricted_decoder_translates_and_keeps_terms(tiny_model_dir: Callable[[str], Path]) -> None:
    """The search runs in the restricted numbering and maps back: text comes out, constraints are met."""
    loaded = load_model(str(tiny_model_dir("marian")))
    decoder = Decoder(loaded, SearchOptions(beams=2, max_new_tokens=10))
    assert decoder.space.model_ids is not None
    term = ("Ministry of Industry and Trade",)  # one required term: its acceptable renderings
    out = decoder.decode([DecodeRequest(SOURCES[0], (term,)), DecodeRequest(SOURCES[1])])
    assert "Ministry of Industry and Trade" in out[0].text and out[0].met == (True,)
    assert out[1].text.strip()


@pytest.mark.parametrize("workers", ["processes", "threads"])
@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_batches_searched_side_by_side_give_the_same_output(tiny_model_dir: Callable[[str], Path],
                                                           precision: str, workers: str) -> None:
    """With two torch threads the decoder searches two batches at once, in forked processes or in threads; the
    output must not change."""
    loaded = load_model(str(tiny_model_dir("marian")), precision=precision)
    term = ("Ministry of Industry and Trade",)
    requests = [DecodeRequest(s, (term,) if i % 2 else ()) for i, s in enumerate(SOURCES * 3)]
    decoder = Decoder(loaded, SearchOptions(beams=2, max_new_tokens=12), max_batch_tokens=60,  # several batches
                      workers=workers)
    spans: list[SearchSpan] = []
    decoder.on_search = lambda span, hypotheses: spans.append(span)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = decoder.decode(requests)
        assert {span.worker for span in spans} == {"caller"}, "one thread: searched where called"
        spans.clear()
        torch.set_num_threads(2)
        seen: list[int] = []
        side_by_side = decoder.decode(requests, progress=seen.append)
        assert torch.get_num_threads() == 2, "the decoder must give the thread setting back"
        first = {span.worker for span in spans}
        decoder.close()  # its workers end; the next call starts new ones
        spans.clear()
        again = decoder.decode(requests)
    finally:
        torch.set_num_threads(threads)
        decoder.close()
    assert len(seen) > 2 and sum(seen) == len(requests) and len(spans) == len(seen)
    kind = "process" if workers == "processes" else "thread"
    assert {span.worker.split()[0] for span in spans} == {kind}
    if workers == "processes":
        assert str(os.getpid()) not in {span.worker.split()[1] for span in spans}
    assert side_by_side == alone == again
    assert all(d.met == (True,) for d in side_by_side[1::2])
    if workers == "processes":
        assert not {span.worker for span in spans} & first, "new worker processes after close()"
        assert all(gone(int(worker.split()[1])) for worker in first), "close() ended the first ones"


@pytest.mark.parametrize("precision", ["float32", "int8"])
@pytest.mark.parametrize("arch", ["marian", "t5"])  # T5's copies: the self-attention projections, wi_0/wi_1
def test_decoders_share_one_prepared_model_and_release_what_it_replaces(tiny_model_dir: Callable[[str], Path],
                                                                        arch: str, precision: str) -> None:
    """Two decoders over one model (``--explain`` builds a second) share one prepared network; a model
    loaded for vi2en's decoders only drops the HF parts that network copied, and translates the same."""
    path = str(tiny_model_dir(arch))
    kept, released = load_model(path, precision=precision), load_model(path, precision=precision, decoders_only=True)
    requests = [DecodeRequest(s, [("Ministry of Industry and Trade",)] if i == 0 else ()) for i, s in enumerate(SOURCES)]
    options = SearchOptions(beams=2, max_new_tokens=10)
    first, second = Decoder(released, options), Decoder(released, SearchOptions(beams=2, max_new_tokens=10, hard=False))
    assert first.network is second.network
    assert first.decode(requests) == Decoder(kept, options).decode(requests)
    enc = released.family.encode_sources(SOURCES[:1])
    with pytest.raises(RuntimeError, match="released"):
        released.model(**enc, decoder_input_ids=torch.tensor([released.family.decoder_prefix]))
    kept.model(**enc, decoder_input_ids=torch.tensor([kept.family.decoder_prefix]))  # not loaded decoders_only
