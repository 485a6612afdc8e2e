"""Batched beam search with lexical constraints (dynamic beam allocation), one loop for every path.

Why our own loop: ``transformers`` 5 no longer ships constrained beam search, and ``generate`` keeps
finished segments in the batch until the longest one ends.  Here one loop serves unconstrained and
constrained segments side by side in the same batch:

* unconstrained segments take the usual top-``2k`` candidates (as ``generate`` does);
* constrained segments use dynamic beam allocation (Post & Vilar, 2018): the candidates are the top
  ``2k``, each hypothesis's own best token, and every token that makes constraint progress; the ``k``
  beam slots are then shared round-robin between *banks* of hypotheses grouped by how many constraint
  tokens they have produced, so hypotheses that are midway through a term are not crowded out;
* in ``hard`` mode a hypothesis may only end once all its constraints are met, and when the remaining
  length budget is just enough for the unmet constraint tokens it is forced along them, so every
  finished translation contains every term: a guarantee, not a preference;
* the token after a completed term may not glue onto its last word (``Trade`` → ``Trades``), so the term
  survives detokenisation as a whole word;
* segments leave the batch as soon as they are done (see ``translate.decoding.stepper``).

The constraint bookkeeping lives in ``translate.decoding.constraint_state``; this module only schedules it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import torch

from .constraint_state import ConstraintSet, ConstraintState
from .stepper import Network, start_stepper

NEG_INF = float("-inf")
GLUE_ROWS_AT_ONCE = 8
"""Rows whose gluing pieces are masked in one copy (see ``_apply_constraint_masks``): bounds that copy's size."""


@dataclass(frozen=True)
class SearchOptions:
    """Knobs of the search. ``max_new_tokens``/``min_new_tokens`` pin the output length for benchmarks."""

    beams: int = 4
    length_penalty: float = 1.0
    max_len_a: float = 1.5
    max_len_b: int = 10
    max_len_cap: int = 512
    max_new_tokens: int | None = None
    min_new_tokens: int = 0
    hard: bool = True

    def __post_init__(self) -> None:
        """Refuse what the search cannot use, naming the option (``beams=0`` would divide by zero later)."""
        for name, least in (("beams", 1), ("max_len_b", 0), ("max_len_cap", 1), ("min_new_tokens", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name} must be a whole number of at least {least}, not {value!r}")
        if self.max_new_tokens is not None and (not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1):
            raise ValueError(f"max_new_tokens must be None or a whole number of at least 1, not {self.max_new_tokens!r}")
        for name in ("length_penalty", "max_len_a"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
                raise ValueError(f"{name} must be a number of at least 0, not {value!r}")


@dataclass(frozen=True)
class TargetVocabulary:
    """What the search must know about a model's output side; built once per model."""

    prefix: tuple[int, ...]
    eos: int
    banned: tuple[int, ...]
    continues_word: torch.Tensor  # bool [vocab], on the model's device: pieces that would glue onto the previous word
    max_positions: int | None = None  # decoder positions the model has (prefix and EOS included); None: no limit


@dataclass
class Hypothesis:
    """A finished translation of one segment: generated token ids (no prefix, no EOS)."""

    tokens: list[int]
    score: float
    met: tuple[bool, ...] = ()


@dataclass
class _Segment:
    """Search state of one segment of the batch."""

    max_new: int
    constraints: ConstraintSet | None
    finished: list[tuple[float, list[int], tuple[bool, ...]]] = field(default_factory=list)
    done: bool = False


@dataclass
class _Choice:
    score: float
    row: int
    token: int
    state: ConstraintState | None


@dataclass
class _Step:
    """What choosing the next beams needs to know about the current step."""

    seqs: torch.Tensor  # [rows, prefix + generated-1]: the live hypotheses so far
    vocab: TargetVocabulary
    options: SearchOptions
    generated: int  # tokens generated including the one being chosen

    def finish(self, seg: _Segment, row: int, score: float, met: tuple[bool, ...]) -> None:
        """Record ``row`` + EOS as a finished hypothesis, length-normalised as ``generate`` does."""
        tokens = self.seqs[row, len(self.vocab.prefix) :].tolist()
        seg.finished.append((score / (self.generated**self.options.length_penalty), tokens, met))

    def done(self, seg: _Segment, chosen: list[_Choice]) -> bool:
        """``generate``'s heuristic: stop once k hypotheses are finished and none alive can beat the worst."""
        k = self.options.beams
        if not chosen:
            return True
        if len(seg.finished) < k:
            return False
        worst_kept = sorted((f[0] for f in seg.finished), reverse=True)[k - 1]
        return chosen[0].score / (self.generated**self.options.length_penalty) <= worst_kept


def beam_search(
    model: Network,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    vocab: TargetVocabulary,
    constraints: Sequence[ConstraintSet | None],
    options: SearchOptions,
) -> list[Hypothesis]:
    """Translate one batch; returns the best hypothesis of each segment, in input order.

    Tensors live on the device of ``input_ids`` (the model's); the per-step transfers to Python are the
    top-``2k`` candidates of each segment and the constraint rows' scores, which the selection reads.
    """
    k = options.beams
    device = input_ids.device
    n_seg = input_ids.shape[0]
    src_lens = attention_mask.sum(dim=1).tolist()
    segments = [
        _Segment(_max_new_tokens(int(n), cs, options, vocab), cs if cs is not None and len(cs) else None)
        for n, cs in zip(src_lens, constraints)
    ]
    capacity = len(vocab.prefix) + max((seg.max_new for seg in segments), default=0)
    stepper = start_stepper(model, input_ids, attention_mask, k, capacity)
    active = list(range(n_seg))
    seqs = torch.tensor([list(vocab.prefix)] * (n_seg * k), dtype=torch.long, device=device)
    step_input = seqs
    scores = torch.tensor(([0.0] + [NEG_INF] * (k - 1)) * n_seg, device=device)
    states: list[ConstraintState | None] = []
    for seg in segments:
        initial = seg.constraints.initial_state() if seg.constraints is not None else None
        states.extend([initial] * k)
    generated = 0
    banned = torch.tensor(vocab.banned, dtype=torch.long, device=device)

    while active:
        logp = stepper.step(step_input)
        generated += 1
        if banned.numel():
            logp[:, banned] = NEG_INF
        if generated <= options.min_new_tokens:
            logp[:, vocab.eos] = NEG_INF
        _apply_constraint_masks(logp, states, active, segments, k, generated, vocab, options.hard, seqs)
        _force_eos_at_budget(logp, active, segments, k, generated, vocab)
        # Each row's hypothesis score is added to the candidates only, not to the whole ``[rows, output size]``:
        # a row's order is the same either way, and the candidates' sums are the same numbers.
        top, row_best = _top_candidates(logp, scores, len(active), k)
        extra = _constraint_candidates(logp, scores, states, active, segments, k, row_best)
        # Dropped now, not when the next step's result replaces it: the step's scores (``[rows, output size]``,
        # 127 MB for 124 rows of NLLB's 256,206) would otherwise be held through the next forward pass.
        del logp

        step = _Step(seqs, vocab, options, generated)
        next_choices: list[_Choice] = []
        still_active: list[int] = []
        for block, seg_id in enumerate(active):
            seg = segments[seg_id]
            cands = top[block]
            if seg.constraints is None:
                chosen = _select_plain(seg, cands, step)
            else:
                chosen = _select_banked(seg, cands + extra.get(block, []), states, step)
            seg.done = step.done(seg, chosen)
            if seg.done:
                continue
            still_active.append(seg_id)
            dead = _Choice(NEG_INF, chosen[0].row, chosen[0].token, chosen[0].state)
            next_choices.extend(chosen + [dead] * (k - len(chosen)))  # keep k rows per segment

        if not still_active:
            break
        rows = torch.tensor([c.row for c in next_choices], dtype=torch.long, device=device)
        tokens = torch.tensor([[c.token] for c in next_choices], dtype=torch.long, device=device)
        stepper.select(rows, segments_changed=len(still_active) != len(active))
        seqs = torch.cat([seqs.index_select(0, rows), tokens], dim=1)
        scores = torch.tensor([c.score for c in next_choices], device=device)
        states = [c.state for c in next_choices]
        step_input = tokens
        active = still_active

    return [_best(seg) for seg in segments]


def _max_new_tokens(src_len: int, cset: ConstraintSet | None, options: SearchOptions, vocab: TargetVocabulary) -> int:
    """Length budget of one segment, EOS included; constraints extend it rather than fail.

    The budget estimated from the source length is a guess at the model's own output length, so the
    constraint tokens, which force words the model may render shorter, are added to it.  A caller's
    explicit ``max_new_tokens`` is a cap and is only raised when the constraints (plus EOS) cannot fit.
    Neither may pass the decoder's last position: the model has no state beyond it.
    """
    needed = cset.total_tokens if cset is not None else 0
    if options.max_new_tokens is not None:
        budget = max(options.max_new_tokens, needed + 1)
    else:
        budget = min(options.max_len_cap, math.ceil(options.max_len_a * src_len + options.max_len_b)) + needed
    if vocab.max_positions is not None:
        budget = min(budget, vocab.max_positions - len(vocab.prefix))
    return budget


def _force_eos_at_budget(
    logp: torch.Tensor, active: Sequence[int], segments: Sequence[_Segment], k: int, generated: int, vocab: TargetVocabulary
) -> None:
    """The last token of the budget is EOS, scored 0 as ``generate`` does with ``forced_eos_token_id``.

    Rows whose EOS is already forbidden (unmet constraints) stay dead rather than finish unsatisfied.
    """
    for block, seg_id in enumerate(active):
        if generated >= segments[seg_id].max_new:
            rows = slice(block * k, block * k + k)
            allowed = logp[rows, vocab.eos] > NEG_INF
            logp[rows] = NEG_INF
            logp[rows, vocab.eos] = torch.where(allowed, 0.0, NEG_INF)


def _apply_constraint_masks(
    logp: torch.Tensor,
    states: Sequence[ConstraintState | None],
    active: Sequence[int],
    segments: Sequence[_Segment],
    k: int,
    generated: int,
    vocab: TargetVocabulary,
    hard: bool,
    seqs: torch.Tensor,
) -> None:
    """Forbid ending with unmet terms, gluing onto or repeating a finished term, leaving the terms
    when the length budget is tight, and completing a forbidden (deprecated) rendering outside a term.

    Rows are collected first and masked with one indexing operation per kind: per-row tensor calls were
    the larger part of the constraint bookkeeping.
    """
    no_eos: list[int] = []
    after_term: list[int] = []
    banned: list[tuple[int, int]] = []  # (row, token)
    only: dict[int, list[int]] = {}
    extending: dict[int, list[int]] = {}
    for block, seg_id in enumerate(active):
        seg = segments[seg_id]
        if seg.constraints is None:
            continue
        budget = seg.max_new - generated - 1  # token slots after this one, before the final EOS
        for row in range(block * k, block * k + k):
            state = states[row]
            assert state is not None
            if hard and not state.all_met():
                no_eos.append(row)
                allowed, tight = state.within_budget(budget)
                if allowed is not None:
                    only[row] = sorted(allowed)
                banned.extend((row, t) for t in tight)
            if seg.constraints.forbidden:
                banned.extend((row, t) for t in _forbidden_next(seg.constraints.forbidden, seqs[row], state))
            if state.just_completed:
                after_term.append(row)
                banned.extend((row, t) for t in state.repeat_tokens())
                if state.node is not None:  # a longer alternative goes on: its next pieces are no glue
                    extending[row] = sorted(state.node.children)
    kept, extended = _Scores(logp, only), _Scores(logp, extending)
    if no_eos:
        logp[no_eos, vocab.eos] = NEG_INF
    if after_term:
        # A few rows at a time: the copy of every such row at once was the glossary's largest extra tensor
        # (58 of 124 rows of NLLB's 256,206 scores, 58 MB, in one step of a base-size run).
        for start in range(0, len(after_term), GLUE_ROWS_AT_ONCE):
            rows = torch.tensor(after_term[start : start + GLUE_ROWS_AT_ONCE], dtype=torch.long, device=logp.device)
            logp.index_copy_(0, rows, logp.index_select(0, rows).masked_fill_(vocab.continues_word, NEG_INF))
        extended.restore(logp)
    if banned:
        logp[[r for r, _ in banned], [t for _, t in banned]] = NEG_INF
    if only:
        logp[list(only)] = NEG_INF
        kept.restore(logp)


class _Scores:
    """The scores of chosen tokens of chosen rows (``picks``: row -> tokens), read in one indexing operation
    and written back in one (two per row were a tenth of the constraint bookkeeping)."""

    def __init__(self, logp: torch.Tensor, picks: dict[int, list[int]]) -> None:
        self.rows = [row for row, tokens in picks.items() for _ in tokens]
        self.tokens = [token for tokens in picks.values() for token in tokens]
        self.values = logp[self.rows, self.tokens] if self.rows else None

    def restore(self, logp: torch.Tensor) -> None:
        if self.values is not None:
            logp[self.rows, self.tokens] = self.values


def _forbidden_next(forbidden: Sequence[tuple[int, ...]], history: torch.Tensor, state: ConstraintState) -> set[int]:
    """Tokens that would complete a forbidden sequence now, except those that make term progress."""
    longest = max(len(f) for f in forbidden) - 1
    tail = history[-longest:].tolist() if longest else []
    progress = state.allowed()
    return {
        f[-1] for f in forbidden
        if f[-1] not in progress and (len(f) == 1 or tail[-(len(f) - 1):] == list(f[:-1]))
    }


def _top_candidates(logp: torch.Tensor, scores: torch.Tensor, blocks: int, k: int
                    ) -> tuple[list[list[tuple[float, int, int]]], list[tuple[float, int]]]:
    """Each segment's top ``2k`` candidates ``(score, row, token)`` over its ``k`` rows, best first, and each
    row's own best ``(score, token)``; a candidate's score is its row's hypothesis score (``scores``) plus the
    token's log-probability (``logp``).

    One pass over the log-probabilities serves both: adding a row's score keeps the row's order, so a
    segment's top ``2k`` are among its rows' own top ``2k``, and a row's first entry is the best token that
    constrained segments add as a candidate of every row.
    """
    width = min(2 * k, logp.shape[1])
    row_scores, row_tokens = row_topk(logp, width)  # [rows, width], best first
    row_scores.add_(scores.unsqueeze(1))
    seg_scores, where = row_scores.view(blocks, k * width).topk(width, dim=1)
    seg_tokens = row_tokens.view(blocks, k * width).gather(1, where)
    rows = where.div_(width, rounding_mode="floor").add_(torch.arange(blocks, device=where.device)[:, None] * k)
    top = [list(zip(s, r, t)) for s, r, t in zip(seg_scores.tolist(), rows.tolist(), seg_tokens.tolist())]
    return top, list(zip(row_scores[:, 0].tolist(), row_tokens[:, 0].tolist()))


TOPK_CHUNK = 128
"""Width of the chunks :func:`row_topk` screens by their maxima (measured fastest among 64-512 at 32k and 256k rows)."""


def row_topk(scores: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``scores.topk(width, dim=1)``'s values and indices, found by screening chunks of the row first.

    ``topk`` over a whole output row is a partial sort of every score (2.6 ms a step for 64 rows of 32,000
    on this CPU, 20 ms for NLLB's 256,206); a row's maximum per chunk of ``TOPK_CHUNK`` scores is one
    vectorised pass, and the row's ``width`` best lie within the ``width`` chunks with the highest maxima
    (a score outside them is beaten by those chunks' maxima, ``width`` of them).  Only those chunks are then
    sorted: the same values, about 3x faster.  Among equal scores the indices chosen may differ from
    ``topk``'s, which makes no promise there either.
    """
    rows, size = scores.shape
    if size < 4 * width * TOPK_CHUNK:
        return scores.topk(width, dim=1)
    whole = size - size % TOPK_CHUNK
    maxima = scores[:, :whole].unflatten(1, (whole // TOPK_CHUNK, TOPK_CHUNK)).amax(dim=2)
    offsets = torch.arange(TOPK_CHUNK, device=scores.device)
    index = (maxima.topk(width, dim=1).indices[:, :, None] * TOPK_CHUNK + offsets).view(rows, -1)
    if whole < size:  # the scores after the last whole chunk are candidates as they are
        index = torch.cat([index, torch.arange(whole, size, device=scores.device).expand(rows, -1)], dim=1)
    values, where = scores.gather(1, index).topk(width, dim=1)
    return values, index.gather(1, where)


def _constraint_candidates(
    logp: torch.Tensor,
    scores: torch.Tensor,
    states: Sequence[ConstraintState | None],
    active: Sequence[int],
    segments: Sequence[_Segment],
    k: int,
    row_best: Sequence[tuple[float, int]],
) -> dict[int, list[tuple[float, int, int]]]:
    """Extra candidates of constrained segments: each row's best token and its constraint-progress tokens.

    The progress tokens' scores are gathered in one tensor operation for the whole batch, since
    per-element indexing is what makes naive constrained search slow.
    """
    pairs: list[tuple[int, int, int]] = []  # (block, row, token)
    extra: dict[int, list[tuple[float, int, int]]] = {}
    for block, seg_id in enumerate(active):
        if segments[seg_id].constraints is None:
            continue
        best = extra[block] = []
        for row in range(block * k, block * k + k):
            state = states[row]
            assert state is not None
            score, token = row_best[row]
            best.append((score, row, token))
            pairs.extend((block, row, t) for t in state.allowed())
    if pairs:
        index_rows = torch.tensor([row for _, row, _ in pairs], dtype=torch.long, device=logp.device)
        index_tokens = torch.tensor([t for _, _, t in pairs], dtype=torch.long, device=logp.device)
        gathered = logp[index_rows, index_tokens].add_(scores.index_select(0, index_rows))
        for (block, row, token), score in zip(pairs, gathered.tolist()):
            extra[block].append((score, row, token))
    return extra


def _select_plain(seg: _Segment, cands: list[tuple[float, int, int]], step: _Step) -> list[_Choice]:
    """Ordinary beam step: EOS among the top k finishes a hypothesis, the rest fill the beam."""
    k = step.options.beams
    chosen: list[_Choice] = []
    for rank, (score, row, token) in enumerate(cands):
        if score == NEG_INF:
            break
        if token == step.vocab.eos:
            if rank < k:
                step.finish(seg, row, score, ())
            continue
        chosen.append(_Choice(score, row, token, None))
        if len(chosen) == k:
            break
    return chosen


def _select_banked(
    seg: _Segment, cands: list[tuple[float, int, int]], states: Sequence[ConstraintState | None], step: _Step
) -> list[_Choice]:
    """Dynamic beam allocation: share the k slots round-robin between banks of equal constraint progress."""
    assert seg.constraints is not None
    k = step.options.beams
    seen: set[tuple[int, int]] = set()
    unique = []
    for score, row, token in sorted(cands, key=lambda c: (-c[0], c[1], c[2])):
        if score == NEG_INF or (row, token) in seen:
            continue
        seen.add((row, token))
        unique.append((score, row, token))
    banks: dict[int, list[_Choice]] = {}
    for rank, (score, row, token) in enumerate(unique):
        state = states[row]
        assert state is not None
        if token == step.vocab.eos:
            if rank < k and (state.all_met() or not step.options.hard):
                step.finish(seg, row, score, state.met)
            continue
        # Banked by the progress the token would make; advanced below only if it keeps a slot.
        bank = min(state.progress_after(token), seg.constraints.total_tokens)
        banks.setdefault(bank, []).append(_Choice(score, row, token, None))
    # The best-scoring candidate always keeps a slot: with more banks than beams, round-robin from the
    # most advanced bank would otherwise starve the model's own hypothesis, which meets the terms later
    # in the sentence (in the model's word order), and force them in early instead.
    best = max((c for queue in banks.values() for c in queue), key=lambda c: c.score, default=None)
    chosen: list[_Choice] = [best] if best is not None else []
    queues = [banks[b] for b in sorted(banks, reverse=True)]
    depth = 0
    while len(chosen) < k and any(depth < len(q) for q in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < k and queue[depth] is not best:
                chosen.append(queue[depth])
        depth += 1
    chosen.sort(key=lambda c: -c.score)
    for choice in chosen:
        if choice.state is None:
            choice.state = states[choice.row].advance(choice.token)  # type: ignore[union-attr]
    return chosen


def _best(seg: _Segment) -> Hypothesis:
    if not seg.finished:
        return Hypothesis([], NEG_INF, ())
    score, tokens, met = max(seg.finished, key=lambda f: f[0])
    return Hypothesis(tokens, score, met)
