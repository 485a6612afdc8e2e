"""Searching a glossary from either language, the way people type queries.

A query matches an entry value (vi, a vi variant, en, an English alternative, the acronym) when
every query word matches a word of the value after folding diacritics, case and punctuation
(`normalize.ascii_key`): exactly, by a few typing errors (one for words of 4-7 letters, two
from 8 on), or, for the last query word, as a prefix (so results come while typing).
Results are ranked: fewest typos, then whole-value matches, then the shortest values.

Words are matched against the index vocabulary once per query (not once per entry), and
values are found through an inverted index, so lookups stay instant on large glossaries.
Typo candidates are narrowed before the edit-distance computation: only words of a close
length, and missing at most `limit` of the query word's distinct letters (each edit removes
at most one), are compared.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .check import overridden_by
from .entry import LIST_COLUMNS, Entry, to_row
from .normalize import ascii_key

SEARCHED_FIELDS = ("vi", "vi_variants", "en", "en_alternatives", "acronym")


@dataclass(frozen=True)
class Hit:
    """An entry found by a query, with the value that matched it."""

    entry: Entry
    field: str  # one of SEARCHED_FIELDS
    value: str
    typos: int  # edits needed to match the query words (0 = no typo)
    whole: bool  # the value is exactly the query, up to diacritics, case and punctuation
    overridden_by: Entry | None = None  # a later file's entry that translations use instead of this one

    def to_json(self) -> dict[str, object]:
        """The hit as ``lookup --json`` and the service's /v1 lookup give it: the entry's columns (lists as
        lists), the renderings it produces, where it was read and what matched."""
        entry = self.entry
        return {
            **to_row(entry),
            **{column: list(getattr(entry, column)) for column in LIST_COLUMNS},
            "renderings": list(entry.renderings),
            "origin": entry.location,
            "matched": {"field": self.field, "value": self.value, "typos": self.typos},
            "overridden_by": self.overridden_by.location if self.overridden_by is not None else None,
        }


@dataclass(frozen=True)
class _Value:
    entry_index: int
    field: str
    text: str
    words: tuple[str, ...]


class Index:
    """An inverted index over the searchable values of a list of entries."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._entries = tuple(entries)
        self._overridden = overridden_by(list(self._entries))
        self._values: list[_Value] = []
        self._by_word: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(self._entries):
            for field, text in _searchable(entry):
                words = tuple(ascii_key(text).split())
                for word in words:
                    self._by_word[word].add(len(self._values))
                self._values.append(_Value(index, field, text, words))
        self._sorted_words = sorted(self._by_word)
        self._by_length: dict[int, list[tuple[str, frozenset[str]]]] = defaultdict(list)
        for word in self._sorted_words:
            self._by_length[len(word)].append((word, frozenset(word)))

    def search(self, query: str, at: date | None = None, limit: int = 10) -> list[Hit]:
        """The best `limit` entries for `query`, one hit per entry.

        With `at`, only entries valid on that day; without, entries valid today rank first
        among equally good hits (a renamed body's current name before its old one).
        """
        query_words = ascii_key(query).split()
        if not query_words:
            return []
        per_word = [self._close_words(word, prefix=i == len(query_words) - 1) for i, word in enumerate(query_words)]
        candidates = set.intersection(*(self._values_with(close) for close in per_word))
        day = at or date.today()
        best: dict[int, tuple[tuple[int, bool, bool, int, int], Hit]] = {}
        for value_id in candidates:
            value = self._values[value_id]
            entry = self._entries[value.entry_index]
            if at is not None and not entry.is_valid_at(at):
                continue
            typos = sum(min(close.get(w, 99) for w in value.words) for close in per_word)
            whole = value.words == tuple(query_words)
            winner = self._overridden.get(value.entry_index)
            # An entry a later file overrides comes after the one that takes precedence.
            rank = (typos, not whole, winner is not None, not entry.is_valid_at(day), len(value.words),
                    value.entry_index)
            if value.entry_index not in best or rank < best[value.entry_index][0]:
                best[value.entry_index] = (rank, Hit(entry, value.field, value.text, typos, whole, winner))
        return [hit for _, hit in sorted(best.values(), key=lambda item: item[0])[:limit]]

    def _values_with(self, close: dict[str, int]) -> set[int]:
        found: set[int] = set()
        for word in close:
            found |= self._by_word[word]
        return found

    def _close_words(self, word: str, prefix: bool) -> dict[str, int]:
        """Vocabulary words matching `word`, with the number of typos each needs."""
        close: dict[str, int] = {}
        if prefix:
            start = bisect.bisect_left(self._sorted_words, word)
            for known in self._sorted_words[start:]:
                if not known.startswith(word):
                    break
                close[known] = 0
        elif word in self._by_word:
            close[word] = 0
        limit = 0 if len(word) < 4 else 1 if len(word) < 8 else 2
        letters = frozenset(word)
        for length in range(len(word) - limit, len(word) + limit + 1) if limit else ():
            for known, known_letters in self._by_length.get(length, ()):
                if known not in close and len(letters - known_letters) <= limit:
                    distance = bounded_edit_distance(word, known, limit)
                    if distance <= limit:
                        close[known] = distance
        return close


def _searchable(entry: Entry) -> Iterable[tuple[str, str]]:
    """(field, value) pairs of the entry that a query may match; empty fields are skipped."""
    pairs = [("vi", entry.vi), *(("vi_variants", v) for v in entry.vi_variants), ("en", entry.en),
             *(("en_alternatives", v) for v in entry.en_alternatives), ("acronym", entry.acronym)]
    return [(field, value) for field, value in pairs if value]


def bounded_edit_distance(a: str, b: str, limit: int) -> int:
    """Edit distance (insert, delete, substitute, swap neighbours), or limit + 1 once it exceeds limit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)
