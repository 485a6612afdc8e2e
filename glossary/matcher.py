"""Finding glossary terms in Vietnamese text with a trie over syllables.

Matching rules (each one has a test):

* Syllables are compared by `normalize.syllable_key`: case, NFC/NFD and old/new tone-mark
  placement do not matter; whitespace and dashes between syllables do not matter either
  (`châu Á - Thái Bình Dương` = `châu Á-Thái Bình Dương`); every vi_variant is a form too.
* Only whole syllables match: a term never matches inside a longer word.
* Case rule: a one-syllable form written with a capital ("Anh" = United Kingdom, "Pháp",
  "Nga", "Mỹ", "Ý", "Đức") only matches capitalised text, since the same syllables are common
  words ("anh", "pháp luật", "ý kiến", "đạo đức"). Longer forms match in any case.
  Known limitation: at a sentence start capitalisation says nothing, so "Anh ấy nói" ("He
  said") still yields "Anh" = United Kingdom.
* Overlaps: every occurrence of every form is a candidate; candidates are taken longest first
  (then leftmost), skipping any that overlaps one already taken. So a longer entry always wins
  over the entries inside it, and two entries that merely touch are both found:
  "Bộ trưởng Bộ Công Thương" gives the title "Bộ trưởng" and the ministry "Bộ Công Thương"
  unless the glossary has the whole phrase as one entry. A mangled middle never appears,
  because only glossary forms are candidates.
* Several entries with the same form: with a date, only entries valid on that date count;
  without one, an entry valid today is preferred, then the one loaded last (so a project
  glossary loaded after the shipped one overrides it).

Cost: one trie walk per syllable, as deep as the longest form that continues there, so the
time depends on the text length, not on the number of entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .entry import Entry
from .tokens import Token, form_key, tokenize


@dataclass(frozen=True)
class Match:
    """A glossary entry found at text[start:end] (offsets into the caller's original string).

    `text` is that slice as it stands in the text; `entry` the :class:`~glossary.entry.Entry` matched.
    """

    start: int
    end: int
    text: str
    entry: Entry


class _Node:
    __slots__ = ("children", "candidates")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.candidates: list[tuple[bool, Entry]] = []  # (needs a capital, entry), best first


class Matcher:
    """Finds the entries of a glossary in text; build once, call `find` per segment.

    ``Matcher(entries, at=None, today=None)``: `entries` in load order (later ones win a tie);
    `at` keeps only the names valid on that date; otherwise every name matches and `today`
    (default: the real today) decides which is preferred where an old and a new name share a form.
    """

    def __init__(self, entries: Iterable[Entry], at: date | None = None, today: date | None = None) -> None:
        """Index `entries` (only those valid on `at`, if given); `today` decides preferences when `at` is None."""
        today = today or date.today()
        self._root = _Node()
        ranked: list[tuple[tuple[bool, int], bool, tuple[str, ...], Entry]] = []
        for order, entry in enumerate(entries):
            if at is not None and not entry.is_valid_at(at):
                continue
            rank = (not entry.is_valid_at(today), -order)
            for form in entry.vi_forms:
                key = form_key(form)
                if key.syllables:
                    ranked.append((rank, key.needs_capital, key.syllables, entry))
        ranked.sort(key=lambda item: item[0])
        for _, needs_capital, syllables, entry in ranked:
            node = self._root
            for syllable in syllables:
                node = node.children.setdefault(syllable, _Node())
            if (needs_capital, entry) not in node.candidates:
                node.candidates.append((needs_capital, entry))

    def find(self, text: str) -> list[Match]:
        """All non-overlapping glossary terms in `text`, sorted by start (rules in the module doc).

        Returns a list of :class:`Match` (``start``, ``end``, ``text``, ``entry``); the longest
        match wins where terms overlap, and an empty list means no term occurs."""
        tokens = tokenize(text)
        found = sorted(self._candidates(tokens), key=lambda c: (c[0] - c[1], c[0]))
        taken = [False] * len(tokens)
        matches: list[Match] = []
        for first, stop, entry in found:
            if any(taken[first:stop]):
                continue
            taken[first:stop] = [True] * (stop - first)
            start, end = tokens[first].start, tokens[stop - 1].end
            matches.append(Match(start, end, text[start:end], entry))
        return sorted(matches, key=lambda m: m.start)

    def _candidates(self, tokens: list[Token]) -> Iterable[tuple[int, int, Entry]]:
        """(first token, stop token, entry) of every occurrence of every form."""
        for first, token in enumerate(tokens):
            node = self._root
            for stop in range(first, len(tokens)):
                node = node.children.get(tokens[stop].key)
                if node is None:
                    break
                for needs_capital, entry in node.candidates:
                    if not needs_capital or token.capitalised:
                        yield first, stop + 1, entry
                        break
