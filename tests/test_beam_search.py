"""The search loop against ``generate`` (plain path) and against its guarantee (constrained path).

A small random Marian model built from a config is enough: the search never looks at what tokens mean.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers import MarianConfig, MarianMTModel

from translate.decoding.beam_search import (
    GLUE_ROWS_AT_ONCE, SearchOptions, TargetVocabulary, _apply_constraint_masks, _Segment, beam_search, row_topk,
)
from translate.decoding.constraint_state import Constraint, ConstraintSet
from translate.decoding.marian_decoder import MarianIncrementalDecoder

VOCAB = 120
PAD, EOS = VOCAB - 1, 0


@lru_cache(maxsize=None)
def random_marian(init_std: float, eos_bias: float) -> MarianMTModel:
    """Built once per setting: the tests only read it."""
    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=VOCAB, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=128,
        pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD, forced_eos_token_id=EOS, init_std=init_std,
    )
    model = MarianMTModel(config).eval()
    with torch.no_grad():
        model.final_logits_bias[0, EOS] = eos_bias
    return model


def vocabulary(glue: range = range(0), max_positions: int | None = None) -> TargetVocabulary:
    continues = torch.zeros(VOCAB, dtype=torch.bool)
    continues[list(glue)] = True
    return TargetVocabulary(prefix=(PAD,), eos=EOS, banned=(PAD,), continues_word=continues,
                            max_positions=max_positions)


def batch(lengths: list[int], seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    longest = max(lengths)
    ids = torch.randint(1, PAD, (len(lengths), longest), generator=generator)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(lengths):
        mask[row, :n] = 1
        ids[row, n:] = PAD
    return ids, mask


def strip(sequence: list[int]) -> list[int]:
    tokens = [t for t in sequence[1:] if t != PAD]
    return tokens[:-1] if tokens and tokens[-1] == EOS else tokens


@pytest.mark.parametrize(("init_std", "eos_bias"), [(0.5, 0.0), (0.02, 0.3), (0.02, 0.15)])
@pytest.mark.parametrize("beams", [1, 4])
@pytest.mark.parametrize("network", ["hf-forward", "marian-decoder"])
def test_plain_search_equals_generate(init_std: float, eos_bias: float, beams: int, network: str) -> None:
    """Same hypotheses as ``generate``'s beam search, including early stopping and forced EOS, whether the
    search steps the Hugging Face model or Marian's own incremental decoder."""
    model = random_marian(init_std, eos_bias)
    stepped = model if network == "hf-forward" else MarianIncrementalDecoder(model)
    ids, mask = batch([12, 7, 12, 3, 9])
    with torch.inference_mode():
        ours = beam_search(stepped, ids, mask, vocabulary(), [None] * 5, SearchOptions(beams=beams, max_new_tokens=20))
        theirs = model.generate(
            input_ids=ids, attention_mask=mask, num_beams=beams, max_new_tokens=20, length_penalty=1.0,
            early_stopping=False, do_sample=False, bad_words_ids=[[PAD]],
        )
    lengths = {len(h.tokens) for h in ours}
    assert [h.tokens for h in ours] == [strip(s) for s in theirs.tolist()]
    assert lengths  # sanity: the comparison covered real sequences
    if eos_bias:
        assert min(lengths) < 19, "EOS should end some hypotheses early in this setting"


@pytest.mark.parametrize("network", ["hf-forward", "marian-decoder"])
def test_budget_stops_at_the_decoders_last_position(network: str) -> None:
    """A long source's budget (1.5 x 100 + 10 = 160) passes the model's 128 positions: the search must end at
    the last position, not step past it (the Hugging Face model would index past its position table)."""
    model = random_marian(0.5, -100.0)  # EOS never wins: every hypothesis runs to its budget
    stepped = model if network == "hf-forward" else MarianIncrementalDecoder(model)
    ids, mask = batch([100, 20])
    cset = ConstraintSet([Constraint(((5, 6, 7),))])
    with torch.inference_mode():
        hyps = beam_search(stepped, ids, mask, vocabulary(max_positions=128), [None, cset], SearchOptions(beams=2))
    # 128 positions: the prefix, 126 tokens, the EOS; the short source keeps its own budget, 1.5 x 20 + 10 plus
    # the 3 constraint tokens, EOS included: 42 tokens.
    assert [len(h.tokens) for h in hyps] == [126, 42]
    assert contains(hyps[1].tokens, (5, 6, 7)) and hyps[1].met == (True,)


def contains(sequence: list[int], alternative: tuple[int, ...]) -> bool:
    n = len(alternative)
    return any(tuple(sequence[i : i + n]) == alternative for i in range(len(sequence) - n + 1))


token_seq = st.lists(st.integers(1, 100), min_size=1, max_size=4).map(tuple)
constraint_sets = st.lists(st.lists(token_seq, min_size=1, max_size=2), min_size=1, max_size=5)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), constraint_sets), min_size=1, max_size=4), st.sampled_from([1, 2, 4]))
def test_hard_constraints_are_always_met(segments, beams) -> None:
    """Whatever the constraints and beam size, every finished hypothesis contains every constraint."""
    model = random_marian(0.02, 0.3)  # EOS-happy: the search must resist ending early
    ids, mask = batch([5 + i for i in range(len(segments))])
    csets = [ConstraintSet([Constraint(tuple(alts)) for alts in c]) if c else None for c in segments]
    with torch.inference_mode():
        hyps = beam_search(model, ids, mask, vocabulary(), csets, SearchOptions(beams=beams, max_new_tokens=6))
    for hyp, cset in zip(hyps, csets):
        if cset is None:
            continue
        assert all(hyp.met)
        remaining = list(hyp.tokens)
        for constraint in cset.constraints:  # each occurrence needs its own tokens
            assert any(contains(remaining, alt) for alt in constraint.alternatives), (hyp.tokens, cset.constraints)


@pytest.mark.parametrize("network", ["hf-forward", "marian-decoder"])
def test_a_hypothesis_score_is_the_models_log_probability_of_it(network: str) -> None:
    """Constrained or not, a finished hypothesis scores what the model gives its tokens and EOS, read with the
    whole translation as the decoder's input (teacher forcing), over its length: the search's bookkeeping of
    scores (each row's score carried to its candidates, constraint candidates included) loses nothing."""
    model = random_marian(0.02, 1.0)  # hypotheses of 0 to 25 tokens, ended by the model's own EOS
    stepped = model if network == "hf-forward" else MarianIncrementalDecoder(model)
    ids, mask = batch([9, 6, 11, 7])
    csets = [None, ConstraintSet([Constraint(((5, 6),))]), ConstraintSet([Constraint(((40,), (41, 42)))]),
             ConstraintSet([Constraint(((7,),)), Constraint(((60, 61, 62),))])]
    with torch.inference_mode():
        hyps = beam_search(stepped, ids, mask, vocabulary(), csets, SearchOptions(beams=3, max_new_tokens=30))
        checked = 0
        for row, hyp in enumerate(hyps):
            if len(hyp.tokens) + 1 >= 30:  # EOS forced at the budget is scored 0, as generate does: not this check
                continue
            decoder_ids = torch.tensor([[PAD, *hyp.tokens]])
            logits = model(input_ids=ids[row : row + 1], attention_mask=mask[row : row + 1],
                           decoder_input_ids=decoder_ids).logits[0]
            targets = torch.tensor([*hyp.tokens, EOS])
            expected = logits.log_softmax(-1).gather(1, targets[:, None]).sum().item() / len(targets)
            assert hyp.score == pytest.approx(expected, abs=1e-4), (row, hyp.tokens)
            checked += 1
    assert checked == 4 and all(hyps[row].met == (True,) * len(csets[row]) for row in (1, 2, 3))


def test_constraints_longer_than_the_budget_extend_it() -> None:
    model = random_marian(0.02, 0.3)
    ids, mask = batch([4])
    long_term = tuple(range(10, 30))
    cset = ConstraintSet([Constraint((long_term,))])
    with torch.inference_mode():
        (hyp,) = beam_search(model, ids, mask, vocabulary(), [cset], SearchOptions(beams=2, max_new_tokens=5))
    assert contains(hyp.tokens, long_term)


def test_no_word_may_glue_onto_a_completed_term() -> None:
    """After a term, pieces that continue a word are forbidden: the term stays a whole word."""
    model = random_marian(0.5, 0.0)
    ids, mask = batch([8, 8, 8], seed=3)
    glue = range(1, 60)
    term = (70, 71)
    csets = [ConstraintSet([Constraint((term,))])] * 3
    with torch.inference_mode():
        hyps = beam_search(model, ids, mask, vocabulary(glue), csets, SearchOptions(beams=3, max_new_tokens=12))
    for hyp in hyps:
        after = [hyp.tokens[i + 2] for i in range(len(hyp.tokens) - 2) if tuple(hyp.tokens[i : i + 2]) == term]
        assert contains(hyp.tokens, term)
        assert not any(t in glue for t in after)


def test_glue_is_masked_on_every_row_that_just_met_a_term() -> None:
    """Rows that just completed a term are masked a few at a time (bounding the copy); every one of them, in
    every chunk, loses its gluing pieces, and no other score changes."""
    glue = range(1, 60)
    cset = ConstraintSet([Constraint(((70,),))])
    met = cset.initial_state().advance(70)
    assert met.just_completed and met.all_met()
    segments, k = 5, 4  # 20 rows: more than two chunks
    assert segments * k > 2 * GLUE_ROWS_AT_ONCE
    logp = torch.randn(segments * k, VOCAB, generator=torch.Generator().manual_seed(0))
    before = logp.clone()
    seqs = torch.full((segments * k, 2), PAD, dtype=torch.long)
    seqs[:, 1] = 70
    _apply_constraint_masks(logp, [met] * (segments * k), range(segments), [_Segment(10, cset)] * segments, k,
                            2, vocabulary(glue), True, seqs)
    assert torch.all(logp[:, list(glue)] == float("-inf"))
    repeat = set(met.repeat_tokens())
    others = [t for t in range(VOCAB) if t not in glue and t not in repeat]
    assert torch.equal(logp[:, others], before[:, others])


class HeldScores:
    """A stepper that checks, at every step, that the search no longer holds the scores it was last given."""

    def __init__(self, inner) -> None:
        self.inner, self.last, self.held = inner, None, 0

    def step(self, ids: torch.Tensor) -> torch.Tensor:
        self.held += self.last is not None and self.last() is not None
        out = self.inner.step(ids)
        self.last = weakref.ref(out)
        return out

    def select(self, rows: torch.Tensor, segments_changed: bool) -> None:
        self.inner.select(rows, segments_changed)


class CheckedDecoder(MarianIncrementalDecoder):
    def start(self, *args, **kwargs):
        self.stepper = HeldScores(super().start(*args, **kwargs))
        return self.stepper


def test_a_steps_scores_are_dropped_before_the_next_step() -> None:
    """The step's scores (``[rows, output size]``, NLLB's largest tensor) must not live through the next forward pass."""
    network = CheckedDecoder(random_marian(0.5, 0.0))
    ids, mask = batch([6, 7])
    csets = [ConstraintSet([Constraint(((70, 71),))]), None]
    with torch.inference_mode():
        beam_search(network, ids, mask, vocabulary(range(1, 60)), csets, SearchOptions(beams=3, max_new_tokens=8))
    assert network.stepper.last is not None  # it stepped
    assert network.stepper.held == 0


def test_soft_mode_may_end_without_its_terms() -> None:
    """Soft mode prefers terms but lets a strongly preferred EOS win (here: EOS-happy model)."""
    model = random_marian(0.02, 3.0)
    ids, mask = batch([6])
    cset = ConstraintSet([Constraint(((50, 51, 52, 53),))])
    with torch.inference_mode():
        (soft,) = beam_search(model, ids, mask, vocabulary(), [cset], SearchOptions(beams=2, max_new_tokens=8, hard=False))
        (hard,) = beam_search(model, ids, mask, vocabulary(), [cset], SearchOptions(beams=2, max_new_tokens=8))
    assert not all(soft.met)
    assert all(hard.met) and contains(hard.tokens, (50, 51, 52, 53))


@settings(max_examples=40, deadline=None)
@given(st.integers(4 * 8 * 128, 12_000), st.integers(1, 8), st.integers(0, 2**31 - 1), st.booleans())
def test_row_topk_finds_the_same_scores_as_topk(size, width, seed, masked) -> None:
    """The chunk-screened top-k (used on every step's output rows) must give topk's values, with indices
    that point at them and name each place once, also with whole rows or most of a row masked to -inf."""
    generator = torch.Generator().manual_seed(seed)
    scores = torch.randn(6, size, generator=generator).round(decimals=1)  # many ties
    if masked:
        scores[0] = float("-inf")
        scores[1, torch.randperm(size, generator=generator)[: size - 3]] = float("-inf")
    values, index = row_topk(scores, width)
    expected = scores.topk(width, dim=1).values
    assert torch.equal(values, expected)
    assert torch.equal(scores.gather(1, index), values)
    for row in range(2 if masked else 0, 6):
        assert len(set(index[row].tolist())) == width
