"""Translation memory: approved segment pairs reused in a run instead of being decoded.

Ministries' press releases repeat whole sentences from one release to the next, so the cheapest
segment to translate is one a person has already approved.  A :class:`TranslationMemory` is read
from TMX files (what CAT tools exchange; ``translate.tmx``) or TSV files of aligned segments (a
``vi``/``en`` header as in ``corpus/references/*.tsv``, or two columns without a header), and
answers two questions about a source segment:

* :meth:`TranslationMemory.exact` — the approved translation of the same segment, compared after
  the project's normalisation (:func:`normalise`: NFC, runs of spaces, curly/straight quotes), so
  a memory typed on another keyboard still matches;
* :meth:`TranslationMemory.fuzzy` — the most similar remembered segments above a threshold
  (rapidfuzz on the normalised text), offered to the editor, never used silently.

Whether an exact match may be used (it must still contain every approved glossary rendering)
is the pipeline's decision, since only it knows the segment's required terms.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from rapidfuzz import fuzz, process

#: Default lowest similarity (0-100, rapidfuzz ``ratio`` on normalised text) of a fuzzy offer.
FUZZY_THRESHOLD = 75.0
#: At most this many offers per segment: an editor reads the best few, not the whole memory.
FUZZY_LIMIT = 3

_QUOTES = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'",
})
_SPACES = re.compile(r"\s+")


class MemoryFileError(Exception):
    """A memory file that cannot be read; the message names the file (and line) and what is wrong."""


def normalise(text: str) -> str:
    """The form two segments are compared in: NFC, straight quotes, single spaces, no outer spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_QUOTES)).strip()


@dataclass(frozen=True)
class MemoryUnit:
    """One remembered pair; ``origin`` says where it was read ("file.tmx", "file.tsv:12")."""

    source: str
    target: str
    origin: str


@dataclass(frozen=True)
class Offer:
    """A fuzzy match offered to the editor: the remembered pair and how similar its source is (0-100)."""

    source: str
    target: str
    score: float
    origin: str


class TranslationMemory:
    """Remembered segment pairs; a later unit with the same normalised source replaces an earlier one
    (files given later take precedence, as glossary files do)."""

    def __init__(self, units: Iterable[MemoryUnit], *, fuzzy_threshold: float = FUZZY_THRESHOLD) -> None:
        self._by_source: dict[str, MemoryUnit] = {}
        for unit in units:
            if normalise(unit.source) and unit.target.strip():
                self._by_source[normalise(unit.source)] = unit
        self._keys = list(self._by_source)
        self.fuzzy_threshold = fuzzy_threshold

    def __len__(self) -> int:
        return len(self._by_source)

    @classmethod
    def load(cls, paths: Sequence[str | os.PathLike[str]], *, fuzzy_threshold: float = FUZZY_THRESHOLD) -> "TranslationMemory":
        """Read TMX (``.tmx``) and TSV (any other name) files; raises :class:`MemoryFileError`."""
        units: list[MemoryUnit] = []
        for path in map(Path, paths):
            units += read_memory_file(path)
        return cls(units, fuzzy_threshold=fuzzy_threshold)

    def exact_unit(self, source: str) -> MemoryUnit | None:
        """The unit whose source equals ``source`` after normalisation."""
        return self._by_source.get(normalise(source))

    def exact(self, source: str) -> str | None:
        """The remembered translation of ``source``, or None."""
        unit = self.exact_unit(source)
        return unit.target if unit is not None else None

    def fuzzy(self, source: str, threshold: float | None = None, limit: int = FUZZY_LIMIT) -> list[Offer]:
        """Remembered pairs whose source is similar to ``source`` (best first), exact matches excluded."""
        key = normalise(source)
        if not key or not self._keys:
            return []
        cutoff = self.fuzzy_threshold if threshold is None else threshold
        found = process.extract(key, self._keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit + 1)
        offers = [
            Offer(unit.source, unit.target, round(score, 1), unit.origin)
            for match, score, _ in found
            if match != key and (unit := self._by_source[match])
        ]
        return offers[:limit]


def read_memory_file(path: Path) -> list[MemoryUnit]:
    """The pairs of one TMX or TSV file."""
    from .tmx import TmxError, read_tmx

    if path.suffix.lower() == ".tmx":
        try:
            return [MemoryUnit(u.source, u.target, f"{path}") for u in read_tmx(path)]
        except TmxError as err:
            raise MemoryFileError(str(err)) from err
    return _read_tsv(path)


def _read_tsv(path: Path) -> list[MemoryUnit]:
    """Aligned segments: ``vi<TAB>en`` per line, an optional ``vi``/``en`` header, ``#`` comments."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise MemoryFileError(f"{path}: cannot read the memory: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise MemoryFileError(f"{path}: not UTF-8 text (byte {err.start}); a memory is UTF-8 TSV or TMX") from err
    units: list[MemoryUnit] = []
    columns: tuple[int, int] | None = None  # decided by the first row: a vi/en header, or (0, 1)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if columns is None:
            names = [c.strip().lower() for c in cells]
            columns = (names.index("vi"), names.index("en")) if {"vi", "en"} <= set(names) else (0, 1)
            if columns != (0, 1) or names[:2] == ["vi", "en"]:
                continue
        if len(cells) <= max(columns):
            raise MemoryFileError(f"{path}:{number}: expected a Vietnamese and an English cell separated by a tab")
        units.append(MemoryUnit(cells[columns[0]], cells[columns[1]], f"{path}:{number}"))
    return units
