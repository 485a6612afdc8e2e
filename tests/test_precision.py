"""int8 weights: close to float32 in what the model predicts, and the glossary guarantee intact."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from glossary import load_glossary
from glossary.requirements import count_rendering
from translate.decoding.beam_search import SearchOptions, beam_search
from translate.decoding.decoder import target_vocabulary
from translate.decoding.output_space import OutputSpace
from translate.decoding.model import load_model
from translate.decoding.quantize import Int8Linear
from translate.pipeline import Translator

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    "Bộ trưởng Bộ Công Thương Nguyễn Hồng Diên dự Hội nghị Bộ trưởng Kinh tế ASEAN.",
    "Việt Nam và Nhật Bản ký Hiệp định Đối tác Kinh tế toàn diện ASEAN – Nhật Bản (AJCEP).",
    "Tổ chức Thương mại Thế giới (WTO) họp tại Geneva.",
    "Diễn đàn Hợp tác Kinh tế châu Á - Thái Bình Dương họp trực tuyến.",
]

# Dynamic int8 quantisation rounds each weight to 1/127 of its layer's range and each activation to
# 1/255 of its batch's range, so logits move by roughly a percent of their spread.  Averaged over a
# translation that must stay far below what would change a decision: 0.05 nats per token is a 5%
# change in a token's probability, while the tiny model's predictive entropy is several nats.  (On the
# base-size model the measured mean difference is about 0.008 nats; on the tiny one about 0.002.)
MAX_MEAN_ABS_LOGPROB_DIFF = 0.05


def _token_logprobs(model: torch.nn.Module, enc: dict[str, torch.Tensor], row: int, target: torch.Tensor) -> torch.Tensor:
    logits = model(
        input_ids=enc["input_ids"][row : row + 1],
        attention_mask=enc["attention_mask"][row : row + 1],
        decoder_input_ids=target[:, :-1],
    ).logits
    return logits.log_softmax(-1)[0].gather(1, target[0, 1:, None]).squeeze(1)


def test_int8_scores_float32_output_almost_identically(tiny_model_dir: Callable[[str], Path]) -> None:
    torch.set_num_threads(1)
    path = tiny_model_dir("marian")
    f32, i8 = load_model(str(path)), load_model(str(path), precision="int8")
    assert any(isinstance(m, Int8Linear) for m in i8.model.modules()), "int8 model has no int8 layers"
    enc = f32.family.encode_sources(SOURCES)
    with torch.inference_mode():
        hyps = beam_search(
            f32.model, enc["input_ids"], enc["attention_mask"], target_vocabulary(f32, OutputSpace(None, f32.family.vocab_size)), [None] * len(SOURCES),
            SearchOptions(beams=2, max_new_tokens=16),
        )
        prefix = list(f32.family.decoder_prefix)
        diffs = []
        for row, hyp in enumerate(hyps):
            target = torch.tensor([prefix + hyp.tokens])
            a, b = _token_logprobs(f32.model, enc, row, target), _token_logprobs(i8.model, enc, row, target)
            diffs.append((a - b).abs().mean().item())
    assert max(diffs) < MAX_MEAN_ABS_LOGPROB_DIFF, diffs
    assert max(diffs) > 0, "the int8 model computes exactly the float32 numbers: it was not quantised"


def test_int8_keeps_every_term_and_every_segment(tiny_model_dir: Callable[[str], Path]) -> None:
    glossary = load_glossary(*sorted((ROOT / "glossary" / "data").glob("*.tsv")))
    translator = Translator(
        load_model(str(tiny_model_dir("marian")), precision="int8"), glossary,
        search=SearchOptions(beams=2, max_new_tokens=8),
    )
    result = translator.translate_document("doc", "\n".join(SOURCES), lines=True)
    assert len(result.text.split("\n")) == len(SOURCES)
    terms = [(seg.target, t.required) for seg in result.segments for t in seg.terms]
    assert len(terms) >= 6
    for target, required in terms:
        assert count_rendering(target, required) >= 1, (target, required)
