"""The constraint bookkeeping on its own, without a model (Sockeye-style unit tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate.decoding.constraint_state import Constraint, ConstraintSet


def make(*constraints: tuple[tuple[int, ...], ...]) -> ConstraintSet:
    return ConstraintSet([Constraint(alts, f"c{i}") for i, alts in enumerate(constraints)])


def test_initial_state_allows_first_tokens_of_every_alternative() -> None:
    state = make(((1, 2, 3), (4,)), ((5, 6),)).initial_state()
    assert state.allowed() == {1, 4, 5}
    assert not state.all_met()
    assert state.tokens_needed() == 1 + 2  # shortest alternative of each


def test_completing_a_constraint_token_by_token() -> None:
    state = make(((1, 2, 3),)).initial_state()
    state = state.advance(1)
    assert (state.active, state.depth, state.progress) == (0, 1, 1)
    assert state.allowed() == {1, 2}  # continue, or restart the same term
    state = state.advance(2).advance(3)
    assert state.all_met() and state.just_completed and state.progress == 3
    assert state.advance(9).just_completed is False


def test_leaving_a_started_constraint_abandons_its_progress() -> None:
    state = make(((1, 2, 3),)).initial_state().advance(1).advance(2)
    assert state.progress == 2
    abandoned = state.advance(7)
    assert abandoned.active == -1 and abandoned.progress == 0 and not abandoned.all_met()


def test_abandoning_token_may_restart_the_same_constraint() -> None:
    state = make(((1, 2),)).initial_state().advance(1).advance(1)
    assert state.active == 0 and state.depth == 1


def test_disjunctive_alternatives_share_a_prefix() -> None:
    cset = make(((1, 2, 3), (1, 2)))
    assert cset.min_lengths == (2,)
    state = cset.initial_state().advance(1).advance(2)
    assert state.all_met()


def test_a_term_required_twice_needs_two_occurrences() -> None:
    state = make(((1, 2),), ((1, 2),)).initial_state()
    state = state.advance(1).advance(2)
    assert state.met == (True, False)
    assert state.allowed() == {1}
    state = state.advance(1).advance(2)
    assert state.all_met()


def test_budget_restricts_to_the_active_constraint_when_leaving_it_costs_too_much() -> None:
    state = make(((1, 2, 3),), ((5,),)).initial_state().advance(1)
    assert state.tokens_needed() == 3
    assert state.within_budget(3) == ({1, 2, 5}, set())  # leaving costs 4 > 3; restarting or the other fit
    assert state.within_budget(2) == ({2}, set())


def test_budget_bans_alternatives_too_long_to_finish() -> None:
    state = make(((1, 2, 3), (4,)),).initial_state()
    only, banned = state.within_budget(1)
    assert only is None and banned == {1}
    assert state.within_budget(5) == (None, set())


def test_empty_alternative_is_rejected() -> None:
    with pytest.raises(ValueError):
        Constraint(((),), "empty")


sequences = st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple)


@given(st.lists(st.lists(sequences, min_size=1, max_size=3), min_size=1, max_size=4), st.integers(0, 6), st.data())
def test_obeying_the_budget_always_meets_everything(constraints, slack, data) -> None:
    """The guarantee's core: any walk that obeys ``within_budget`` has met every constraint when it ends."""
    cset = ConstraintSet([Constraint(tuple(alts)) for alts in constraints])
    state = cset.initial_state()
    budget = state.tokens_needed() + slack
    while budget > 0:
        budget -= 1  # this step's token uses one slot
        only, banned = state.within_budget(budget)
        choices = sorted(only) if only is not None else sorted(set(range(0, 8)) - banned)
        state = state.advance(data.draw(st.sampled_from(choices)))
        assert state.tokens_needed() <= budget
    assert state.all_met()


@given(st.lists(st.lists(sequences, min_size=1, max_size=3), min_size=1, max_size=4),
       st.lists(st.integers(0, 7), max_size=12))
def test_roomy_budget_shortcut_is_sound(constraints, walk) -> None:
    """``within_budget`` skips the per-token check when the budget covers ``max_needed``: from any state,
    no token may leave more than that to do, so the full check would have allowed everything too."""
    cset = ConstraintSet([Constraint(tuple(alts)) for alts in constraints])
    state = cset.initial_state()
    for token in walk:
        assert all(state.advance(t).tokens_needed() <= cset.max_needed for t in range(0, 8))
        assert state.within_budget(cset.max_needed) == (None, set())
        state = state.advance(token)


@given(st.lists(st.tuples(st.lists(sequences, min_size=1, max_size=3), st.lists(sequences, max_size=2)),
                min_size=1, max_size=4),
       st.lists(st.integers(0, 7), max_size=12))
def test_progress_after_is_the_advanced_states_progress(constraints, walk) -> None:
    """The search banks candidates by ``progress_after`` and advances only those it keeps: the bank must
    be the one the advanced state belongs to, for every token, along any walk (sentence-initial forms too)."""
    cset = ConstraintSet([Constraint(tuple(alts), initial_alternatives=tuple(initial)) for alts, initial in constraints])
    state = cset.initial_state()
    for token in walk:
        assert [state.progress_after(t) for t in range(0, 8)] == [state.advance(t).progress for t in range(0, 8)]
        state = state.advance(token)


@given(st.lists(st.tuples(st.lists(sequences, min_size=1, max_size=3), st.lists(sequences, max_size=2)),
                min_size=1, max_size=4),
       st.lists(st.integers(0, 7), max_size=12))
def test_needed_after_is_the_advanced_states_need(constraints, walk) -> None:
    """``within_budget`` judges every token by ``needed_after`` instead of advancing to it: the figure must be
    the advanced state's ``tokens_needed``, for every token, along any walk (sentence-initial forms too)."""
    cset = ConstraintSet([Constraint(tuple(alts), initial_alternatives=tuple(initial)) for alts, initial in constraints])
    state = cset.initial_state()
    for token in walk:
        assert [state.needed_after(t) for t in range(0, 8)] == [state.advance(t).tokens_needed() for t in range(0, 8)]
        state = state.advance(token)


def test_initial_alternatives_only_open_the_output() -> None:
    cset = ConstraintSet([Constraint(((7, 8),), "minister", initial_alternatives=((9, 8),))])
    start = cset.initial_state()
    assert start.allowed() == {7, 9}
    assert start.advance(9).advance(8).all_met()
    later = start.advance(3)
    assert later.allowed() == {7}
    assert not later.advance(9).advance(8).all_met()


def test_repeating_a_finished_term_is_flagged_unless_required_again() -> None:
    once = make(((1, 2),)).initial_state().advance(1).advance(2)
    assert once.repeat_tokens() == {1}
    twice = make(((1, 2),), ((1, 2),)).initial_state().advance(1).advance(2)
    assert twice.repeat_tokens() == set()  # the second occurrence still needs it
    assert once.advance(5).repeat_tokens() == set()


def test_a_met_terms_longer_form_gives_way_to_an_unmet_term() -> None:
    """A token that both continues a met term's longer alternative and starts an unmet term starts the
    unmet one (found by the property test above: with no slack, the walk had no token left)."""
    cset = ConstraintSet([Constraint(((1,), (1, 1))), Constraint(((1,),))])
    state = cset.initial_state().advance(1)
    assert state.met == (True, False) and state.within_budget(0)[0] == {1}
    assert state.advance(1).all_met()
