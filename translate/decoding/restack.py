"""Linear layers restacked from a model's own (float32, or int8 :class:`~translate.decoding.quantize.Int8Linear`), and stand-ins for the ones they replace.

vi2en's own decoders (``translate.decoding.marian_decoder``, ``translate.decoding.t5_decoder``) fuse projections that
read the same input into one matrix product (self-attention's query/key/value, T5's gated ``wi_0``/``wi_1``) and cut
the output layer to the target side's rows.  A model that only those decoders drive can then drop the originals:
:class:`Released` takes their place, so that running the Hugging Face forward pass says why it cannot.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .quantize import Int8Linear


class Released(nn.Module):
    """Stands in for a Hugging Face module that vi2en's own decoder replaced by its own copy."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def forward(self, *args: object, **kwargs: object) -> torch.Tensor:
        raise RuntimeError(f"{self.name} was released: this model is driven by vi2en's own decoder, which "
                           "keeps its own copy; load the model again to run its Hugging Face forward pass")


def stacked_linear(parts: Sequence[tuple[nn.Module, torch.Tensor | None]], extra_bias: torch.Tensor | None = None
                   ) -> nn.Module:
    """One linear layer whose outputs are the chosen output rows (``None``: all) of each part, side by side.

    Used to cut the output layer to the target side's rows, and to fuse self-attention's query, key and
    value projections into one matrix product (with int8, one quantisation of the input instead of three).
    int8 parts keep their integers and row scales, so the results are those of the separate layers.
    """
    if all(isinstance(layer, nn.Linear) for layer, _ in parts):
        int8 = False
    elif all(isinstance(layer, Int8Linear) for layer, _ in parts):
        int8 = True
    else:
        raise TypeError(f"cannot restack layers {[type(layer).__name__ for layer, _ in parts]}")
    weights, scales, biases = [], [], []
    for layer, rows in parts:
        weight, scale = layer.rows() if int8 else (layer.weight, None)
        keep = rows if rows is not None else torch.arange(weight.shape[0], device=weight.device)
        weights.append(weight.index_select(0, keep))
        if scale is not None:
            scales.append(scale.index_select(0, keep))
        bias = layer.bias
        biases.append(bias.index_select(0, keep) if bias is not None else torch.zeros(len(keep), device=weight.device))
    weight, bias = torch.cat(weights), torch.cat(biases)
    if extra_bias is not None:
        bias = bias + extra_bias
    if int8:
        return Int8Linear(weight, torch.cat(scales), bias, parts[0][0].engine)
    out = nn.Linear(weight.shape[1], weight.shape[0], device=weight.device, dtype=weight.dtype)
    with torch.no_grad():
        out.weight.copy_(weight)
        out.bias.copy_(bias)
    return out


def fused_qkv(attention: object, release: bool, owner: str) -> nn.Module:
    """The query, key and value projections of ``attention`` (``q_proj``, ``k_proj``, ``v_proj``) as one product
    (:func:`stacked_linear`); ``release``: the three are dropped from it, :class:`Released` named ``owner.name``."""
    names = ("q_proj", "k_proj", "v_proj")
    fused = stacked_linear([(getattr(attention, name), None) for name in names])
    if release:
        for name in names:
            setattr(attention, name, Released(f"{owner}.{name}"))
    return fused
