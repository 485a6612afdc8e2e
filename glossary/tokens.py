"""Splitting text into syllables (the unit of matching) while keeping their original spans.

Matching works on syllables, never on characters, so a term can only match whole syllables
("Anh" is not found inside "Anhui"). Whitespace and dashes between syllables are not tokens:
"châu Á - Thái Bình Dương" and "châu Á-Thái Bình Dương" give the same syllables. Every other
punctuation character is a token of its own, so "ASEAN, Nhật Bản" never matches a term
"ASEAN Nhật Bản" and "ASEAN+3" matches only a term written with "+".

Invisible characters (`normalize.INVISIBLE`: zero-width space, joiners, soft hyphen) are part
of no token and break none: inside a word they stay in its span (so offsets are offsets into the
caller's string) but not in its key; elsewhere they are skipped like spaces. No-break spaces are
whitespace (`\\s`), so they separate syllables like a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .normalize import INVISIBLE, syllable_key

_COMBINING = "\u0300-\u036f"  # NFD text carries its diacritics as separate combining marks
_LETTERS = rf"[\w{_COMBINING}]+"
# Apostrophes inside names (O’Connor); invisible characters inside a syllable (a soft hyphen).
_WORD = rf"{_LETTERS}(?:['\u2019\u02bc]{_LETTERS}|[{INVISIBLE}]+{_LETTERS})*"
# Whitespace, hyphen and dashes separate syllables but are no tokens; invisible characters are none either.
_GAP = rf"\s\-\u2010-\u2015\u2212{INVISIBLE}"
_TOKEN = re.compile(rf"(?P<word>{_WORD})|[^{_GAP}\w{_COMBINING}]")


class Token(NamedTuple):
    """One syllable or punctuation character, with its span in the original text.

    A named tuple, not a dataclass: every syllable of every segment becomes one, and tuples
    are the cheapest immutable records to create (matching speed is a requirement).
    """

    start: int
    end: int
    text: str
    key: str
    is_word: bool

    @property
    def capitalised(self) -> bool:
        """Whether the token starts with an upper-case letter (names, sentence starts)."""
        return self.text[:1].isupper()


def tokenize(text: str) -> list[Token]:
    """The syllables and punctuation of `text`, in order, with spans into `text` itself."""
    tokens = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        tokens.append(Token(m.start(), m.end(), word, syllable_key(word), m.lastgroup == "word"))
    return tokens


@dataclass(frozen=True)
class FormKey:
    """How a Vietnamese term is compared: its syllable keys, plus the single-syllable case rule.

    A one-syllable form written with a capital ("Anh", "Pháp", "Nga") only matches text that is
    capitalised too, because these country names are also everyday words ("anh", "pháp luật").
    """

    syllables: tuple[str, ...]
    needs_capital: bool


def form_key(form: str) -> FormKey:
    """The key of a Vietnamese term as written in a glossary."""
    tokens = tokenize(form)
    return FormKey(tuple(t.key for t in tokens), len(tokens) == 1 and tokens[0].capitalised)
