"""The fused activations: the same function as the Python-written ones they replace, and used by the product."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
from transformers import AutoModelForSeq2SeqLM
from transformers.activations import GELUActivation, NewGELUActivation

from translate.decoding.activations import FUSED, fuse_activations
from translate.decoding.model import load_model


def _logits(model: torch.nn.Module) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    source = torch.randint(3, 200, (3, 11), generator=generator)
    target = torch.randint(3, 200, (3, 7), generator=generator)
    with torch.no_grad():
        return model(input_ids=source, decoder_input_ids=target).logits


def _count(model: torch.nn.Module, kind: type[torch.nn.Module]) -> int:
    return sum(type(module) is kind for module in model.modules())


def test_fused_gelu_computes_the_same_function() -> None:
    x = torch.linspace(-12, 12, 20001)
    fused = FUSED[NewGELUActivation]()
    torch.testing.assert_close(fused(x), NewGELUActivation()(x), rtol=0, atol=1e-6)
    # The tolerance tells the tanh approximation from the exact GELU, which a wrong mapping would use:
    assert (GELUActivation()(x) - NewGELUActivation()(x)).abs().max() > 1e-4


def test_t5_forward_pass_unchanged_by_the_swap(tiny_model_dir: Callable[[str], Path]) -> None:
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir("t5")).eval()
    python_written = _count(model, NewGELUActivation)
    before = _logits(model)
    assert python_written == 2 * model.config.num_layers  # one per feed-forward, encoder and decoder (gated-gelu)
    assert fuse_activations(model) == python_written
    assert _count(model, NewGELUActivation) == 0
    assert _count(model, FUSED[NewGELUActivation]) == python_written
    # Logits of up to ~55 here: float32 rounding differs by ~1e-5; the exact GELU would move them by ~5e-3.
    torch.testing.assert_close(_logits(model), before, rtol=0, atol=1e-4)


def test_the_loaded_model_runs_the_fused_kernels(tiny_model_dir: Callable[[str], Path]) -> None:
    for precision in ("float32", "int8"):
        model = load_model(str(tiny_model_dir("t5")), precision=precision).model
        assert _count(model, NewGELUActivation) == 0
        assert _count(model, FUSED[NewGELUActivation]) == 2 * model.config.num_layers
