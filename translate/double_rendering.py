"""Detect a forced term standing beside the model's own rendering of the same source words.

Forcing "Ministry of Industry and Trade" into a translation can leave the model's habitual rendering
next to it: "Ministry of Industry and Trade Ministry of Industry and Commerce".  Term accuracy would
call that a success, a reader would not.  This check is run on every constrained segment and reported,
and the evaluation counts it; it looks for two signs right before or after each occurrence of the term:

* the model's unconstrained rendering of the span (when known), e.g. "Ministry of Industry and Commerce";
* a repeated n-gram of the term (two or more words with content, or the whole term when it is a single
  word), e.g. "Ministry of Industry" again, or "ABAC ABAC".
"""

from __future__ import annotations

import re

_STOPWORDS = frozenset("a an and at by for from in of on or the to with".split())
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def _word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text, start, len(text) if end is None else end)]


def _occurrences(target: str, rendering: str) -> list[tuple[int, int]]:
    """Whole-word occurrences of ``rendering``; its first letter may be capitalised at sentence start."""
    head, rest = re.escape(rendering[:1]), re.escape(rendering[1:])
    if rendering[:1].isalpha():
        head = f"[{re.escape(rendering[0].lower())}{re.escape(rendering[0].upper())}]"
    pattern = re.compile(rf"(?<![\w]){head}{rest}(?![\w])", re.UNICODE)
    return [m.span() for m in pattern.finditer(target)]


def _rival_phrases(term: list[str], model_rendering: str | None) -> list[tuple[str, ...]]:
    """Word sequences that, standing next to the term, render the same source words a second time.

    The repeated part of the term must be long enough to be telling: the whole term if it is one word,
    otherwise more than half of it (so "Ministry of Finance" beside "Ministry of Industry and Trade" is
    fine, "Ministry of Industry and Commerce" is not).
    """
    min_n = 1 if len(term) == 1 else max(2, len(term) // 2 + 1)
    phrases = {
        tuple(term[i:j])
        for i in range(len(term))
        for j in range(i + min_n, len(term) + 1)
        if any(w not in _STOPWORDS for w in term[i:j])
    }
    rival = tuple(w for w, _, _ in _word_spans(model_rendering or ""))
    if rival and not _is_within(rival, tuple(term)) and not _is_within(tuple(term), rival):
        phrases.add(rival)
    return sorted(phrases, key=len, reverse=True)


def _is_within(small: tuple[str, ...], big: tuple[str, ...]) -> bool:
    return any(big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1))


def find_double_renderings(target: str, rendering: str, model_rendering: str | None = None) -> list[str]:
    """Snippets of ``target`` where ``rendering`` stands beside another rendering of the same words.

    "Beside" means the rival phrase begins within the first two words after the term, or ends within
    the last two words before it (room for "the" or a parenthesis), with no list separator (comma,
    semicolon, "and") in between: "the Ministry of Foreign Affairs, the Ministry of Finance" is a list,
    not a double rendering.  Returns one snippet per place, overlapping findings merged; an empty list
    means the term reads cleanly.
    """
    term = [w for w, _, _ in _word_spans(rendering)]
    if not term:
        return []
    phrases = _rival_phrases(term, model_rendering)
    spans: list[tuple[int, int]] = []
    for start, end in _occurrences(target, rendering):
        after = _word_spans(target, end)
        before = _word_spans(target, 0, start)
        for phrase in phrases:
            n = len(phrase)
            hit_after = [
                i for i in (0, 1)
                if tuple(w for w, _, _ in after[i : i + n]) == phrase
                and not _separates(target[end : after[i][1]])
                and not _introduces_acronym(target[end : after[i][1]], target[after[i][1] : after[i + n - 1][2]])
            ]
            hit_before = [
                i for i in (0, 1)
                if len(before) >= n + i
                and tuple(w for w, _, _ in before[len(before) - n - i : len(before) - i]) == phrase
                and not _separates(target[before[len(before) - 1 - i][2] : start])
            ]
            if hit_after:
                spans.append((start, after[hit_after[0] + n - 1][2]))
                break
            if hit_before:
                spans.append((before[len(before) - n - hit_before[0]][1], end))
                break
    return [target[a:b] for a, b in _merge(spans)]


def _separates(gap: str) -> bool:
    """Whether the text between two phrases marks them as items of a list."""
    return bool(re.search(r"[,;]|\band\b", gap))


def _introduces_acronym(gap: str, phrase: str) -> bool:
    """"Full Name (ACR)" is news style for introducing an acronym, not a second rendering."""
    return gap.strip() == "(" and phrase.isupper() and " " not in phrase


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
