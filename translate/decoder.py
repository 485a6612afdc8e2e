"""Translate batches of segment texts with a loaded model: tokenise, batch, search, detokenise.

This is the only place where text meets token ids.  Callers hand in segments with their planned
glossary terms and get text back in the same order; batching by length, the constraint compilation and
the search itself stay behind this interface, so the pipeline never depends on the model family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch

from .batching import make_batches
from .beam_search import SearchOptions, TargetVocabulary, beam_search
from .constraints import ConstraintBuilder
from .model import LoadedModel
from .term_plan import PlannedTerm

WORD_START = "\u2581"  # sentencepiece's word-boundary mark


@dataclass
class DecodeRequest:
    text: str
    terms: Sequence[PlannedTerm] = ()


@dataclass
class Decoded:
    text: str
    met: tuple[bool, ...] = field(default=())


def target_vocabulary(loaded: LoadedModel) -> TargetVocabulary:
    """Prefix, EOS, banned ids and the word-continuation mask of a model's output vocabulary."""
    family = loaded.family
    pieces = loaded.tokenizer.convert_ids_to_tokens(list(range(family.vocab_size)))
    special = set(loaded.tokenizer.all_special_tokens)
    continues = torch.tensor(
        [bool(p) and p not in special and not p.startswith(WORD_START) and p[0].isalnum() for p in pieces],
        dtype=torch.bool,
    )
    return TargetVocabulary(
        prefix=tuple(family.decoder_prefix),
        eos=family.eos_token_id,
        banned=tuple(family.banned_token_ids),
        continues_word=continues,
    )


class Decoder:
    """Batched (constrained) beam search over one model."""

    def __init__(
        self,
        loaded: LoadedModel,
        options: SearchOptions,
        max_batch_tokens: int = 6000,
        max_batch_segments: int = 64,
    ) -> None:
        self.loaded = loaded
        self.options = options
        self.max_batch_tokens = max_batch_tokens
        self.max_batch_segments = max_batch_segments
        self.vocab = target_vocabulary(loaded)
        self.constraints = ConstraintBuilder(loaded.family.encode_target, loaded.family.decode)

    def decode(self, requests: Sequence[DecodeRequest], progress: Callable[[int], None] | None = None) -> list[Decoded]:
        """Translations of ``requests`` in their order; ``progress(n)`` is told of each finished batch."""
        family = self.loaded.family
        lengths = [family.count_source_tokens(r.text) for r in requests]
        # The budget counts beams too: each segment occupies ``beams`` rows while decoding.
        budget = max(1, self.max_batch_tokens // self.options.beams)
        results: list[Decoded | None] = [None] * len(requests)
        for batch in make_batches(lengths, budget, self.max_batch_segments):
            encoded = family.encode_sources([requests[i].text for i in batch])
            csets = [self.constraints.build(requests[i].terms) for i in batch]
            with torch.inference_mode():
                hyps = beam_search(
                    self.loaded.model, encoded["input_ids"], encoded["attention_mask"], self.vocab, csets, self.options
                )
            for index, hyp in zip(batch, hyps):
                results[index] = Decoded(family.decode(hyp.tokens), hyp.met)
            if progress is not None:
                progress(len(batch))
        return [r for r in results if r is not None]
