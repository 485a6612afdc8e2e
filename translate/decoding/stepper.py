"""One decoder step of a Hugging Face encoder-decoder model, with its key/value cache.

The beam search (``translate.decoding.beam_search``) is model-agnostic: it asks for next-token log-probabilities of
its live rows and tells the stepper which rows survive.  Keeping the model calls here lets one search
loop serve every family (Marian, mBART-50, T5, NLLB/M2M100) and both the plain and the constrained path.

Two savings over calling ``generate`` per batch: the encoder runs once per batch, and when whole
segments finish their rows are dropped from the cache and from the encoder states, so late steps of a
batch only pay for the segments still being decoded.  Every supported family is stepped by vi2en's own
decoder (``translate.decoding.marian_decoder``, with ``t5_decoder`` for T5; faster still); this one steps
any other model, and is the reference the own decoder is tested against; :func:`start_stepper` picks the
one a network needs.
"""

from __future__ import annotations

from typing import Protocol, Union

import torch
from transformers.modeling_outputs import BaseModelOutput

from .allocator import return_freed_memory
from .marian_decoder import MarianIncrementalDecoder

Network = Union[torch.nn.Module, MarianIncrementalDecoder]
"""What a search can step: any supported Hugging Face model, or Marian's own incremental decoder."""


class Stepper(Protocol):
    """The decoder state of one batch, as the beam search drives it (see :class:`ModelStepper`)."""

    def step(self, decoder_input_ids: torch.Tensor) -> torch.Tensor: ...

    def select(self, rows: torch.Tensor, segments_changed: bool) -> None: ...


def start_stepper(network: Network, input_ids: torch.Tensor, attention_mask: torch.Tensor, beams: int,
                  capacity: int = 0) -> Stepper:
    """The decoder state of one batch, ``beams`` rows per segment; ``capacity``: decoder positions it will
    need at most (prefix included), when known, so the Marian decoder's cache is sized once.

    The encoder's temporaries are freed by the time the state is built, and handed back to the system then
    (:mod:`translate.decoding.allocator`): kept by the C allocator, they stayed in the process through the
    whole search, under the steps' own growth (``scripts/bench_engines.py``'s ``peak MB``).
    """
    if isinstance(network, MarianIncrementalDecoder):
        stepper: Stepper = network.start(input_ids, attention_mask, beams, capacity)
    else:
        stepper = ModelStepper(network, input_ids, attention_mask, beams)
    return_freed_memory()
    return stepper


class ModelStepper:
    """Runs the encoder once and the decoder incrementally for ``rows`` beams per segment."""

    def __init__(self, model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, beams: int):
        self.model = model
        encoder = model.get_encoder()
        hidden = encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        # Every beam of a segment attends to the same source: repeat once, select rows thereafter.
        self.encoder_hidden = hidden.repeat_interleave(beams, dim=0)
        self.attention_mask = attention_mask.repeat_interleave(beams, dim=0)
        self.cache = None

    def step(self, decoder_input_ids: torch.Tensor) -> torch.Tensor:
        """Log-probabilities (float32, ``[rows, vocab]``) of the token after ``decoder_input_ids``.

        On the first call ``decoder_input_ids`` is the whole forced prefix; afterwards only the newest
        token of each row, since earlier positions live in the cache.
        """
        out = self.model(
            encoder_outputs=BaseModelOutput(last_hidden_state=self.encoder_hidden),
            attention_mask=self.attention_mask,
            decoder_input_ids=decoder_input_ids,
            cache=self.cache,
            use_cache=True,
        )
        self.cache = out.cache
        return torch.log_softmax(out.logits[:, -1, :].float(), dim=-1)

    def select(self, rows: torch.Tensor, segments_changed: bool) -> None:
        """Keep ``rows`` (in this order) of the decoder state.

        Rows of one segment share their encoder states and cross-attention cache, so those are only
        re-indexed when the set of segments changes; the self-attention cache follows every reorder.
        """
        if self.cache is None:
            return
        if segments_changed:
            self.cache.reorder_cache(rows)
            self.encoder_hidden = self.encoder_hidden.index_select(0, rows)
            self.attention_mask = self.attention_mask.index_select(0, rows)
        else:
            self.cache.self_attention_cache.reorder_cache(rows)
