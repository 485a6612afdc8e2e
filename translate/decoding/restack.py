"""Linear layers restacked from a model's own (float32 or torch dynamic int8), and stand-ins for the ones they replace.

vi2en's own decoders (``translate.decoding.marian_decoder``, ``translate.decoding.t5_decoder``) fuse projections that
read the same input into one matrix product (self-attention's query/key/value, T5's gated ``wi_0``/``wi_1``) and cut
the output layer to the target side's rows.  A model that only those decoders drive can then drop the originals:
:class:`Released` takes their place, so that running the Hugging Face forward pass says why it cannot.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .quantize import int8_packing


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
    int8 parts are re-quantised per output row with each row's own scale, so the rows keep their integers
    and the results are those of the separate layers.
    """
    float_parts = all(isinstance(layer, nn.Linear) for layer, _ in parts)
    if not float_parts:
        from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

        if not all(isinstance(layer, DynamicLinear) and layer.weight().qscheme() == torch.per_tensor_affine
                   for layer, _ in parts):
            raise TypeError(f"cannot restack layers {[type(layer).__name__ for layer, _ in parts]}")
    weights, biases, scales, zero_points = [], [], [], []
    for layer, rows in parts:
        packed = None if float_parts else layer.weight()  # int8: unpacked once per layer
        weight = layer.weight if packed is None else packed.int_repr()  # int8: the integers, never floats
        bias = layer.bias if float_parts else layer.bias()
        keep = rows if rows is not None else torch.arange(weight.shape[0], device=weight.device)
        weights.append(weight.index_select(0, keep))
        biases.append(bias.index_select(0, keep) if bias is not None else torch.zeros(len(keep), device=weight.device))
        if packed is not None:
            scales.append(torch.full((len(keep),), packed.q_scale(), dtype=torch.double))
            zero_points.append(torch.full((len(keep),), packed.q_zero_point(), dtype=torch.long))
    weight, bias = torch.cat(weights), torch.cat(biases)
    if extra_bias is not None:
        bias = bias + extra_bias
    if float_parts:
        out = nn.Linear(weight.shape[1], weight.shape[0], device=weight.device, dtype=weight.dtype)
        with torch.no_grad():
            out.weight.copy_(weight)
            out.bias.copy_(bias)
        return out
    # The same integers, each row with its own part's scale (torch has no public constructor for this).
    quantised = torch._make_per_channel_quantized_tensor(weight, torch.cat(scales), torch.cat(zero_points), 0)
    with int8_packing():  # the model's own int8 layers' kernels (translate.decoding.quantize)
        out = DynamicLinear(weight.shape[1], weight.shape[0], dtype=torch.qint8)
        out.set_weight_bias(quantised, bias)
    return out
