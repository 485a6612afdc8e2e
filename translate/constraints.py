"""Turn planned glossary terms into token-level constraints for one model.

A term's token sequence depends on the model's vocabulary and on where it stands: sentencepiece marks
word starts with ``▁``, and at the start of a sentence the first letter is capitalised.  Each rendering
contributes its word-initial tokenisation, and a lower-case rendering also its capitalised form, usable
only where the output starts; all are alternatives of one disjunctive
:class:`~translate.constraint_state.Constraint`.

A form the model cannot spell (a character outside its vocabulary decodes as ``⁇``) is left out, since
forcing it would produce something else; a term with no spellable form gets no constraint, and the
pipeline's final check reports it as unmet.  Tokenisations are cached: terms recur across a run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Sequence

from .constraint_state import Constraint, ConstraintSet
from .term_plan import PlannedTerm


def capitalised(rendering: str) -> str:
    return rendering[:1].upper() + rendering[1:]


class ConstraintBuilder:
    """Builds a segment's :class:`ConstraintSet` with a model family's target tokeniser."""

    def __init__(self, encode_target: Callable[[str], list[int]], decode: Callable[[list[int]], str]) -> None:
        self._encode = encode_target
        self._decode = decode
        self.spell = lru_cache(maxsize=16384)(self._spell)

    def _spell(self, text: str) -> tuple[int, ...]:
        """Token ids of ``text``, or ``()`` when decoding them would not give ``text`` back."""
        ids = tuple(self._encode(text))
        return ids if ids and self._decode(list(ids)).strip() == text.strip() else ()

    def constraint(self, term: PlannedTerm) -> Constraint | None:
        anywhere = {self.spell(r) for r in term.renderings} - {()}
        initial = {self.spell(capitalised(r)) for r in term.renderings if capitalised(r) != r} - {()} - anywhere
        if not anywhere:
            return None
        return Constraint(tuple(sorted(anywhere)), term.renderings[0], tuple(sorted(initial)))

    def build(self, terms: Sequence[PlannedTerm]) -> ConstraintSet | None:
        """``None`` for a segment without (spellable) terms, so the decoder can take its plain path."""
        constraints = [c for c in map(self.constraint, terms) if c is not None]
        return ConstraintSet(constraints) if constraints else None
