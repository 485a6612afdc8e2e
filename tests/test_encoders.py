"""The own encoder computes the Hugging Face encoder's states for a batch's real tokens, skipping the padding.

``tests/test_marian_decoder.py`` compares whole decoder steps, encoder included; here the encoder states
themselves are compared, per family, with right and left padding (M2M-100 numbers left-padded positions
from its first token, Marian and mBART from the first column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import torch

from translate.decoding.encoders import PackedEncoder, TokenPacking
from translate.decoding.model import load_model

BART_ARCHS = ["marian", "mbart", "mbart50", "m2m100", "m2m100-original"]
"""The families :class:`PackedEncoder` runs (T5 keeps Hugging Face's encoder)."""
SOURCES = [
    "Bộ trưởng Bộ Công Thương dự Hội nghị Bộ trưởng Kinh tế ASEAN tại Hà Nội.",
    "Việt Nam và Nhật Bản ký hiệp định.",
    "Tổ chức Thương mại Thế giới họp tại Geneva vào tuần tới để bàn về thuế quan.",
]


def left_padded(enc: dict[str, torch.Tensor], pad_id: int) -> dict[str, torch.Tensor]:
    """The same batch with each source's padding moved before it."""
    ids, mask = enc["input_ids"].clone(), enc["attention_mask"].clone()
    for row in range(len(ids)):
        shift = int((mask[row] == 0).sum())
        ids[row], mask[row] = ids[row].roll(shift), mask[row].roll(shift)
        ids[row, :shift] = pad_id
    return {"input_ids": ids, "attention_mask": mask}


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("arch", BART_ARCHS)
def test_packed_encoder_gives_the_real_tokens_the_hugging_face_states(
        tiny_model_dir: Callable[[str], Path], arch: str, side: str) -> None:
    loaded = load_model(str(tiny_model_dir(arch)), precision="float32")
    enc = loaded.family.encode_sources(SOURCES)
    if side == "left":
        enc = left_padded(enc, loaded.model.config.pad_token_id)
    mask = enc["attention_mask"]
    assert (mask == 0).any(), "the batch should hold padding"
    with torch.inference_mode():
        reference = loaded.model.get_encoder()(**enc).last_hidden_state
        states, packing = PackedEncoder(loaded.model).encode(enc["input_ids"], mask)
    assert states.shape == (int(mask.sum()), reference.shape[-1])
    torch.testing.assert_close(states, reference[mask.bool()], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(packing.unpack(states)[mask.bool()], states)


def test_packing_gathers_the_tokens_in_order_and_puts_zeros_at_the_padding() -> None:
    mask = torch.tensor([[1, 1, 1], [0, 1, 1], [1, 0, 0]])
    padded = torch.arange(9.0).view(3, 3, 1) + 1
    packing = TokenPacking(mask)
    packed = packing.pack(padded)
    assert packed.flatten().tolist() == [1, 2, 3, 5, 6, 7]
    assert packing.unpack(packed).squeeze(-1).tolist() == [[1, 2, 3], [0, 5, 6], [7, 0, 0]]


def test_a_released_encoder_says_so_and_the_packed_one_still_encodes(tiny_model_dir: Callable[[str], Path]) -> None:
    loaded = load_model(str(tiny_model_dir("marian")), precision="float32")
    enc = loaded.family.encode_sources(SOURCES[:2])
    with torch.inference_mode():
        reference = loaded.model.get_encoder()(**enc).last_hidden_state
        encoder = PackedEncoder(loaded.model, release=True)
        with pytest.raises(RuntimeError, match="encoder self_attn.q_proj was released"):
            loaded.model.get_encoder()(**enc)
        states, _ = encoder.encode(enc["input_ids"], enc["attention_mask"])
    torch.testing.assert_close(states, reference[enc["attention_mask"].bool()], atol=1e-5, rtol=1e-4)
