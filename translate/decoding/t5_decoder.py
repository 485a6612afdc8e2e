"""T5's decoder (envit5, T5 v1.1 and mT5; the original T5 too) in the shape vi2en's own incremental decoder steps.

The step itself (``translate.decoding.marian_decoder``: a self-attention cache block per segment, read where it
lies through a slot table, one cross-attention key/value copy per segment, fused self-attention projections,
int8 layers restacked from their integers) is the same for every family; what T5 does differently is described
here:

* its blocks are ``layer[0]`` self-attention, ``layer[1]`` cross-attention, ``layer[2]`` feed-forward, each
  normalised before (RMS norm, ``T5LayerNorm``: no mean, no bias) and added back; its projections are
  named ``q k v o``, have no bias, and the scores are not scaled (T5 folds that into its initialisation);
* it has no position table: the first block's self-attention owns a table of relative position biases
  (bucketed, causal), one bias per head and (query, key) distance, added to every block's scores;
* the feed-forward of T5 v1.1/mT5 (envit5) is gated, ``wo(act(wi_0 x) * wi_1 x)``: here ``wi_0`` and
  ``wi_1`` are one stacked matrix product (with int8, one quantisation of the input instead of two);
  the original T5's is ``wo(act(wi x))``;
* after the final norm the output is scaled by ``d_model ** -0.5`` where the model says so
  (``config.scale_decoder_outputs``: the original T5, whose output layer is the input embeddings).

The computations are the model's own modules, so ``tests/test_marian_decoder.py`` checks the result against
the Hugging Face forward pass like the other families'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .encoders import HuggingFaceEncoder
from .marian_decoder import MarianIncrementalDecoder
from .restack import Released, stacked_linear


def _alias(name: str) -> property:
    """The T5 attention's own ``name``, read and set (releasing a projection releases the T5 model's)."""
    return property(lambda self: getattr(self.attention, name),
                    lambda self, value: setattr(self.attention, name, value))


class _Attention:
    """A ``T5Attention`` under the names the step reads (a BART attention's)."""

    q_proj = _alias("q")
    k_proj = _alias("k")
    v_proj = _alias("v")
    out_proj = _alias("o")
    scaling = _alias("scaling")  # 1.0: T5 does not scale its scores

    def __init__(self, attention: nn.Module) -> None:
        self.attention = attention


class _GatedActivation:
    """``act(gate) * linear`` over the two halves of the stacked ``wi_0``/``wi_1`` output."""

    def __init__(self, act: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.act = act

    def __call__(self, stacked: torch.Tensor) -> torch.Tensor:
        gate, linear = stacked.chunk(2, dim=-1)
        return self.act(gate) * linear


@dataclass
class _Layer:
    """One T5 decoder block under the names of a BART decoder layer, which the step reads."""

    self_attn: _Attention
    self_attn_layer_norm: nn.Module
    encoder_attn: _Attention
    encoder_attn_layer_norm: nn.Module
    final_layer_norm: nn.Module
    fc1: nn.Module
    activation_fn: Callable[[torch.Tensor], torch.Tensor]
    fc2: nn.Module


class _Scaled(nn.Module):
    """``norm(x) * factor``: the final norm followed by the original T5's output rescaling."""

    def __init__(self, norm: nn.Module, factor: float) -> None:
        super().__init__()
        self.norm, self.factor = norm, factor

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.norm(hidden) * self.factor


class _PositionBias:
    """The self-attention bias of the positions a step adds, from the first block's relative-position table.

    ``(length, new)`` -> ``[heads, new, length + new]``: the queries are the ``new`` positions after
    ``length`` cached ones, the keys every position so far; the same for every row of the batch.
    """

    def __init__(self, attention: nn.Module) -> None:
        self.attention = attention

    def __call__(self, length: int, new: int) -> torch.Tensor:
        return self.attention.compute_bias(new, length + new, past_seen_tokens=length)[0]


class T5IncrementalDecoder(MarianIncrementalDecoder):
    """A T5 model prepared for vi2en's own step (see :class:`MarianIncrementalDecoder` for the arguments).

    ``release`` also drops the separate ``wi_0``/``wi_1`` of a gated feed-forward, stacked here.
    """

    def _read_family(self, model: nn.Module, release: bool) -> None:
        config = model.config
        if config.model_type != "t5":
            raise ValueError(f"T5IncrementalDecoder drives t5 models, not {config.model_type!r}")
        decoder = model.get_decoder()
        self.layers = [self._layer(block, release) for block in decoder.block]
        self.heads = config.num_heads
        self.pre_norm = True
        scale = config.d_model**-0.5 if config.scale_decoder_outputs else None
        self.final_norm = decoder.final_layer_norm if scale is None else _Scaled(decoder.final_layer_norm, scale)
        self.embedding_norm = None
        self.embed_scale = 1.0
        self.positions = None
        self.position_bias = _PositionBias(decoder.block[0].layer[0].SelfAttention)
        self.encoder = HuggingFaceEncoder(model)

    @staticmethod
    def _layer(block: nn.Module, release: bool) -> _Layer:
        attention, crossing, feeding = block.layer
        ffn = feeding.DenseReluDense
        if hasattr(ffn, "wi_0"):  # gated (T5 v1.1, mT5, envit5)
            fc1, activation = stacked_linear([(ffn.wi_0, None), (ffn.wi_1, None)]), _GatedActivation(ffn.act)
            if release:
                ffn.wi_0, ffn.wi_1 = Released("DenseReluDense.wi_0"), Released("DenseReluDense.wi_1")
        else:
            fc1, activation = ffn.wi, ffn.act
        return _Layer(
            self_attn=_Attention(attention.SelfAttention), self_attn_layer_norm=attention.layer_norm,
            encoder_attn=_Attention(crossing.EncDecAttention), encoder_attn_layer_norm=crossing.layer_norm,
            final_layer_norm=feeding.layer_norm, fc1=fc1, activation_fn=activation, fc2=ffn.wo,
        )
