"""Turn planned glossary terms into token-level constraints for one model.

A term's token sequence depends on the model's vocabulary and on where it stands: sentencepiece marks
word starts with ``▁``, and at the start of a sentence the first letter is capitalised.  Each rendering
therefore contributes its word-initial tokenisation and, where it differs, that of its capitalised
form; all of them are alternatives of one disjunctive :class:`~translate.constraint_state.Constraint`.
Tokenisations are cached because the same terms recur across a document and a run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Sequence

from .constraint_state import Constraint, ConstraintSet
from .term_plan import PlannedTerm


def surface_forms(rendering: str) -> tuple[str, ...]:
    """The rendering and, for a lower-case start, its sentence-initial capitalised form."""
    capitalised = rendering[:1].upper() + rendering[1:]
    return (rendering,) if capitalised == rendering else (rendering, capitalised)


class ConstraintBuilder:
    """Builds a segment's :class:`ConstraintSet` with a model family's target tokeniser."""

    def __init__(self, encode_target: Callable[[str], list[int]]) -> None:
        self._encode = lru_cache(maxsize=16384)(lambda text: tuple(encode_target(text)))

    def constraint(self, term: PlannedTerm) -> Constraint:
        alternatives = {
            self._encode(form) for rendering in term.renderings for form in surface_forms(rendering)
        }
        alternatives.discard(())
        return Constraint(tuple(sorted(alternatives)), label=term.renderings[0])

    def build(self, terms: Sequence[PlannedTerm]) -> ConstraintSet | None:
        """``None`` for a segment without terms, so the decoder can take its plain path."""
        if not terms:
            return None
        return ConstraintSet([self.constraint(t) for t in terms])
