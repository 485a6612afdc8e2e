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

The layer weights are the model's own modules (float32, or int8 ``Int8Linear``), so this is the same
network computed in a different order; ``tests/test_marian_decoder.py`` checks the log-probabilities
against the Hugging Face forward pass.
"""

from __future__ import annotations

import torch
from torch import nn

from .encoders import PackedEncoder, stack_embedding
from .quantize import token_lookup
from .restack import Released, fused_qkv, stacked_linear


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
        table = decoder.embed_tokens  # an nn.Embedding, or with int8 weights a RowTable (no .weight)
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
        self.self_qkv = [fused_qkv(layer.self_attn, release, "self_attn") for layer in self.layers]
        self.attention_dim = self.self_qkv[0].out_features // 3  # the cache's width
        if release and output_ids is not None:
            model.lm_head = Released("lm_head")

    def _read_family(self, model: nn.Module, release: bool) -> None:
        """The family's side of the step: ``layers`` (with a BART decoder layer's parts: ``self_attn``,
        ``encoder_attn``, ``fc1``...), ``heads``, ``pre_norm``, ``final_norm``, ``embedding_norm``,
        ``embed_scale``, ``positions`` (a table from the first decoder position, or ``None``),
        ``position_bias`` (``None``, or the self-attention bias of each step, see ``t5_decoder``) and
        ``encoder`` (``translate.decoding.encoders``).

        Here the BART relatives; ``release``: parts copied here are dropped from ``model`` (the encoder's
        self-attention projections).
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
        self.embed_scale, self.positions, self.embedding_norm = stack_embedding(decoder, model_type)
        self.position_bias = None
        self.encoder = PackedEncoder(model, release)

    def start(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, beams: int,
              capacity: int = 0) -> "MarianStepper":
        """The decoder state of one batch; ``capacity``: the positions it will need, if known (sizes the cache)."""
        return MarianStepper(self, input_ids, attention_mask, beams, capacity)


class MarianStepper:
    """Decoder state of one batch: per-segment cross-attention keys/values and self-attention cache.

    Rows are ``beams`` consecutive rows per segment, as the beam search keeps them, and the rows kept after
    a step descend from rows of their own segment.  The self-attention cache holds, per layer, segment and
    head, the keys and values of the segment's ``beams`` slots at every position as one block; it is written
    once per position and never reordered: a table (``[capacity, rows]``) says which of its segment's slots
    holds each live row's key and value at each position, and the reorder after a step permutes that table
    only.  Each segment's self-attention reads its block where it lies: the ``beams`` query rows against all
    ``beams`` slots of every position in one matrix product, the slots that are not the row's own history
    masked out through the table.  That is ``beams`` times the score arithmetic of attending to each row's
    history alone (small beside the layers), for not copying every row's history, every layer, every step
    into a contiguous operand (~10% of a base-size int8 run).  A cache reordered instead would need a
    second buffer of its size to copy into; this one needs none.

    The live segments' blocks are the first ones, so that one matmul covers them: when segments leave, the
    blocks of segments beyond the new count move into the places left free (one block copy per segment
    left, not a shift of all that follow).  The step therefore computes its rows in the order of their
    blocks, ``places`` (the block row of each of the search's rows), and hands the search its own order back.
    The first step, where every beam of a segment is the decoder prefix, computes one row per segment
    (:meth:`_distinct_rows`).
    """

    def __init__(self, prepared: MarianIncrementalDecoder, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                 beams: int, capacity: int = 0) -> None:
        self.p = prepared
        self.beams = beams
        self.capacity = capacity
        # The real source tokens' states (the padding is not computed, see translate.decoding.encoders).
        encoded, packing = prepared.encoder.encode(input_ids, attention_mask)
        segments, source_len = attention_mask.shape
        # The activations' dtype and device (float32 for int8 layers): masks and caches follow them.
        self.like = {"dtype": encoded.dtype, "device": encoded.device}
        self.neg_large = torch.finfo(encoded.dtype).min
        # Additive mask over source positions, one per segment: [segments, 1, 1, source].
        self.source_mask = torch.zeros(segments, 1, 1, source_len, **self.like).masked_fill_(
            ~attention_mask.bool()[:, None, None, :], self.neg_large
        )
        # Keys stored transposed and both contiguous: the batched matmuls then read them in place every step
        # (a transposed view would be copied by each call).
        # The projections run over the real tokens; the padding's keys and values are zeros, masked.
        self.cross = [
            (self._heads(packing.unpack(layer.encoder_attn.k_proj(encoded))).transpose(-1, -2).contiguous(),
             self._heads(packing.unpack(layer.encoder_attn.v_proj(encoded))).contiguous())
            for layer in prepared.layers
        ]
        # Self-attention keys and values of every layer: [2, layers, segments, heads, capacity * beams * d/heads]
        # (see _split), and for each position the slot (0 .. beams - 1) of every live row: [capacity, rows].
        self.cache: torch.Tensor | None = None
        self.slots: torch.Tensor | None = None
        self.length = 0
        # The block of each live segment (in the search's order), and the block row of each of its rows.
        self.blocks = torch.arange(segments, device=encoded.device)
        self.places = torch.arange(segments * beams, device=encoded.device)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """``[batch, time, d]`` -> ``[batch, heads, time, d/heads]``."""
        batch, time, dim = x.shape
        return x.view(batch, time, self.p.heads, dim // self.p.heads).transpose(1, 2)

    def _split(self, cache: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Views of ``cache``: keys ``[layers, segments, heads, d/heads, capacity, beams]`` (transposed, so that a
        segment's scores read them as they lie) and values ``[layers, segments, heads, capacity, beams, d/heads]``.
        """
        _, layers, segments, heads, width = cache.shape
        size = self.p.attention_dim // heads
        capacity = width // (self.beams * size)
        return (cache[0].view(layers, segments, heads, size, capacity, self.beams),
                cache[1].view(layers, segments, heads, capacity, self.beams, size))

    def step(self, decoder_input_ids: torch.Tensor) -> torch.Tensor:
        """Log-probabilities (``[rows, output size]``) of the token after ``decoder_input_ids``.

        Takes the whole forced prefix on the first call and the newest token of each row afterwards.
        """
        p = self.p
        rows, new = decoder_input_ids.shape
        ids = torch.empty_like(decoder_input_ids).index_copy_(0, self.places, decoder_input_ids)  # in block order
        per_segment = self._distinct_rows(ids)
        if per_segment < self.beams:  # one row per segment, its keys and values stored in every slot
            ids = ids[:: self.beams]
        ids = ids if p.input_rows is None else p.input_rows[ids]
        hidden = p.lookup(ids) * p.embed_scale
        if p.positions is not None:
            hidden = hidden + p.positions[self.length : self.length + new]
        if p.embedding_norm is not None:
            hidden = p.embedding_norm(hidden)
        self._reserve(rows, new)
        end = self.length + new
        self.slots[self.length : end, :rows] = torch.arange(rows, device=decoder_input_ids.device) % self.beams
        mask = self._self_mask(rows, new, per_segment)
        keys, values = self._split(self.cache)
        segments, heads, size = rows // self.beams, p.heads, p.attention_dim // p.heads
        pre = p.pre_norm
        for index, layer in enumerate(p.layers):
            query, key, value = p.self_qkv[index](layer.self_attn_layer_norm(hidden) if pre else hidden).chunk(3, dim=-1)
            # [rows, new, d] as [segments, per_segment, new, heads, d/heads], into each segment's block (a segment's
            # one row fills every slot).
            key, value = (x.reshape(segments, per_segment, new, heads, size) for x in (key, value))
            keys[index, :segments, :, :, self.length : end] = key.permute(0, 3, 4, 2, 1)
            values[index, :segments, :, self.length : end] = value.permute(0, 3, 2, 1, 4)
            attended = self._self_attend(query, keys[index, :segments, :, :, :end], values[index, :segments, :, :end],
                                         mask, layer.self_attn.scaling, per_segment)
            attended = layer.self_attn.out_proj(attended)
            hidden = hidden + attended if pre else layer.self_attn_layer_norm(hidden + attended)
            crossed = self._cross_attend(layer.encoder_attn, layer.encoder_attn_layer_norm(hidden) if pre else hidden, index,
                                         per_segment)
            hidden = hidden + crossed if pre else layer.encoder_attn_layer_norm(hidden + crossed)
            fed = layer.fc2(layer.activation_fn(layer.fc1(layer.final_layer_norm(hidden) if pre else hidden)))
            hidden = hidden + fed if pre else layer.final_layer_norm(hidden + fed)
        self.length = end
        last = hidden[:, -1, :]
        if per_segment == self.beams:
            last = last.index_select(0, self.places)  # the search's order
        logits = p.head(last if p.final_norm is None else p.final_norm(last)).float()  # a new tensor: ours to change
        if p.head_bias is not None:
            logits.add_(p.head_bias)
        # In place: ``[rows, output size]`` is the step's largest tensor (64 MB a thread on NLLB's 256,206
        # rows), and the kernel reads each row whole before writing it.
        scores = torch.log_softmax(logits, dim=-1, out=logits)
        # One row per segment: each of the search's rows gets a copy of its segment's (the search masks rows in
        # place).  For that moment the segments' scores are held beside the rows': a ``beams``-th more.
        return scores if per_segment == self.beams else scores.index_select(0, self.places // self.beams)

    def _distinct_rows(self, ids: torch.Tensor) -> int:
        """How many rows per segment the step computes: one on a first call whose rows of each segment are
        the same (the search starts every beam from the decoder prefix), else ``beams``.

        Rows with the same ids and no history compute the same numbers, so the first step computes one per
        segment and hands it to each: a ``beams``-th of that step's work (its output layer included) for the
        same result, to rounding (a product over one row may sum in another order than over ``beams``); the keys
        and values of the prefix go into every slot, so later steps find each row's history where they look
        for it.  Duplicated rows do not change a tensor's range, so int8's dynamic quantisation takes the
        same scales from the one row as from all ``beams``.
        """
        if self.length or self.beams == 1:
            return self.beams
        grouped = ids.view(-1, self.beams, ids.shape[1])
        return 1 if bool((grouped == grouped[:, :1]).all()) else self.beams

    def _reserve(self, rows: int, new: int) -> None:
        """Make room for ``new`` more positions: the batch's known need at once, else doubling (growth is rare).

        The cache is the largest buffer of a batch, so it is sized to the search's budget when it is given
        rather than rounded up.  Its segments are the first call's; later calls have as many or fewer.
        """
        if self.slots is not None and self.length + new <= self.slots.shape[0]:
            return
        size = self.capacity if self.cache is None and self.capacity >= new else max(64, 2 * (self.length + new))
        p = self.p
        segments = rows // self.beams if self.cache is None else self.cache.shape[2]
        grown = torch.empty(2, len(p.layers), segments, p.heads, size * self.beams * (p.attention_dim // p.heads),
                            **self.like)
        table = torch.empty(size, segments * self.beams, dtype=torch.long, device=self.like["device"])
        if self.cache is not None:
            (keys, values), (grown_keys, grown_values) = self._split(self.cache), self._split(grown)
            grown_keys[..., : self.length, :] = keys[..., : self.length, :]
            grown_values[:, :, :, : self.length] = values[:, :, :, : self.length]
            table[: self.length] = self.slots[: self.length]
        self.cache, self.slots = grown, table

    def _self_mask(self, rows: int, new: int, per_segment: int) -> torch.Tensor:
        """What every layer adds to its self-attention scores, ``[segments, heads or 1, per_segment * new,
        end * beams]`` (query row and new position by cached position and slot) for the first ``per_segment``
        rows of each segment: 0 where the slot holds the row's own history (over the new positions: causally),
        a large negative elsewhere; T5's position bias on top.
        """
        beams, end = self.beams, self.length + new
        device = self.like["device"]
        segments = rows // beams
        # [segments, per_segment, new, end, slot]: does the slot hold this row's key at this position?
        own = (self.slots[:end, :rows].T.reshape(segments, beams, 1, end, 1)[:, :per_segment]
               == torch.arange(beams, device=device))
        if new > 1:
            seen = torch.arange(end, device=device) <= self.length + torch.arange(new, device=device)[:, None]
            own = own & seen[:, :, None]
        mask = torch.zeros(own.shape, **self.like).masked_fill_(~own, self.neg_large)
        if self.p.position_bias is None:
            return mask.view(segments, 1, per_segment * new, end * beams)
        bias = self.p.position_bias(self.length, new)  # [heads, new, end]
        mask = mask[:, None] + bias[None, :, None, :, :, None]
        return mask.reshape(segments, -1, per_segment * new, end * beams)

    def _self_attend(self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor,
                     scaling: float, per_segment: int) -> torch.Tensor:
        """Self-attention of ``query`` (``[rows, new, d]``, ``per_segment`` rows per segment) over its segments' cached
        slots: ``keys`` ``[segments, heads, d/heads, end, beams]``, ``values`` ``[segments, heads, end, beams, d/heads]``."""
        rows, new, dim = query.shape
        segments, heads, size, end, beams = keys.shape
        query = query.reshape(segments, per_segment, new, heads, size).permute(0, 3, 1, 2, 4).reshape(
            segments, heads, per_segment * new, size)
        # Views of the blocks (positions and slots are adjacent): the matmuls read the cache in place.
        key_t = keys.reshape(segments, heads, size, end * beams)
        value = values.reshape(segments, heads, end * beams, size)
        out = self._attend(query, key_t, value, mask, scaling)  # [segments, heads, per_segment * new, d/heads]
        return out.view(segments, heads, per_segment, new, size).permute(0, 2, 3, 1, 4).reshape(rows, new, dim)

    @staticmethod
    def _attend(query: torch.Tensor, key_t: torch.Tensor, value: torch.Tensor, mask: torch.Tensor,
                scaling: float) -> torch.Tensor:
        """softmax(q k^T * scaling + mask) v over any batch dimensions; ``key_t`` is keys transposed."""
        scores = torch.matmul(query, key_t).mul_(scaling).add_(mask)
        return torch.matmul(torch.softmax(scores, dim=-1), value)

    def _cross_attend(self, attn: nn.Module, hidden: torch.Tensor, index: int, per_segment: int) -> torch.Tensor:
        """Cross-attention with the ``per_segment`` rows of a segment as query positions over its one key/value copy."""
        rows, new, _ = hidden.shape
        segments, heads = rows // per_segment, self.p.heads
        query = attn.q_proj(hidden)
        dim = query.shape[-1]  # the attention's width (T5's heads x d_kv may differ from d_model)
        query = query.view(segments, per_segment * new, heads, dim // heads).transpose(1, 2)
        key_t, value = self.cross[index]
        out = self._attend(query, key_t, value, self.source_mask, attn.scaling)  # [segments, heads, per_segment*new, dh]
        return attn.out_proj(out.transpose(1, 2).reshape(rows, new, dim))

    def select(self, rows: torch.Tensor, segments_changed: bool) -> None:
        """Keep ``rows`` (in this order: ``beams`` rows per segment, each from its own segment's rows); when
        segments leave, their cross-attention states go too.

        Only the slot table is reordered (a few integers per position); the cached keys and values stay,
        except the blocks that move into the places of segments that left.
        """
        parents = self.places.index_select(0, rows)
        if segments_changed:
            self._keep_segments(rows.view(-1, self.beams)[:, 0] // self.beams)
        if self.slots is not None:
            self.slots[: self.length, self.places] = self.slots[: self.length, parents]

    def _keep_segments(self, kept: torch.Tensor) -> None:
        """Keep the segments ``kept`` (the search's numbers, in its new order) in the first blocks: those
        beyond their count move into the blocks the others left; the cross-attention states follow."""
        blocks = self.blocks.index_select(0, kept).tolist()
        count = len(blocks)
        free = sorted(set(range(count)) - set(blocks))
        sources = list(range(count))  # whose states each of the first ``count`` blocks takes
        for segment, block in enumerate(blocks):
            if block >= count:
                place = free.pop()
                sources[place], blocks[segment] = block, place
                if self.cache is not None:
                    self.cache[:, :, place] = self.cache[:, :, block]
        device = self.blocks.device
        moved = torch.tensor(sources, device=device)
        self.cross = [(key.index_select(0, moved), value.index_select(0, moved)) for key, value in self.cross]
        self.source_mask = self.source_mask.index_select(0, moved)
        self.blocks = torch.tensor(blocks, device=device)
        self.places = (self.blocks[:, None] * self.beams + torch.arange(self.beams, device=device)).flatten()
