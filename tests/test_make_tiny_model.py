"""The random models the benchmarks compare engines on have the shapes they are named after."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from transformers import AutoConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from make_tiny_model import NLLB_TOKENIZER_ADDS, SIZES, make_tiny_model, size_for  # noqa: E402


def test_base_size_is_the_arch_s_own() -> None:
    """``--arch nllb --size base`` is NLLB-200-distilled-600M's shape; the other archs' base is opus-mt-vi-en's."""
    assert size_for("nllb", "base") is SIZES["nllb-600m"]
    assert size_for("m2m100", "base") is SIZES["base"]
    assert size_for("nllb", "tiny") is SIZES["tiny"]


def test_nllb_output_rows_are_the_padded_pieces_and_the_tokenizer_s_additions(tmp_path: Path) -> None:
    """What the NLLB-600M size relies on to land on that model's output rows, checked on a small build."""
    pieces = 3000
    model = make_tiny_model(tmp_path, "nllb", replace(SIZES["tiny"], vocab=pieces))
    assert AutoConfig.from_pretrained(model).vocab_size == pieces + NLLB_TOKENIZER_ADDS
