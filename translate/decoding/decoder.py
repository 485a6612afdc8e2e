"""The decoding package's entry point: texts (each with its required terms) in, translations out.

This is the only place where text meets token ids.  Callers hand in texts, each with the terms its
translation must contain (per term, a tuple of acceptable renderings, the preferred first), and get
text back in the same order; tokenisation, batching by length, the constraint compilation and the
search itself stay behind this interface.  It knows nothing of documents or glossaries: the pipeline
asks it only for token counts (:meth:`Decoder.count_source_tokens`, :attr:`Decoder.max_source_tokens`,
:attr:`Decoder.target_room`, :meth:`Decoder.constraint_tokens`), never for the model family.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Sequence

import torch

from ..settings import DEFAULT_BATCH_TOKENS
from .allocator import return_freed_memory
from .batching import make_batches
from .beam_search import Hypothesis, SearchOptions, TargetVocabulary, beam_search
from .constraint_state import ConstraintSet
from .constraints import ConstraintBuilder, Renderings
from .file_table import descriptors_of
from .marian_decoder import STEPPED_MODEL_TYPES, MarianIncrementalDecoder
from .model import LoadedModel
from .output_space import OutputSpace
from .search_workers import SearchSpan, SearchWorkers, WorkerKind, choose_kind, timed
from .stepper import Network
from .t5_decoder import T5IncrementalDecoder

WORD_START = "\u2581"  # sentencepiece's word-boundary mark

OWN_DECODERS: dict[str, type[MarianIncrementalDecoder]] = {
    **dict.fromkeys(STEPPED_MODEL_TYPES, MarianIncrementalDecoder),
    "t5": T5IncrementalDecoder,
}
"""Model types stepped by vi2en's own incremental decoder, and the class that prepares a model of each."""


@dataclass
class DecodeRequest:
    """One text to translate and the terms its translation must contain (each: acceptable renderings)."""

    text: str
    terms: Sequence[Renderings] = ()
    #: False for a piece of a split sentence other than the first: its output does not start a sentence.
    opens_sentence: bool = True
    #: Renderings the translation must not contain (the terms' deprecated renderings).
    forbidden: Sequence[str] = ()


@dataclass
class _Job:
    """One batch, tokenised and with its constraints, ready to search."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    constraints: list[ConstraintSet | None]
    options: SearchOptions

    def __getstate__(self) -> dict[str, Any]:
        """Sent to a worker process as plain arrays: torch would move the tensors through shared memory."""
        return {**self.__dict__, "input_ids": self.input_ids.numpy(), "attention_mask": self.attention_mask.numpy()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, input_ids=torch.from_numpy(state["input_ids"]),
                             attention_mask=torch.from_numpy(state["attention_mask"]))


@dataclass(frozen=True)
class BatchPlanner:
    """How a call's texts are grouped into batches: indices into them, in the order they are searched.

    Longest first under the token budget and ``max_segments``, and, on the CPU, dealt into at least one batch
    per torch thread (as set when called) where there are segments for it (``translate.decoding.batching``).
    One rule, so that a benchmark hands exactly the batches the product searches to the engines it compares.
    """

    count_tokens: Callable[[str], int]
    #: Source tokens of a batch's longest text x its segments (the decoder's budget over its beams).
    max_tokens: int
    max_segments: int
    on_cpu: bool

    def __call__(self, texts: Sequence[str]) -> list[list[int]]:
        threads = torch.get_num_threads() if self.on_cpu else 1
        return make_batches([self.count_tokens(text) for text in texts], self.max_tokens, self.max_segments,
                            at_least=threads)


@dataclass
class Decoded:
    text: str
    met: tuple[bool, ...] = field(default=())


def target_vocabulary(loaded: LoadedModel, space: OutputSpace) -> TargetVocabulary:
    """Prefix, EOS, banned ids and the word-continuation mask of a model's output vocabulary, in ``space``."""
    family = loaded.family
    model_ids = space.to_model(range(space.size))
    pieces = loaded.tokenizer.convert_ids_to_tokens(model_ids)
    special = set(loaded.tokenizer.all_special_tokens)
    continues = torch.tensor(
        [bool(p) and p not in special and not p.startswith(WORD_START) and p[0].isalnum() for p in pieces],
        dtype=torch.bool,
        device=loaded.device,
    )
    return TargetVocabulary(
        prefix=tuple(space.to_search(family.decoder_prefix)),
        eos=space.to_search([family.eos_token_id])[0],
        banned=tuple(space.to_search([i for i in family.banned_token_ids if space.contains(i)])),
        continues_word=continues,
        max_positions=family.max_target_positions,
    )


def decoding_network(loaded: LoadedModel, space: OutputSpace) -> Network:
    """What the search steps: vi2en's own incremental decoder (the fast path: every type of
    :data:`OWN_DECODERS`), else the model itself.

    The own decoder is prepared once per model and output space and shared by every decoder over it
    (``loaded.networks``); preparing it hands the temporaries' memory back, and, for a model loaded
    ``decoders_only``, releases the Hugging Face parts it has its own copy of.
    """
    prepare = OWN_DECODERS.get(loaded.model.config.model_type)
    if prepare is not None:
        key = None if space.model_ids is None else tuple(space.model_ids.tolist())
        if key not in loaded.networks:
            if loaded.networks and loaded.decoders_only:  # its full output layer is gone
                raise ValueError(f"{loaded.name}: already prepared for another output space")
            loaded.networks[key] = prepare(loaded.model, space.model_ids, release=loaded.decoders_only)
            return_freed_memory()
        return loaded.networks[key]
    if space.model_ids is not None:
        raise ValueError(f"{loaded.name}: only vi2en's own decoder can restrict the output vocabulary")
    return loaded.model


class Decoder:
    """Batched (constrained) beam search over one model.

    ``workers``: what searches batches side by side when there are several torch threads (see
    ``translate.decoding.search_workers``): ``auto`` (forked processes on a CPU under Linux, else threads),
    ``processes`` or ``threads``; the output is the same with each.  ``on_search``, if set, is told of every
    batch searched: when, by which worker, and its hypotheses (the benchmarks' timelines).
    """

    def __init__(
        self,
        loaded: LoadedModel,
        options: SearchOptions,
        max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
        max_batch_segments: int = 64,
        workers: WorkerKind = "auto",
    ) -> None:
        self.loaded = loaded
        self.options = options
        self.max_batch_tokens = max_batch_tokens
        self.max_batch_segments = max_batch_segments
        self.worker_kind = choose_kind(workers, loaded.device)
        self._workers: SearchWorkers[_Job, list[Hypothesis]] | None = None
        self.on_search: Callable[[SearchSpan, list[Hypothesis]], None] | None = None
        family = loaded.family
        self.space = OutputSpace(family.output_token_ids(), family.vocab_size)
        self.network = decoding_network(loaded, self.space)
        self.vocab = target_vocabulary(loaded, self.space)
        self.constraints = ConstraintBuilder(
            lambda text: self.space.to_search(family.encode_target(text)), self._decode_tokens
        )

    @property
    def max_source_tokens(self) -> int:
        """The longest input the model accepts, in tokens (special tokens included)."""
        return self.loaded.family.max_source_tokens

    @property
    def target_room(self) -> int | None:
        """Output tokens a translation may have (EOS included), or ``None`` where the model sets no limit."""
        positions = self.loaded.family.max_target_positions
        return None if positions is None else positions - len(self.vocab.prefix)

    def count_source_tokens(self, text: str) -> int:
        """Input tokens of ``text``, as the model will see it."""
        return self.loaded.family.count_source_tokens(text)

    def constraint_tokens(self, terms: Sequence[Renderings]) -> int:
        """Output tokens the terms force (the longest spelling of each): what must fit in ``target_room``."""
        cset = self.constraints.build(terms)
        return cset.total_tokens if cset is not None else 0

    def _decode_tokens(self, ids: list[int]) -> str:
        return self.loaded.family.decode(self.space.to_model(ids))

    @property
    def plan(self) -> BatchPlanner:
        """The rule :meth:`decode` groups its texts by (``decoder.plan(texts)``: the batches), with this decoder's
        budgets; it holds the tokenizer side only, so a benchmark can keep it after freeing the model."""
        return BatchPlanner(self.loaded.family.count_source_tokens, max(1, self.max_batch_tokens // self.options.beams),
                            self.max_batch_segments, self.loaded.device.type == "cpu")

    def decode(
        self, requests: Sequence[DecodeRequest], progress: Callable[[int], None] | None = None, *, hard: bool | None = None
    ) -> list[Decoded]:
        """Translations of ``requests`` in their order; ``progress(n)`` is told of each finished batch.

        ``hard`` chooses for this call whether every term is guaranteed (None: the options' ``hard``), so
        one Decoder, with its one prepared network, serves hard, soft and unconstrained callers alike.

        With several torch threads and several batches, the batches are searched side by side, one
        single-threaded search per thread, in the decoder's search workers (forked processes on Linux:
        ``translate.decoding.search_workers``): the matrices of one decoder step are too small for two threads
        to share well (measured: 2 threads make one batch only ~1.1x faster), while two independent
        searches keep both cores busy.  Tokenising stays in this thread; each search is deterministic
        and independent of the others, so the output does not depend on the scheduling.  A call that
        would form fewer batches than there are threads (a server's few short requests: one batch) is
        dealt into one batch per thread, on the CPU, so that every thread has a search to run.
        """
        options = self.options if hard is None else replace(self.options, hard=hard)
        batches = self.plan([r.text for r in requests])
        jobs = [self._prepare(requests, batch, options) for batch in batches]
        results: list[Decoded | None] = [None] * len(requests)
        for batch, hyps in zip(batches, self._search_all(jobs)):
            for index, hyp in zip(batch, hyps):
                text = self.constraints.restore(self._decode_tokens(hyp.tokens), requests[index].terms)
                results[index] = Decoded(text, hyp.met)
            if progress is not None:
                progress(len(batch))
        return [r for r in results if r is not None]

    def _prepare(self, requests: Sequence[DecodeRequest], batch: list[int], options: SearchOptions) -> _Job:
        encoded = self.loaded.family.encode_sources([requests[i].text for i in batch])
        device = self.loaded.device
        return _Job(encoded["input_ids"].to(device), encoded["attention_mask"].to(device),
                    [self.constraints.build(requests[i].terms, requests[i].opens_sentence, requests[i].forbidden)
                     for i in batch], options)

    def _search(self, job: _Job) -> list[Hypothesis]:
        """One batch's search, then the allocator's freed pages handed back: glibc keeps the batch's freed
        cache and activations for reuse, and the next batches (and the other threads') grew past them, so the
        process's peak rose from one call to the next (NLLB's shape: by about 100 MB a call of 48 segments)."""
        with torch.inference_mode():
            hypotheses = beam_search(self.network, job.input_ids, job.attention_mask, self.vocab, job.constraints,
                                     job.options)
        return_freed_memory()
        return hypotheses

    def _search_all(self, jobs: list[_Job]) -> Iterator[list[Hypothesis]]:
        """Search results in the order of ``jobs``, batches side by side when there are threads for it."""
        threads = torch.get_num_threads()
        if min(threads, len(jobs)) <= 1:
            for job in jobs:
                yield self._observed(*timed(self._search, job, "caller"))
            return
        if self._workers is None or self._workers.count != threads:
            self.close()
            self._workers = SearchWorkers(self._search, threads, self.worker_kind,
                                          keep_open=descriptors_of(self.loaded.model))
        try:
            for span, hypotheses in self._workers.map(jobs):
                yield self._observed(span, hypotheses)
        finally:
            torch.set_num_threads(threads)  # thread workers set the process's count to one

    def close(self) -> None:
        """End the search workers now, a search in flight included, rather than when the decoder is collected
        or the interpreter exits (a later call starts new ones)."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def _observed(self, span: SearchSpan, hypotheses: list[Hypothesis]) -> list[Hypothesis]:
        if self.on_search is not None:
            self.on_search(span, hypotheses)
        return hypotheses
