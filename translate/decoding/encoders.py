"""The encoder side of vi2en's own decoders: a batch's source states, for its real tokens only.

A batch is padded to its longest source, and the Hugging Face encoder computes every position, padding
included.  Batches are planned by length, but their sources still differ in length, and per source token the
encoder with the cross-attention's key/value projections has about 60% of the multiply-adds a decoder step has
per row (by a base-size Marian's shapes: 22 of 38 million), so the padding is a real share of a search.
Every layer of a Transformer encoder except the attention works on each position alone, so here the BART
family's encoder (Marian, mBART(-50), M2M-100/NLLB: :class:`PackedEncoder`) runs its projections and feed-forward over the real tokens packed
together (:class:`TokenPacking`), and only the attention sees the padded layout, with the padding masked
as Hugging Face masks it.  Its self-attention's query, key and value projections are one matrix product
(with int8, one quantisation of the input instead of three).  The real positions' states are the ones the
Hugging Face encoder computes, in the same operations (``tests/test_encoders.py`` compares them);
the padded ones, which nothing reads, are not computed.

T5's encoder (relative position biases, its own block layout) stays Hugging Face's
(:class:`HuggingFaceEncoder`); its states are packed the same way, so the cross-attention's projections skip
the padding for every family.
"""

from __future__ import annotations

import torch
from torch import nn

from .quantize import token_lookup
from .restack import fused_qkv


class TokenPacking:
    """Where a padded batch's real tokens are (``attention_mask`` ``[segments, positions]``, 1 for a token):
    :meth:`pack` gathers them (``[segments, positions, ...]`` -> ``[tokens, ...]``), :meth:`unpack` puts them
    back, with zeros at the padding."""

    def __init__(self, attention_mask: torch.Tensor) -> None:
        self.segments, self.positions = attention_mask.shape
        self.index = attention_mask.reshape(-1).nonzero().squeeze(1)

    def pack(self, padded: torch.Tensor) -> torch.Tensor:
        return padded.reshape(self.segments * self.positions, *padded.shape[2:]).index_select(0, self.index)

    def unpack(self, packed: torch.Tensor) -> torch.Tensor:
        out = packed.new_zeros(self.segments * self.positions, *packed.shape[1:])
        return out.index_copy_(0, self.index, packed).view(self.segments, self.positions, *packed.shape[1:])


class HuggingFaceEncoder:
    """The model's own encoder forward pass, its output packed (for T5)."""

    def __init__(self, model: nn.Module) -> None:
        self.encoder = model.get_encoder()

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, TokenPacking]:
        packing = TokenPacking(attention_mask)
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return packing.pack(states), packing


def stack_embedding(stack: nn.Module, model_type: str) -> tuple[float, torch.Tensor, nn.Module | None]:
    """How a BART-family encoder or decoder (``stack``) starts: the factor of its token rows, its position
    table from the first position, and the norm after the positions (mBART's ``layernorm_embedding``) or
    ``None``.

    Marian's sinusoidal table starts at position 0, mBART's learned one has an offset of 2, and M2M-100's
    numbers positions after its padding id; the token scale is the stack's, or its scaled table's.
    """
    scale = float(stack.embed_scale if hasattr(stack, "embed_scale") else stack.embed_tokens.embed_scale)
    table = stack.embed_positions
    if model_type == "m2m_100":
        positions = table.weights[stack.padding_idx + 1 :]
    else:
        positions = table.weight[getattr(table, "offset", 0) :]
    return scale, positions, getattr(stack, "layernorm_embedding", None)


class PackedEncoder:
    """The encoder of a BART-family model (Marian post-norm; mBART, M2M-100 normalised before each block and
    once at the end) over a batch's real tokens; see the module's docstring.

    ``release``: the separate query/key/value projections, stacked here, are dropped from ``model``.
    """

    def __init__(self, model: nn.Module, release: bool = False) -> None:
        model_type = model.config.model_type
        encoder = model.get_encoder()
        self.model_type = model_type
        self.layers = list(encoder.layers)
        self.heads = model.config.encoder_attention_heads
        self.pre_norm = model_type != "marian"
        self.final_norm = encoder.layer_norm if self.pre_norm else None
        self.padding_id = encoder.padding_idx
        self.lookup = token_lookup(encoder.embed_tokens)
        self.embed_scale, self.positions, self.embedding_norm = stack_embedding(encoder, model_type)
        self.qkv = [fused_qkv(layer.self_attn, release, "encoder self_attn") for layer in self.layers]

    def _position_ids(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Each position's row of :attr:`positions`, as the model numbers them: M2M-100 counts the tokens
        that are not its padding id (so a left-padded source starts at 0); Marian and mBART count columns."""
        if self.model_type == "m2m_100":
            return input_ids.ne(self.padding_id).long().cumsum(dim=1).sub_(1).clamp_(min=0)
        return torch.arange(input_ids.shape[1], device=input_ids.device).expand_as(input_ids)

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, TokenPacking]:
        packing = TokenPacking(attention_mask)
        ids, where = packing.pack(input_ids), packing.pack(self._position_ids(input_ids))
        hidden = self.lookup(ids) * self.embed_scale + self.positions[where]
        if self.embedding_norm is not None:
            hidden = self.embedding_norm(hidden)
        keep = attention_mask.bool()[:, None, None, :]  # [segments, 1, 1, positions]: which keys are tokens
        pre = self.pre_norm
        for layer, qkv in zip(self.layers, self.qkv):
            attended = self._attend(qkv(layer.self_attn_layer_norm(hidden) if pre else hidden), packing, keep,
                                    layer.self_attn.scaling)
            attended = layer.self_attn.out_proj(attended)
            hidden = hidden + attended if pre else layer.self_attn_layer_norm(hidden + attended)
            fed = layer.fc2(layer.activation_fn(layer.fc1(layer.final_layer_norm(hidden) if pre else hidden)))
            hidden = hidden + fed if pre else layer.final_layer_norm(hidden + fed)
            if hidden.dtype == torch.float16:  # as Hugging Face's layers keep float16 finite
                bound = torch.finfo(torch.float16).max - 1000
                hidden = hidden.clamp(min=-bound, max=bound)
        return (hidden if self.final_norm is None else self.final_norm(hidden)), packing

    def _attend(self, stacked: torch.Tensor, packing: TokenPacking, keep: torch.Tensor, scaling: float
                ) -> torch.Tensor:
        """Self-attention of the packed tokens (``stacked``: their queries, keys and values side by side)
        within their own segments, in the padded layout with the padding masked; packed again after."""
        segments, positions, heads = packing.segments, packing.positions, self.heads
        padded = packing.unpack(stacked).view(segments, positions, 3, heads, -1).permute(2, 0, 3, 1, 4)
        query, key, value = padded.unbind(0)  # each [segments, heads, positions, d/heads]
        out = nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=keep, scale=scaling)
        return packing.pack(out.transpose(1, 2).reshape(segments, positions, -1))
