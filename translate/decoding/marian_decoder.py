"""Marian's decoder step written out for incremental beam search: the fast path of opus-mt models, of
their pre-norm relatives mBART(-50) and M2M-100/NLLB (same layers, normalised before each block), and of
T5 (its blocks presented in the same terms by ``translate.decoding.t5_decoder``).

The generic stepper (``translate.decoding.stepper.ModelStepper``) calls the Hugging Face model once per step.  On a
2-core CPU most of that step is spent on things a beam search does not need, measured with the torch
profiler on the base-size model (48 segments x 4 beams):

* the SDPA kernel for a single query position costs ~5 ms a call; a plain batched matmul does the same
  work in a fraction of that;
* every beam keeps its own copy of the cross-attention keys/values, so each step reads the encoder
  states four times over; here the beams of a segment are the query rows of one attention over a single
  copy per segment;
* the output layer and the softmax cover the whole joint vocabulary (53,739 rows for opus-mt-vi-en),
  although the target side can only produce the pieces of its own SentencePiece model (32,000); here
  both run over those rows only (see :func:`translate.decoding.families.Family.output_token_ids`).

The layer weights are the model's own modules (float32 or torch dynamic int8), so this is the same
network computed in a different order; ``tests/test_marian_decoder.py`` checks the log-probabilities
against the Hugging Face forward pass.
"""

from __future__ import annotations

import torch
from torch import nn

from .quantize import token_lookup
from .restack import Released, stacked_linear


STEPPED_MODEL_TYPES = ("marian", "mbart", "m2m_100")
"""Model types this decoder steps: Marian, and the pre-norm BART relatives mBART(-50) and M2M-100/NLLB."""


class MarianIncrementalDecoder:
    """A Marian model prepared for stepping: its decoder layers, and input/output tables cut to ``output_ids``.

    Built once per model (the kept output rows are copied); :meth:`start` begins one batch.  ``output_ids``
    are the model ids the search may produce or feed back (the decoder start included), in the order of
    the search's own ids; ``None`` keeps the whole vocabulary.  The input side reads the model's own
    embedding table (which the encoder needs anyway) through ``output_ids``, without a copy.

    ``release``: the Hugging Face parts this decoder has its own copy of (the full output layer, the
    separate self-attention projections) are dropped from ``model``, which can then no longer run its
    own forward pass: for a model only this decoder drives (``translate.decoding.decoder``).
    """

    def __init__(self, model: nn.Module, output_ids: torch.Tensor | None = None, *, release: bool = False) -> None:
        self.model = model
        decoder = model.get_decoder()
        self._read_family(model, release)
        table = decoder.embed_tokens  # an nn.Embedding, or with int8 weights an Int8Embedding (no .weight)
        bias = getattr(model, "final_logits_bias", None)
        #: ids -> unscaled input rows of the decoder.
        self.lookup = token_lookup(table)
        if output_ids is None:  # the whole vocabulary: the model's own output layer, nothing copied
            self.head, self.head_bias = model.lm_head, (bias[0] if bias is not None else None)
            self.input_rows = None
        else:
            rows = output_ids.to(next(decoder.parameters()).device)  # its layer norms are float everywhere
            # final_logits_bias is folded into the cut output layer's bias: one pass over the output fewer.
            self.head = stacked_linear([(model.lm_head, rows)],
                                       extra_bias=bias[0].index_select(0, rows) if bias is not None else None)
            self.head_bias = None
            tied = isinstance(self.head, nn.Linear) and model.lm_head.weight is getattr(table, "weight", None)
            # The decoder's input ids are search ids: the tied head's rows are their embeddings; otherwise they
            # index the model's table through ``input_rows``.
            if tied:
                self.lookup = token_lookup(self.head)
            self.input_rows = None if tied else rows
        self.self_qkv = [
            stacked_linear([(layer.self_attn.q_proj, None), (layer.self_attn.k_proj, None),
                            (layer.self_attn.v_proj, None)])
            for layer in self.layers
        ]
        self.attention_dim = self.self_qkv[0].out_features // 3  # the cache's width
        if release:
            if output_ids is not None:
                model.lm_head = Released("lm_head")
            for layer in self.layers:
                for name in ("q_proj", "k_proj", "v_proj"):
                    setattr(layer.self_attn, name, Released(f"self_attn.{name}"))

    def _read_family(self, model: nn.Module, release: bool) -> None:
        """The family's side of the step: ``layers`` (with a BART decoder layer's parts: ``self_attn``,
        ``encoder_attn``, ``fc1``...), ``heads``, ``pre_norm``, ``final_norm``, ``embedding_norm``,
        ``embed_scale``, ``positions`` (a table from the first decoder position, or ``None``) and
        ``position_bias`` (``None``, or the self-attention bias of each step, see ``t5_decoder``).

        Here the BART relatives; ``release``: parts copied here are dropped from ``model`` (none are).
        """
        model_type = model.config.model_type
        if model_type not in STEPPED_MODEL_TYPES:
            raise ValueError(f"MarianIncrementalDecoder drives {', '.join(STEPPED_MODEL_TYPES)} models, not {model_type!r}")
        decoder = model.get_decoder()
        self.layers = list(decoder.layers)
        self.heads = model.config.decoder_attention_heads
        # Marian normalises after each block; mBART and M2M-100 (NLLB) before it, and once more at the end.
        self.pre_norm = model_type != "marian"
        self.final_norm = decoder.layer_norm if self.pre_norm else None
        self.embedding_norm = getattr(decoder, "layernorm_embedding", None)  # mBART's, after the positions
        self.embed_scale = float(decoder.embed_scale if hasattr(decoder, "embed_scale") else decoder.embed_tokens.embed_scale)
        # Position tables, from the decoder's first position: M2M-100 numbers positions after its padding id,
        # mBART's learned table has an offset of 2, Marian's starts at 0.
        positions = decoder.embed_positions
        if model_type == "m2m_100":
            self.positions = positions.weights[decoder.padding_idx + 1 :]
        else:
            self.positions = positions.weight[getattr(positions, "offset", 0) :]
        self.position_bias = None

    def start(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, beams: int,
              capacity: int = 0) -> "MarianStepper":
        """The decoder state of one batch; ``capacity``: the positions it will need, if known (sizes the cache)."""
        return MarianStepper(self, input_ids, attention_mask, beams, capacity)


class MarianStepper:
    """Decoder state of one batch: per-segment cross-attention keys/values, per-row self-attention cache.

    Rows are ``beams`` consecutive rows per segment, as the beam search keeps them.  The self-attention
    cache (``[2 * layers, capacity, slots, d]``) is written once per position and never reordered: a table
    (``[capacity, rows]``) says which slot holds each live row's key and value at each position, the
    reorder after a step permutes that table only, and each layer gathers its keys and values through it
    into the contiguous operand its attention needs.  A reordered cache needs a second buffer of its size
    to copy into; this one needs a single layer's worth.
    """

    def __init__(self, prepared: MarianIncrementalDecoder, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                 beams: int, capacity: int = 0) -> None:
        self.p = prepared
        self.beams = beams
        self.capacity = capacity
        encoded = prepared.model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        segments, source_len, _ = encoded.shape
        # The activations' dtype and device (float32 for int8 layers): masks and caches follow them.
        self.like = {"dtype": encoded.dtype, "device": encoded.device}
        self.neg_large = torch.finfo(encoded.dtype).min
        # Additive mask over source positions, one per segment: [segments, 1, 1, source].
        self.source_mask = torch.zeros(segments, 1, 1, source_len, **self.like).masked_fill_(
            ~attention_mask.bool()[:, None, None, :], self.neg_large
        )
        # Keys stored transposed and both contiguous: the batched matmuls then read them in place every step
        # (a transposed view would be copied by each call).
        self.cross = [
            (self._heads(layer.encoder_attn.k_proj(encoded)).transpose(-1, -2).contiguous(),
             self._heads(layer.encoder_attn.v_proj(encoded)).contiguous())
            for layer in prepared.layers
        ]
        # Self-attention keys and values of every layer: [2 * layers, capacity, slots, d] (layer i's keys at
        # 2i, values at 2i + 1), and for each position the slot of every live row: [capacity, rows].
        self.cache: torch.Tensor | None = None
        self.slots: torch.Tensor | None = None
        self.length = 0

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """``[batch, time, d]`` -> ``[batch, heads, time, d/heads]``."""
        batch, time, dim = x.shape
        return x.view(batch, time, self.p.heads, dim // self.p.heads).transpose(1, 2)

    def step(self, decoder_input_ids: torch.Tensor) -> torch.Tensor:
        """Log-probabilities (``[rows, output size]``) of the token after ``decoder_input_ids``.

        Takes the whole forced prefix on the first call and the newest token of each row afterwards.
        """
        p = self.p
        rows, new = decoder_input_ids.shape
        ids = decoder_input_ids if p.input_rows is None else p.input_rows[decoder_input_ids]
        hidden = p.lookup(ids) * p.embed_scale
        if p.positions is not None:
            hidden = hidden + p.positions[self.length : self.length + new]
        if p.embedding_norm is not None:
            hidden = p.embedding_norm(hidden)
        mask = None  # added to every self-attention's scores: causal over the new positions, T5's position bias
        if new > 1:
            mask = torch.full((new, self.length + new), self.neg_large, **self.like).triu_(self.length + 1)
        if p.position_bias is not None:
            bias = p.position_bias(self.length, new, rows)
            mask = bias if mask is None else bias + mask
        dim = p.attention_dim
        self._reserve(rows, dim, new)
        end = self.length + new
        device = decoder_input_ids.device
        self.slots[self.length : end, :rows] = torch.arange(rows, device=device)  # new positions: row r in slot r
        capacity, slots = self.cache.shape[1], self.cache.shape[2]
        # Flat indices into one layer's [2, capacity, slots] keys and values: every live row, every position.
        where = (torch.arange(end, device=device)[:, None] * slots + self.slots[:end, :rows]).reshape(-1)
        where = torch.cat([where, where + capacity * slots])
        pre = p.pre_norm
        for index, layer in enumerate(p.layers):
            query, key, value = p.self_qkv[index](layer.self_attn_layer_norm(hidden) if pre else hidden).chunk(3, dim=-1)
            self.cache[2 * index, self.length : end, :rows] = key.transpose(0, 1)
            self.cache[2 * index + 1, self.length : end, :rows] = value.transpose(0, 1)
            layer_cache = self.cache[2 * index : 2 * index + 2].view(-1, dim)
            keys, values = layer_cache.index_select(0, where).view(2, end, rows, dim)
            attended = layer.self_attn.out_proj(self._self_attend(query, keys, values, mask, layer.self_attn.scaling))
            hidden = hidden + attended if pre else layer.self_attn_layer_norm(hidden + attended)
            crossed = self._cross_attend(layer.encoder_attn, layer.encoder_attn_layer_norm(hidden) if pre else hidden, index)
            hidden = hidden + crossed if pre else layer.encoder_attn_layer_norm(hidden + crossed)
            fed = layer.fc2(layer.activation_fn(layer.fc1(layer.final_layer_norm(hidden) if pre else hidden)))
            hidden = hidden + fed if pre else layer.final_layer_norm(hidden + fed)
        self.length = end
        last = hidden[:, -1, :]
        logits = p.head(last if p.final_norm is None else p.final_norm(last))
        if p.head_bias is not None:
            logits = logits + p.head_bias
        return torch.log_softmax(logits.float(), dim=-1)

    def _reserve(self, rows: int, dim: int, new: int) -> None:
        """Make room for ``new`` more positions: the batch's known need at once, else doubling (growth is rare).

        The cache is the largest buffer of a batch, so it is sized to the search's budget when it is given
        rather than rounded up.  Its slots are the first call's rows; later calls have as many or fewer.
        """
        if self.cache is not None and self.length + new <= self.cache.shape[1]:
            return
        size = self.capacity if self.cache is None and self.capacity >= new else max(64, 2 * (self.length + new))
        slots = rows if self.cache is None else self.cache.shape[2]
        grown = torch.empty(2 * len(self.p.layers), size, slots, dim, **self.like)
        table = torch.empty(size, slots, dtype=torch.long, device=self.like["device"])
        if self.cache is not None:
            grown[:, : self.length] = self.cache[:, : self.length]
            table[: self.length] = self.slots[: self.length]
        self.cache, self.slots = grown, table

    def _self_attend(self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor | None,
                     scaling: float) -> torch.Tensor:
        """Self-attention of ``query`` (``[rows, new, d]``) over ``keys``/``values`` (``[end, rows, d]``)."""
        rows, new, dim = query.shape
        heads, end = self.p.heads, keys.shape[0]
        flat = rows * heads
        query = query.reshape(rows, new, heads, dim // heads).transpose(1, 2).reshape(flat, new, dim // heads)
        key_t = keys.view(end, flat, dim // heads).permute(1, 2, 0)  # [rows*heads, dh, end]
        value = values.view(end, flat, dim // heads).transpose(0, 1)  # [rows*heads, end, dh]
        out = self._attend(query, key_t, value, mask, scaling)
        return out.view(rows, heads, new, dim // heads).transpose(1, 2).reshape(rows, new, dim)

    @staticmethod
    def _attend(query: torch.Tensor, key_t: torch.Tensor, value: torch.Tensor, mask: torch.Tensor | None,
                scaling: float) -> torch.Tensor:
        """softmax(q k^T * scaling + mask) v over any batch dimensions; ``key_t`` is keys transposed."""
        scores = torch.matmul(query, key_t) * scaling
        if mask is not None:
            scores = scores + mask
        return torch.matmul(torch.softmax(scores, dim=-1), value)

    def _cross_attend(self, attn: nn.Module, hidden: torch.Tensor, index: int) -> torch.Tensor:
        """Cross-attention with the ``beams`` rows of a segment as query positions over its one key/value copy."""
        rows, new, _ = hidden.shape
        segments, heads = rows // self.beams, self.p.heads
        query = attn.q_proj(hidden)
        dim = query.shape[-1]  # the attention's width (T5's heads x d_kv may differ from d_model)
        query = query.view(segments, self.beams * new, heads, dim // heads).transpose(1, 2)
        key_t, value = self.cross[index]
        out = self._attend(query, key_t, value, self.source_mask, attn.scaling)  # [segments, heads, beams*new, dh]
        return attn.out_proj(out.transpose(1, 2).reshape(rows, new, dim))

    def select(self, rows: torch.Tensor, segments_changed: bool) -> None:
        """Keep ``rows`` (in this order); when segments leave, their cross-attention states go too.

        Only the slot table is reordered (a few integers per position); the cached keys and values stay.
        """
        if self.slots is not None:
            self.slots[: self.length, : len(rows)] = self.slots[: self.length].index_select(1, rows)
        if segments_changed:
            kept = rows.view(-1, self.beams)[:, 0] // self.beams
            self.cross = [(key.index_select(0, kept), value.index_select(0, kept)) for key, value in self.cross]
            self.source_mask = self.source_mask.index_select(0, kept)
