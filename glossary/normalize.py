"""Vietnamese text normalisation for matching and lookup.

Vietnamese text reaches us in many equivalent spellings: precomposed (NFC) or decomposed (NFD)
Unicode, the tone mark on either vowel of "oa/oe/uy" (old "hoà, thuỷ, khoẻ" vs new "hòa, thủy,
khỏe"), "Ð" (Icelandic eth) typed for "Đ", curly or straight apostrophes. Two keys absorb them:

* `syllable_key` keeps every distinction that changes meaning (vowel marks, tone, đ vs d) but
  forgets where the tone mark sits and the letter case: the key the matcher compares.
* `ascii_key` forgets all diacritics too: what people type in a search box ("bo cong thuong").

Invisible characters never hide a term: what counts is what a reader sees. Zero-width
characters, joiners and soft hyphens (`INVISIBLE`) show nothing, so they are ignored ("Công" U+200B "Thương"
reads "CôngThương", "Thư" U+00AD "ơng" reads "Thương"); no-break spaces (`SPACE_LIKE`) show as spaces,
so they are spaces. `visible` applies both rules to a whole text (glossary cells); `syllable_key`
drops the invisible ones from a syllable, and the tokenizer keeps them inside a syllable's span so
that offsets still point into the caller's original string.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The five Vietnamese tone marks as combining characters (huyền, sắc, ngã, hỏi, nặng). Vowel
# marks (circumflex U+0302, breve U+0306, horn U+031B) are not tones and stay in the key.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_TONE_ORDER = sorted(TONE_MARKS)
_DROP_TONES = str.maketrans(dict.fromkeys(TONE_MARKS))

#: Shown as nothing, ignored for matching: zero-width space, ZWNJ, ZWJ, word joiner, soft hyphen,
#: BOM (zero-width no-break space).
INVISIBLE = "\u200b\u200c\u200d\u2060\u00ad\ufeff"
#: Shown as a space, a space for matching: no-break space, narrow no-break space, figure space.
SPACE_LIKE = "\u00a0\u202f\u2007"
_VISIBLE = str.maketrans({**dict.fromkeys(INVISIBLE), **dict.fromkeys(SPACE_LIKE, " ")})
# Look-alike letters and apostrophes folded, invisible characters dropped, before anything else.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u2019": "'", "\u02bc": "'", "\u2018": "'",
                             **dict.fromkeys(INVISIBLE)})
_D_STROKE = str.maketrans({"\u0110": "D", "\u0111": "d"})
_NON_ALNUM = re.compile(r"[\W_]+")


def nfc(text: str) -> str:
    """Precomposed form: what we store and display."""
    return unicodedata.normalize("NFC", text)


def visible(text: str) -> str:
    """`text` as a reader sees it: invisible characters removed, no-break spaces made spaces."""
    return text.translate(_VISIBLE)


@lru_cache(maxsize=1 << 16)
def syllable_key(syllable: str) -> str:
    """Case- and tone-placement-insensitive key of one syllable (cached: the vocabulary is small).

    The tone marks are taken out of the syllable and appended at its end (in a fixed order,
    for the rare foreign word with several), so "hoà", "hòa", "HOÀ" and their NFD forms all
    give the same key while "hoa" and "hóa" stay different.
    """
    decomposed = unicodedata.normalize("NFD", syllable.translate(_LOOKALIKES))
    base = decomposed.translate(_DROP_TONES)
    tones = "".join(mark * decomposed.count(mark) for mark in _TONE_ORDER) if len(base) < len(decomposed) else ""
    return nfc(base).casefold() + tones


def unaccent(text: str) -> str:
    """Drop all diacritics and write Đ/đ as D/d, keeping case, spacing and punctuation.

    This is how Vietnamese names are written in English ("Bùi Thanh Sơn" -> "Bui Thanh Son").
    Letters without a decomposition (ø, ł, ß) are kept as they are.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    return nfc("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def ascii_key(text: str) -> str:
    """Diacritic-, case- and punctuation-insensitive form: words joined by single spaces."""
    folded = unaccent(visible(text).translate(_LOOKALIKES)).casefold()
    return _NON_ALNUM.sub(" ", folded).strip()
