"""Split Vietnamese news text into translation segments.

Machine translation models are trained on single sentences; feeding them whole
paragraphs makes them drop or hallucinate content, and feeding them fragments of a
sentence loses context.  This module finds sentence boundaries conservatively (a
missed boundary only makes one segment longer, a wrong boundary breaks a sentence in
two) and, for segments that are still too long for the model, finds clause
boundaries that keep the pieces balanced.

Both functions only ever cut *between* whitespace-separated tokens, so joining their
output with single spaces gives back the input with its whitespace normalised; no
character is ever dropped, added or reordered.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Callable, Sequence

__all__ = ["ABBREVIATIONS", "split_long", "split_long_spans", "split_sentences"]

#: Tokens that end in a period without ending a sentence (Vietnamese titles and
#: administrative units, common English ones).  Compared case-sensitively, so every
#: spelling that occurs in the wild is listed.  Single letters ("H.", "Q.") and
#: dotted letter sequences ("v.v.", "U.S.") are handled by rule, not listed here.
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "TP.", "Tp.", "tp.",  # thành phố (city)
        "TX.", "Tx.",  # thị xã (town)
        "TT.", "Tt.",  # thị trấn (township)
        "ThS.", "Ths.",  # thạc sĩ (MSc)
        "TS.", "Ts.",  # tiến sĩ (PhD)
        "PGS.", "GS.",  # phó giáo sư, giáo sư (professor)
        "BS.", "KS.", "CN.", "NXB.",  # bác sĩ, kỹ sư, cử nhân, nhà xuất bản
        "tr.", "Tr.",  # trang (page)
        "St.", "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "No.", "Nr.", "Co.", "Jr.", "vs.",
    }
)

_TERMINAL = ".!?…"
#: Characters that may follow the terminal punctuation of a sentence.
_CLOSERS = "”\"’»)]"
#: Characters that may precede the first letter of a sentence.
_OPENERS = "“\"‘«([–—-"
_END_RE = re.compile(f"[{re.escape(_TERMINAL)}]+[{re.escape(_CLOSERS)}]*$")
_DOTTED_LETTERS_RE = re.compile(r"(?:[^\W\d_]\.)+")

#: Bracket pairs whose inside is never cut by split_sentences.  Single curly quotes
#: are left out on purpose: ’ doubles as the apostrophe (“O’Connor”).
_PAIRS = {"“": "”", "(": ")", "[": "]", "«": "»"}


def _is_abbreviation(token: str) -> bool:
    """Whether a token ending in "." is an abbreviation rather than a sentence end.

    "PGS.TS." is judged by its last part, so "TP.HCM." (a city name at the end of a
    sentence) still ends the sentence while "PGS.TS." does not.
    """
    word = token.lstrip(_OPENERS)
    last = word[word.rstrip(".").rfind(".") + 1 :]
    return last in ABBREVIATIONS or _DOTTED_LETTERS_RE.fullmatch(word) is not None


def _starts_sentence(token: str) -> bool:
    """Whether a token can begin a sentence: an upper-case letter or a digit,
    possibly behind opening quotes, brackets or a dialogue dash."""
    word = token.lstrip(_OPENERS)
    return bool(word) and (word[0].isupper() or word[0].isdigit())


def _ends_sentence(token: str, next_token: str) -> bool:
    """Whether a sentence boundary lies between two adjacent tokens, ignoring
    quotes and brackets (those are the caller's concern)."""
    match = _END_RE.search(token)
    if match is None or not _starts_sentence(next_token):
        return False
    if token[match.start() :].rstrip(_CLOSERS) == ".":
        return not _is_abbreviation(token[: match.end()].rstrip(_CLOSERS))
    return True


def _enclosure_depths(tokens: list[str]) -> list[int]:
    """For each gap after tokens[i], how many *balanced* quote/bracket pairs enclose it.

    Openers that are never closed in the paragraph (a frequent scraping accident) do
    not count: otherwise one stray “ would glue the rest of the paragraph together.
    """
    chars: list[str] = []
    gap_offsets: list[int] = []
    for token in tokens:
        chars.extend(token)
        gap_offsets.append(len(chars))
    delta = [0] * (len(chars) + 1)
    stacks: dict[str, list[int]] = {opener: [] for opener in _PAIRS}
    closer_of = {closer: opener for opener, closer in _PAIRS.items()}
    open_straight: int | None = None
    for index, char in enumerate(chars):
        if char in stacks:
            stacks[char].append(index)
        elif char in closer_of and stacks[closer_of[char]]:
            delta[stacks[closer_of[char]].pop()] += 1
            delta[index] -= 1
        elif char == '"':
            if open_straight is None:
                open_straight = index
            else:
                delta[open_straight] += 1
                delta[index] -= 1
                open_straight = None
    depth_before = list(accumulate(delta, initial=0))
    return [depth_before[offset] for offset in gap_offsets]


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences.

    A boundary is a token ending in . ! ? or … (optionally followed by closing quotes
    or brackets) whose next token starts with an upper-case letter or digit, outside
    any balanced quotation or parenthesis, and not after an abbreviation.  Dates
    (8-9/11, 24/10/2020) and numbers (4,5%, 1.000) never contain a space, so they are
    never cut.  Text without terminal punctuation is one sentence.  Whitespace is
    normalised to single spaces; an empty paragraph gives no sentences.
    """
    tokens = paragraph.split()
    depths = _enclosure_depths(tokens)
    sentences: list[str] = []
    start = 0
    for index in range(len(tokens) - 1):
        if depths[index] == 0 and _ends_sentence(tokens[index], tokens[index + 1]):
            sentences.append(" ".join(tokens[start : index + 1]))
            start = index + 1
    if start < len(tokens):
        sentences.append(" ".join(tokens[start:]))
    return sentences


#: Conjunctions that open a new clause when preceded by a comma (checked on the
#: lower-cased words after the comma, longest first).
_CLAUSE_CONJUNCTIONS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(phrase.split())
            for phrase in (
                "và", "nhưng", "song", "còn", "mà", "nên", "hoặc", "trong khi", "tuy nhiên",
                "đồng thời", "do đó", "vì vậy", "vì thế", "bởi vì", "mặc dù", "nhằm", "để",
            )
        ),
        key=len,
        reverse=True,
    )
)

# Boundary strengths, best first; the last one (any gap between words) always exists.
_SENTENCE, _SEMICOLON, _COLON, _CONJUNCTION, _COMMA, _WORD = range(6)
#: A piece whose estimated token count exceeds max_tokens by this factor is split
#: without asking count_tokens, which may be a slow tokenizer call.
_SURE_TOO_LONG = 1.3
#: Candidate cuts leaving at least this share of the text on either side count as
#: balanced; a stronger boundary is only preferred within this window.
_BALANCE_WINDOW = 0.25


def _boundary_strength(words: list[str], index: int) -> int:
    """How good a place the gap after words[index] is for cutting a clause."""
    word, following = words[index], words[index + 1 : index + 4]
    if _ends_sentence(word, following[0]):
        return _SENTENCE
    if word.endswith(";"):
        return _SEMICOLON
    if word.endswith(":"):
        return _COLON
    if word.endswith(","):
        lowered = [w.lower().strip(",") for w in following]
        for conjunction in _CLAUSE_CONJUNCTIONS:
            if tuple(lowered[: len(conjunction)]) == conjunction:
                return _CONJUNCTION
        return _COMMA
    return _WORD


def split_long(segment: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """The pieces of :func:`split_long_spans`, as text with whitespace normalised."""
    return [" ".join(segment[start:end].split()) for start, end in split_long_spans(segment, max_tokens, count_tokens)]


def split_long_spans(
    segment: str,
    max_tokens: int,
    count_tokens: Callable[[str], int],
    unbreakable: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Cut a segment that is too long for the model into pieces of at most max_tokens.

    Returns (start, end) character spans of `segment`, in order; each piece is the text
    between them with its whitespace normalised.  Cuts go at the strongest available
    clause boundary (sentence end, ;, :, comma before a conjunction such as ", và" /
    ", nhưng" / ", trong khi", other commas) that keeps the two sides balanced,
    recursively; only a piece without any usable punctuation is cut between arbitrary
    words.  No cut falls inside an `unbreakable` span (a glossary term: cutting it would
    lose the term), even if a piece then stays too long.  Token counts are estimated
    from the character length using the ratio measured on the whole segment, and
    count_tokens is only asked to confirm pieces that the estimate says may fit — about
    one call per resulting piece, not one per candidate cut.

    Nothing is dropped: the pieces cover every word.  A single word longer than
    max_tokens is returned whole, since cutting inside a word would change the text.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    spans = [m.span() for m in re.finditer(r"\S+", segment)]
    if not spans:
        return []
    words = [segment[start:end] for start, end in spans]
    text = " ".join(words)
    measured = {(0, len(words)): count_tokens(text)}
    if measured[0, len(words)] <= max_tokens:
        return [(spans[0][0], spans[-1][1])]
    # ends[i] = character offset in text where words[i + 1] starts.
    ends = list(accumulate(len(w) + 1 for w in words))
    tokens_per_char = measured[0, len(words)] / len(text)
    strengths = [_boundary_strength(words, i) for i in range(len(words) - 1)]
    # Gap i (after words[i]) is closed when a protected span runs across it.
    closed = {
        i for i in range(len(words) - 1)
        if any(start < spans[i][1] and spans[i + 1][0] < end for start, end in unbreakable)
    }

    def span_chars(lo: int, hi: int) -> int:
        return ends[hi - 1] - (ends[lo - 1] if lo else 0) - 1

    def fits(lo: int, hi: int) -> bool:
        if span_chars(lo, hi) * tokens_per_char > max_tokens * _SURE_TOO_LONG:
            return False
        if (lo, hi) not in measured:
            measured[lo, hi] = count_tokens(" ".join(words[lo:hi]))
        return measured[lo, hi] <= max_tokens

    def choose_cut(lo: int, hi: int) -> int | None:
        """Index of the first word of the right piece when cutting words[lo:hi] (None: no open gap)."""
        first, size = ends[lo - 1] if lo else 0, span_chars(lo, hi)
        middle = first + size / 2
        lowest, highest = first + size * _BALANCE_WINDOW, first + size * (1 - _BALANCE_WINDOW)
        gaps = [i for i in range(lo, hi - 1) if i not in closed]
        if not gaps:
            return None
        # Any cut inside the balance window beats every cut outside it; among those,
        # the strongest boundary wins, then the most central one.
        return 1 + min(gaps, key=lambda i: (not lowest <= ends[i] <= highest, strengths[i], abs(ends[i] - middle)))

    def pieces(lo: int, hi: int) -> list[tuple[int, int]]:
        cut = None if hi - lo == 1 or fits(lo, hi) else choose_cut(lo, hi)
        if cut is None:
            return [(spans[lo][0], spans[hi - 1][1])]
        return pieces(lo, cut) + pieces(cut, hi)

    return pieces(0, len(words))
