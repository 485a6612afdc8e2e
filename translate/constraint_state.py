"""Per-hypothesis state of lexical constraints, in the manner of Sockeye's ``ConstrainedHypothesis``.

A segment's constraints are fixed once (a :class:`ConstraintSet`); every beam hypothesis carries a small
immutable :class:`ConstraintState` that says which constraints it has met and how far it is into the one
it is currently producing.  Keeping this separate from the beam search makes the bookkeeping testable
without a model, and lets the decoder ask the only three questions it needs:

* which tokens would make progress (``allowed``), to add them as beam candidates;
* which tokens it *must* take when the remaining length budget is just enough (``forced``);
* how many constraint tokens it has produced (``progress``), to put it in a bank (dynamic beam allocation).

A constraint is *disjunctive*: any one of its alternatives (token sequences: the preferred English
rendering, accepted alternatives, the sentence-initial capitalised form) satisfies it.  Alternatives are
stored in a trie so that alternatives sharing a prefix are tracked together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


@dataclass(eq=False)
class TrieNode:
    """A node of a constraint's alternatives trie.

    ``min_remaining`` is the fewest tokens from this node to the end of some alternative; the decoder uses
    it to know when it must stop exploring and finish the constraint within the length budget.
    """

    children: dict[int, "TrieNode"] = field(default_factory=dict)
    terminal: bool = False
    min_remaining: int = 0


def _build_trie(alternatives: Sequence[Sequence[int]]) -> TrieNode:
    root = TrieNode()
    for alt in alternatives:
        node = root
        for token in alt:
            node = node.children.setdefault(token, TrieNode())
        node.terminal = True
    _set_min_remaining(root)
    return root


def _set_min_remaining(node: TrieNode) -> int:
    child_mins = [_set_min_remaining(child) + 1 for child in node.children.values()]
    node.min_remaining = 0 if node.terminal else min(child_mins)
    return node.min_remaining


@dataclass(frozen=True)
class Constraint:
    """One required term in the target: satisfied by producing any of ``alternatives`` contiguously."""

    alternatives: tuple[tuple[int, ...], ...]
    label: str = ""

    def __post_init__(self) -> None:
        if not self.alternatives or any(len(alt) == 0 for alt in self.alternatives):
            raise ValueError(f"constraint {self.label!r} needs at least one non-empty token sequence")


class ConstraintSet:
    """The constraints of one segment, compiled into tries."""

    def __init__(self, constraints: Sequence[Constraint]) -> None:
        self.constraints = tuple(constraints)
        self.roots = tuple(_build_trie(c.alternatives) for c in self.constraints)
        self.min_lengths = tuple(root.min_remaining for root in self.roots)
        # Starting tokens of each constraint, used to begin a constraint from any hypothesis.
        self.first_tokens = tuple(frozenset(root.children) for root in self.roots)

    def __len__(self) -> int:
        return len(self.constraints)

    @property
    def total_tokens(self) -> int:
        """Tokens needed to meet every constraint by its shortest alternative (the number of banks - 1)."""
        return sum(self.min_lengths)

    def initial_state(self) -> "ConstraintState":
        return ConstraintState(self, met=(False,) * len(self.constraints))


@dataclass(frozen=True)
class ConstraintState:
    """Where one hypothesis stands with respect to its segment's constraints.

    ``active``/``node``/``depth`` track a constraint that has been started but not finished; when the
    hypothesis produces a token that does not continue it, the partial progress is abandoned (and the
    token may start a constraint afresh), exactly as in Post & Vilar (2018).  ``just_completed`` tells the
    decoder that the previous token closed a term, so the next one must not glue onto its last word.
    """

    cset: ConstraintSet
    met: tuple[bool, ...]
    active: int = -1
    node: TrieNode | None = None
    completed: int = 0
    depth: int = 0
    just_completed: bool = False

    @property
    def progress(self) -> int:
        """Constraint tokens produced so far: the bank this hypothesis belongs to."""
        return self.completed + self.depth

    def all_met(self) -> bool:
        return all(self.met)

    def _unmet(self) -> list[int]:
        return [i for i, done in enumerate(self.met) if not done and i != self.active]

    def allowed(self) -> set[int]:
        """Tokens that make progress: continue the active constraint or start an unmet one."""
        tokens: set[int] = set(self.node.children) if self.node is not None else set()
        for i in self._unmet():
            tokens |= self.cset.first_tokens[i]
        return tokens

    def tokens_needed(self) -> int:
        """The fewest further tokens with which every constraint can still be met."""
        active = self.node.min_remaining if self.node is not None else 0
        return active + sum(self.cset.min_lengths[i] for i in self._unmet())

    def forced(self) -> set[int]:
        """Tokens that keep every constraint reachable when the budget is exactly :meth:`tokens_needed`."""
        if self.node is not None:
            return _shortest_steps(self.node)
        tokens: set[int] = set()
        for i in self._unmet():
            tokens |= _shortest_steps(self.cset.roots[i])
        return tokens

    def advance(self, token: int) -> "ConstraintState":
        """The state after producing ``token``."""
        if self.node is not None and token in self.node.children:
            return self._enter(self.active, self.node.children[token], self.depth + 1)
        candidates = self._unmet() + ([self.active] if self.active >= 0 else [])
        for i in sorted(candidates):
            child = self.cset.roots[i].children.get(token)
            if child is not None:
                return self._enter(i, child, 1)
        if self.node is None and not self.just_completed:
            return self
        return ConstraintState(self.cset, self.met, completed=self.completed)

    def _enter(self, index: int, node: TrieNode, depth: int) -> "ConstraintState":
        if node.terminal:
            met = tuple(done or i == index for i, done in enumerate(self.met))
            return ConstraintState(self.cset, met, completed=self.completed + depth, just_completed=True)
        return ConstraintState(self.cset, self.met, index, node, self.completed, depth)


def _shortest_steps(node: TrieNode) -> set[int]:
    """Children of ``node`` that lie on a shortest path to the end of an alternative."""
    return {t for t, child in node.children.items() if child.min_remaining == node.min_remaining - 1}
