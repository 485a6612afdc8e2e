"""A glossary: an ordered, immutable collection of entries read from one or more files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from functools import cached_property
from pathlib import Path

from .entry import Entry
from .errors import GlossaryError, Problem, errors_in
from .check import read_files
from .formats import write_entries
from .lookup import Hit, Index
from .matcher import Matcher

DATA_DIR = Path(__file__).resolve().parent / "data"


class Glossary:
    """Entries in load order; order matters because later entries override earlier ones in matching.

    Build one with :func:`load_glossary` (files) or ``Glossary(entries)``.  `entries`: the
    :class:`~glossary.entry.Entry` values, kept as a tuple (``len()`` and iteration give them);
    `warnings` are the non-blocking problems (:class:`~glossary.errors.Problem`) found when the
    files were loaded (an entry of a later file overriding an earlier one, cells normalised...),
    for the caller to show.  Use :meth:`matcher` to find terms in text, :meth:`search` to look up.
    """

    def __init__(self, entries: Iterable[Entry] = (), warnings: Iterable[Problem] = ()) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self.warnings: tuple[Problem, ...] = tuple(warnings)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def valid_at(self, day: date) -> Glossary:
        """A new glossary of the entries whose names were in use on `day` (a ``date``); warnings kept."""
        return Glossary((e for e in self.entries if e.is_valid_at(day)), self.warnings)

    def merge(self, other: Glossary) -> Glossary:
        """This glossary followed by `other` (which thus takes precedence), without repeated entries."""
        seen = set(self.entries)
        return Glossary((*self.entries, *(e for e in other.entries if e not in seen)), (*self.warnings, *other.warnings))

    def save(self, path: str | Path) -> None:
        """Write to `path` in the format its extension names (.tsv, .csv, .tbx); returns None.

        Raises GlossaryError for an extension no writer knows."""
        write_entries(self.entries, path)

    def matcher(self, at: date | None = None) -> Matcher:
        """A :class:`~glossary.matcher.Matcher` over these entries (only those valid on the ``date``
        `at`, if given); build it once and call ``find(text)`` per sentence."""
        return Matcher(self.entries, at=at)

    def search(self, query: str, at: date | None = None, limit: int = 10) -> list[Hit]:
        """Entries matching `query` in either language, forgiving diacritics, case and typos.

        `at`: only names valid on that ``date``; `limit`: most hits returned.  Returns the best
        hits first, each a :class:`~glossary.lookup.Hit` (``entry``, the ``field`` and ``value``
        that matched, ``typos`` forgiven).  The index is built on the first search."""
        return self._index.search(query, at=at, limit=limit)

    @cached_property
    def _index(self) -> Index:
        """Built on the first search only: matching-only users never pay for it."""
        return Index(self.entries)


def default_paths() -> list[Path]:
    """The glossary files shipped with the package (glossary/data/*.tsv), in name order."""
    return sorted(DATA_DIR.glob("*.tsv"))


def load_glossary(*paths: str | Path, curated: bool = False) -> Glossary:
    """Load glossary files together, by the rules `vi2en glossary check` applies (`check.read_files`).

    Later files take precedence: an entry overriding one of an earlier file is a warning (in
    `Glossary.warnings`, naming both file:lines), and the matcher uses the later entry.
    Raises GlossaryError listing every error of every file (a broken row, two renderings of
    one term within one file): nothing is dropped or chosen silently. `curated`: type and
    source are required, as in the shipped data.
    """
    entries, problems = read_files(paths, curated)
    if errors_in(problems):
        raise GlossaryError(errors_in(problems))
    return Glossary(entries, problems)
