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


def test_two_builds_are_the_same_model(tmp_path: Path) -> None:
    """The tests' models are reproducible: every file of two builds of one arch is byte for byte the same
    (sentencepiece's own sampling of the training lines drew other lines each time, so each session's tests
    ran on another vocabulary)."""
    first, second = make_tiny_model(tmp_path / "first", "t5"), make_tiny_model(tmp_path / "second", "t5")
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir()) and "spiece.model" in names
    assert [(first / name).read_bytes() for name in names] == [(second / name).read_bytes() for name in names]
