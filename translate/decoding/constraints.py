"""Turn required terms (each a tuple of acceptable renderings) into token-level constraints for one model.

A term's token sequence depends on the model's vocabulary and on where it stands: sentencepiece marks
word starts with ``▁``, and at the start of a sentence the first letter is capitalised.  Each rendering
contributes its word-initial tokenisation, and a lower-case rendering also its capitalised form, usable
only where the output starts; all are alternatives of one disjunctive
:class:`~translate.decoding.constraint_state.Constraint`.

A form the model cannot spell (a character outside its vocabulary decodes as ``⁇``) is spelled without
its diacritics instead ("Türkiye" as "Turkiye") when the model can spell that, and :meth:`ConstraintBuilder.restore`
puts the real form back into the decoded text: the approved rendering is what the reader gets, whatever
the model's vocabulary.  A form that cannot be spelled either way is left out, since forcing it would
produce something else; a term with no spellable form gets no constraint, and the pipeline's final check
reports it as unmet.  Tokenisations are cached: terms recur across a run.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

from glossary.normalize import unaccent

from .constraint_state import Constraint, ConstraintSet


#: Punctuation a term may stand right after, where the model writes the term's first piece without the
#: word-start mark: openers begin a word ("(ASW)"), joiners glue onto the previous one ("Viet Nam-EU").
#: The term is there in the text either way, so either spelling must meet its constraint, or hard mode
#: would force the term a second time.
OPENERS = ("(", "[", "“", '"', "‘")
JOINERS = ("-", "/")


Renderings = tuple[str, ...]
"""One required term occurrence: the renderings that satisfy it, the preferred first."""


def capitalised(rendering: str) -> str:
    return rendering[:1].upper() + rendering[1:]


class ConstraintBuilder:
    """Builds a segment's :class:`ConstraintSet` with a model family's target tokeniser."""

    def __init__(self, encode_target: Callable[[str], list[int]], decode: Callable[[list[int]], str]) -> None:
        self._encode = encode_target
        self._decode = decode
        self.spell = lru_cache(maxsize=16384)(self._spell)

    def _spell(self, text: str) -> tuple[int, ...]:
        """Token ids of ``text`` (or of its unaccented stand-in), or ``()`` when the model can spell neither."""
        for spelling in dict.fromkeys((text, unaccent(text))):
            ids = tuple(self._encode(spelling))
            if ids and self._decode(list(ids)).strip() == spelling.strip():
                return ids
        return ()

    def restore(self, text: str, terms: Sequence[Renderings]) -> str:
        """``text`` with each stand-in spelling of a term's rendering replaced by the rendering itself."""
        for rendering in {r for renderings in terms for form in renderings for r in (form, capitalised(form))}:
            stand_in = unaccent(rendering)
            if stand_in != rendering and self.spell(rendering) and not self._spells_itself(rendering):
                text = re.sub(rf"(?<!\w){re.escape(stand_in)}(?!\w)", rendering.replace("\\", r"\\"), text)
        return text

    @lru_cache(maxsize=4096)
    def _spells_itself(self, rendering: str) -> bool:
        ids = self._encode(rendering)
        return bool(ids) and self._decode(list(ids)).strip() == rendering.strip()

    @lru_cache(maxsize=16384)
    def attached(self, rendering: str) -> frozenset[tuple[int, ...]]:
        """Token sequences of ``rendering`` right after an opener (the opener included) or a joiner."""
        forms = set()
        for opener in OPENERS:
            ids = tuple(self._encode(opener + rendering))
            if ids and self._decode(list(ids)).strip() == opener + rendering:
                forms.add(ids)
        anchor = tuple(self._encode("a"))
        for joiner in JOINERS:
            ids = tuple(self._encode("a" + joiner + rendering))
            rest = ids[len(anchor):]
            if ids[: len(anchor)] == anchor and rest and self._decode(list(rest)).strip() == joiner + rendering:
                forms.add(rest)
        return frozenset(forms)

    def constraint(self, renderings: Renderings, opens_sentence: bool = True) -> Constraint | None:
        """The constraint met by any one of ``renderings`` (the first names it), or None if none is spellable.

        ``opens_sentence=False`` (a piece of a split sentence other than the first) leaves out the
        capitalised forms: the output's start is then the middle of the sentence, where a capital would
        be another word, and the final check on the joined sentence would not count it.
        """
        spelled = {self.spell(r) for r in renderings} - {()}
        anywhere = spelled | {ids for r in renderings if self.spell(r) for ids in self.attached(r)}
        initial = {self.spell(capitalised(r)) for r in renderings if opens_sentence and capitalised(r) != r}
        initial = initial - {()} - anywhere
        if not spelled:
            return None
        return Constraint(tuple(sorted(anywhere)), renderings[0], tuple(sorted(initial)))

    def build(
        self, terms: Sequence[Renderings], opens_sentence: bool = True, forbidden: Sequence[str] = ()
    ) -> ConstraintSet | None:
        """``None`` for a segment without (spellable) terms, so the decoder can take its plain path.

        ``forbidden`` are renderings the output must not contain (deprecated ones), in their word-initial
        and capitalised spellings.
        """
        constraints = [c for c in (self.constraint(t, opens_sentence) for t in terms) if c is not None]
        banned = {ids for r in forbidden for ids in (self.spell(r), self.spell(capitalised(r))) if ids}
        return ConstraintSet(constraints, sorted(banned)) if constraints else None
