"""Per-hypothesis state of lexical constraints, in the manner of Sockeye's ``ConstrainedHypothesis``.

A segment's constraints are fixed once (a :class:`ConstraintSet`); every beam hypothesis carries a small
immutable :class:`ConstraintState` that says which constraints it has met and how far it is into the one
it is currently producing.  Keeping this separate from the beam search makes the bookkeeping testable
without a model, and lets the decoder ask the only three questions it needs:

* which tokens would make progress (``allowed``), to add them as beam candidates;
* which tokens keep every constraint reachable within the remaining length budget (``within_budget``);
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
    """One required term in the target: satisfied by producing any of ``alternatives`` contiguously.

    ``initial_alternatives`` may only open the output (a capitalised form of a lower-case term is
    correct at the start of a sentence, and wrong — a different word, such as the name "Dong" — inside).
    """

    alternatives: tuple[tuple[int, ...], ...]
    label: str = ""
    initial_alternatives: tuple[tuple[int, ...], ...] = ()

    def __post_init__(self) -> None:
        if not self.alternatives or any(len(alt) == 0 for alt in self.alternatives + self.initial_alternatives):
            raise ValueError(f"constraint {self.label!r} needs at least one non-empty token sequence")


class ConstraintSet:
    """The constraints of one segment, compiled into tries."""

    def __init__(self, constraints: Sequence[Constraint], forbidden: Sequence[Sequence[int]] = ()) -> None:
        """``forbidden``: token sequences the output must not contain (deprecated renderings), except as
        part of a term being produced ("Korea" inside "Republic of Korea")."""
        self.constraints = tuple(constraints)
        self.forbidden = tuple(tuple(f) for f in forbidden if f)
        self.roots = tuple(_build_trie(c.alternatives) for c in self.constraints)
        self.initial_roots = tuple(
            _build_trie(c.alternatives + c.initial_alternatives) if c.initial_alternatives else root
            for c, root in zip(self.constraints, self.roots)
        )
        # Lengths from the roots usable anywhere: at the start they can only be shorter, so budgets
        # computed from these never promise too little.
        self.min_lengths = tuple(root.min_remaining for root in self.roots)
        # No token can leave more than this to do (see ConstraintState.within_budget's shortcut).
        self.max_needed = sum(
            max(len(alt) for alt in c.alternatives + c.initial_alternatives) for c in self.constraints
        )

    def __len__(self) -> int:
        return len(self.constraints)

    @property
    def total_tokens(self) -> int:
        """Tokens needed to meet every constraint by its shortest alternative (the number of banks - 1)."""
        return sum(self.min_lengths)

    def initial_state(self) -> "ConstraintState":
        return ConstraintState(self, met=(False,) * len(self.constraints), at_start=True)


@dataclass(frozen=True)
class ConstraintState:
    """Where one hypothesis stands with respect to its segment's constraints.

    ``active``/``node``/``depth`` track a constraint that has been started but not finished; when the
    hypothesis produces a token that does not continue it, the partial progress is abandoned (and the
    token may start a constraint afresh), exactly as in Post & Vilar (2018).  ``just_closed`` is the
    constraint the previous token completed (-1 if none): the next token must not glue onto its last
    word, and should not start the same term again (a double rendering).
    """

    cset: ConstraintSet
    met: tuple[bool, ...]
    active: int = -1
    node: TrieNode | None = None
    completed: int = 0
    depth: int = 0
    just_closed: int = -1
    at_start: bool = False

    @property
    def just_completed(self) -> bool:
        return self.just_closed >= 0

    @property
    def progress(self) -> int:
        """Constraint tokens produced so far: the bank this hypothesis belongs to."""
        return self.completed + self.depth

    def all_met(self) -> bool:
        return all(self.met)

    def _unmet(self) -> list[int]:
        return [i for i, done in enumerate(self.met) if not done and i != self.active]

    def allowed(self) -> frozenset[int]:
        """Tokens that make progress: continue the active constraint, or start (or restart) an unmet one.

        Computed once per state (the search asks for each hypothesis several times per step) and kept
        beside the fields: not a field, so equality and hashing ignore it.
        """
        cached: frozenset[int] | None = self.__dict__.get("_allowed")
        if cached is None:
            tokens: set[int] = set(self.node.children) if self.node is not None else set()
            for i, done in enumerate(self.met):
                if not done:
                    tokens.update(self._roots()[i].children)
            cached = frozenset(tokens)
            object.__setattr__(self, "_allowed", cached)
        return cached

    def _roots(self) -> tuple[TrieNode, ...]:
        return self.cset.initial_roots if self.at_start else self.cset.roots

    def tokens_needed(self) -> int:
        """The fewest further tokens with which every constraint can still be met."""
        active = self.node.min_remaining if self.node is not None else 0
        return active + sum(self.cset.min_lengths[i] for i in self._unmet())

    def within_budget(self, budget: int) -> tuple[set[int] | None, set[int]]:
        """Tokens that keep every constraint reachable when at most ``budget`` tokens may follow this one.

        Returns ``(only, banned)``: when ``only`` is a set, nothing else may be produced (leaving the
        active constraint would cost more than the budget); otherwise any token but ``banned`` is fine
        (``banned`` are constraint tokens that would commit to an alternative too long for the budget).
        Following these rules from a state whose :meth:`tokens_needed` is within the budget always ends
        with every constraint met: the guarantee rests on this method.
        """
        if budget >= self.cset.max_needed:
            # Whatever the next token, at most the longest alternative of every constraint remains: all
            # fit, and the common case of a roomy budget costs no state construction.
            return None, set()
        progress = self._needs()
        if self._needed_if_abandoned() > budget:
            return {t for t, needed in progress.items() if needed <= budget}, set()
        return None, {t for t, needed in progress.items() if needed > budget}

    def _needs(self) -> dict[int, int]:
        """:meth:`needed_after` of every :meth:`allowed` token, computed once per state and kept beside the
        fields as ``allowed`` is: a hypothesis that makes no progress keeps its state from step to step, and
        a tight budget asks this of every row on each of them."""
        cached: dict[int, int] | None = self.__dict__.get("_needs_after")
        if cached is None:
            cached = {t: self.needed_after(t) for t in self.allowed()}
            object.__setattr__(self, "_needs_after", cached)
        return cached

    def repeat_tokens(self) -> set[int]:
        """First tokens that would start the term just completed over again, when no occurrence of it
        is still required: the decoder steers away from them to avoid "ABAC ABAC"."""
        if self.just_closed < 0:
            return set()
        return set(self.cset.roots[self.just_closed].children) - self.allowed()

    def _needed_if_abandoned(self) -> int:
        """Tokens needed if the next token leaves the active constraint: it must then be redone."""
        return sum(length for length, done in zip(self.cset.min_lengths, self.met) if not done)

    def progress_after(self, token: int) -> int:
        """``advance(token).progress``, without building the state.

        The search banks every candidate by it and advances only the few that keep a beam slot.  Outside
        :meth:`allowed` a started term is abandoned and nothing starts: ``completed``.  A token that goes
        on with the active term adds one to its depth, unless that term is met and the token starts an
        unmet one instead (as :meth:`advance` prefers); any other progress token starts a term: one.
        """
        if token not in self.allowed():
            return self.completed
        if self.node is not None and token in self.node.children:
            if not self.met[self.active] or not any(
                token in self._roots()[i].children for i in self._unmet()
            ):
                return self.completed + self.depth + 1
        return self.completed + 1

    def advance(self, token: int) -> "ConstraintState":
        """The state after producing ``token``."""
        entered = self._entered(token)
        if entered is not None:
            return self._enter(*entered)
        if self.node is None and not self.just_completed and not self.at_start:
            return self
        return ConstraintState(self.cset, self.met, completed=self.completed)

    def needed_after(self, token: int) -> int:
        """``advance(token).tokens_needed()``, without building the state: :meth:`within_budget` asks it of
        every progress token of every row while the budget is tight."""
        entered = self._entered(token)
        unmet = self._needed_if_abandoned()
        if entered is None:
            return unmet
        index, node, _ = entered
        # The entered term is met (a terminal node) or active: either way it leaves the sum of the others.
        return node.min_remaining + unmet - (0 if self.met[index] else self.cset.min_lengths[index])

    def _entered(self, token: int) -> tuple[int, TrieNode, int] | None:
        """The constraint ``token`` goes on with or starts, with its trie node and depth there (where
        :meth:`advance` moves), or ``None`` when the token makes no progress."""
        continuing = self.node is not None and token in self.node.children
        if continuing and not self.met[self.active]:
            return self.active, self.node.children[token], self.depth + 1
        # A token may start several constraints: take the one it brings closest to completion (the
        # token lies on one of its shortest alternatives), so that following ``forced`` tokens always
        # lowers ``tokens_needed`` by one; ties go to the earlier constraint, for determinism.
        starts = [
            (child.min_remaining + 1 - self.cset.min_lengths[i], i, child)
            for i in self._unmet() + ([self.active] if self.active >= 0 and not self.met[self.active] else [])
            if (child := self._roots()[i].children.get(token)) is not None
        ]
        if starts:
            _, index, child = min(starts, key=lambda s: (s[0], s[1]))
            return index, child, 1
        if continuing:  # a met term's longer alternative goes on; starting an unmet term (above) is progress first
            return self.active, self.node.children[token], self.depth + 1
        return None

    def _enter(self, index: int, node: TrieNode, depth: int) -> "ConstraintState":
        if node.terminal:
            met = tuple(done or i == index for i, done in enumerate(self.met))
            # A longer alternative may go on from here ("certificate" -> "certificate" "s"): the term is met,
            # and the node stays so that its continuations are progress, not a piece glued onto the term.
            node_kept = node if node.children else None
            return ConstraintState(
                self.cset, met, index if node_kept else -1, node_kept, self.completed + depth, 0, just_closed=index
            )
        return ConstraintState(self.cset, self.met, index, node, self.completed, depth)
