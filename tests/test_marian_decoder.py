"""Marian's own incremental decoder computes what the Hugging Face forward pass computes.

The stepper is driven the way the beam search drives it (prefix, then one token per row, rows reordered,
whole segments dropped) beside the generic stepper over the same model, and the log-probabilities of
every step are compared: over the whole vocabulary, over the target side only (renormalised there), and
with int8 layers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import torch

from translate.decoding.decoder import Decoder, DecodeRequest
from translate.decoding.beam_search import SearchOptions
from translate.decoding.marian_decoder import MarianIncrementalDecoder
from translate.decoding.model import load_model
from translate.decoding.output_space import OutputSpace
from translate.decoding.stepper import ModelStepper

SOURCES = [
    "Bộ trưởng Bộ Công Thương dự Hội nghị Bộ trưởng Kinh tế ASEAN tại Hà Nội.",
    "Việt Nam và Nhật Bản ký hiệp định.",
    "Tổ chức Thương mại Thế giới họp tại Geneva vào tuần tới để bàn về thuế quan.",
]
BEAMS = 2
# Same weights, same inputs, a different order of float32 sums: differences stay at rounding level.
ATOL = {"float32": 1e-4, "int8": 2e-2, "float16": 1e-2, "bfloat16": 2e-2}
# float16/bfloat16 (the GPU precisions, run here on the CPU to check the dtype plumbing): both sides
# round every activation to 11 or 8 significant bits, in different orders.
# With int8 layers, dynamic quantisation rounds every activation to 1/255 of its tensor's range; a
# rounding-level difference upstream can move an activation across a rounding boundary, which shifts it
# by one quantum: a few thousandths of a nat in the worst element, while the mean stays far smaller.
MEAN_ATOL = 1e-3


def drive_side_by_side(model: torch.nn.Module, space: OutputSpace, enc: dict[str, torch.Tensor],
                       prefix: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(reference, fast) log-probabilities of each step, the reference cut to ``space`` and renormalised."""
    fast = MarianIncrementalDecoder(model, space.model_ids).start(enc["input_ids"], enc["attention_mask"], BEAMS)
    reference = ModelStepper(model, enc["input_ids"], enc["attention_mask"], BEAMS)
    generator = torch.Generator().manual_seed(0)
    rows = len(SOURCES) * BEAMS
    fast_ids = torch.tensor([space.to_search(prefix)] * rows)
    pairs = []
    for step in range(6):
        model_ids = torch.tensor([space.to_model(row) for row in fast_ids.tolist()])
        ref, ours = reference.step(model_ids), fast.step(fast_ids)
        if space.model_ids is not None:
            ref = ref[:, space.model_ids].log_softmax(-1)
        pairs.append((ref, ours))
        segments = rows // BEAMS
        keep = segments - 1 if step == 3 and segments > 1 else segments  # one segment leaves the batch
        chosen_segments = torch.arange(segments)[-keep:]
        picks = torch.randint(0, BEAMS, (keep, BEAMS), generator=generator)
        selected = (chosen_segments[:, None] * BEAMS + picks).flatten()
        fast.select(selected, segments_changed=keep != segments)
        reference.select(selected, segments_changed=keep != segments)
        rows = keep * BEAMS
        fast_ids = ours[selected].topk(1, dim=-1).indices
    return pairs


@pytest.mark.parametrize("precision", ["float32", "int8", "float16", "bfloat16"])
@pytest.mark.parametrize("restricted", [False, True], ids=["whole-vocabulary", "target-side"])
def test_steps_match_the_hugging_face_forward(tiny_model_dir: Callable[[str], Path], precision: str,
                                              restricted: bool) -> None:
    loaded = load_model(str(tiny_model_dir("marian")), precision=precision)
    ids = loaded.family.output_token_ids()
    assert ids is not None
    space = OutputSpace(ids if restricted else None, loaded.family.vocab_size)
    enc = loaded.family.encode_sources(SOURCES)
    with torch.inference_mode():
        pairs = drive_side_by_side(loaded.model, space, enc, loaded.family.decoder_prefix)
    for step, (ref, ours) in enumerate(pairs):
        assert ours.shape == ref.shape, step
        difference = (ours - ref).abs()
        assert difference.max() <= ATOL[precision], (step, difference.max().item())
        assert difference.mean() <= MEAN_ATOL, (step, difference.mean().item())
    assert pairs[-1][0].shape[0] < pairs[0][0].shape[0], "a segment should have left the batch"


@pytest.mark.parametrize("precision", ["float32", "int8"])
@pytest.mark.parametrize("arch", ["mbart", "mbart50", "m2m100"])
def test_pre_norm_families_step_like_the_hugging_face_forward(tiny_model_dir: Callable[[str], Path], arch: str,
                                                             precision: str) -> None:
    """mBART, mBART-50 and M2M-100 (NLLB's architecture): normalised before each block, offset positions
    (M2M-100's after its padding id), mBART's embedding norm, a final norm; the whole vocabulary."""
    loaded = load_model(str(tiny_model_dir(arch)), precision=precision)
    space = OutputSpace(None, loaded.family.vocab_size)
    enc = loaded.family.encode_sources(SOURCES)
    with torch.inference_mode():
        pairs = drive_side_by_side(loaded.model, space, enc, loaded.family.decoder_prefix)
    for step, (reference, fast) in enumerate(pairs):
        difference = (reference - fast).abs()
        assert difference.max() <= ATOL[precision], (step, difference.max().item())
        assert difference.mean() <= MEAN_ATOL, (step, difference.mean().item())


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


@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_batches_searched_side_by_side_give_the_same_output(tiny_model_dir: Callable[[str], Path],
                                                           precision: str) -> None:
    """With two torch threads the decoder searches two batches at once; the output must not change."""
    loaded = load_model(str(tiny_model_dir("marian")), precision=precision)
    term = ("Ministry of Industry and Trade",)
    requests = [DecodeRequest(s, (term,) if i % 2 else ()) for i, s in enumerate(SOURCES * 3)]
    decoder = Decoder(loaded, SearchOptions(beams=2, max_new_tokens=12), max_batch_tokens=60)  # several batches
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = decoder.decode(requests)
        torch.set_num_threads(2)
        seen: list[int] = []
        side_by_side = decoder.decode(requests, progress=seen.append)
        assert torch.get_num_threads() == 2, "the decoder must give the thread setting back"
    finally:
        torch.set_num_threads(threads)
    assert len(seen) > 2 and sum(seen) == len(requests)
    assert side_by_side == alone
    assert all(d.met == (True,) for d in side_by_side[1::2])


@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_decoders_share_one_prepared_model_and_release_what_it_replaces(tiny_model_dir: Callable[[str], Path],
                                                                        precision: str) -> None:
    """Two decoders over one model (``--explain`` builds a second) share one prepared network; a model
    loaded for vi2en's decoders only drops the HF parts that network copied, and translates the same."""
    path = str(tiny_model_dir("marian"))
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
