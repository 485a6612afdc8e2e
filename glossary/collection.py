"""A glossary: an ordered, immutable collection of entries read from one or more files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from functools import cached_property
from pathlib import Path

from .entry import Entry
from .errors import GlossaryError, Problem, errors_in
from .formats import read_entries, write_entries
from .lookup import Hit, Index
from .matcher import Matcher

DATA_DIR = Path(__file__).resolve().parent / "data"


class Glossary:
    """Entries in load order; order matters because later entries override earlier ones in matching."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def valid_at(self, day: date) -> Glossary:
        """The entries whose names were in use on `day`."""
        return Glossary(e for e in self.entries if e.is_valid_at(day))

    def merge(self, other: Glossary) -> Glossary:
        """This glossary followed by `other` (which thus takes precedence), without repeated entries."""
        seen = set(self.entries)
        return Glossary((*self.entries, *(e for e in other.entries if e not in seen)))

    def save(self, path: str | Path) -> None:
        """Write to `path` in the format its extension names (.tsv, .csv, .tbx)."""
        write_entries(self.entries, path)

    def matcher(self, at: date | None = None) -> Matcher:
        """A matcher over these entries (only those valid on `at`, if given)."""
        return Matcher(self.entries, at=at)

    def search(self, query: str, at: date | None = None, limit: int = 10) -> list[Hit]:
        """Entries matching `query` in either language, forgiving diacritics, case and typos."""
        return self._index.search(query, at=at, limit=limit)

    @cached_property
    def _index(self) -> Index:
        """Built on the first search only: matching-only users never pay for it."""
        return Index(self.entries)


def default_paths() -> list[Path]:
    """The glossary files shipped with the package (glossary/data/*.tsv), in name order."""
    return sorted(DATA_DIR.glob("*.tsv"))


def load_glossary(*paths: str | Path) -> Glossary:
    """Load and concatenate glossary files (later files take precedence in matching).

    Raises GlossaryError listing every row error of every file: a broken row is never dropped
    silently. Cross-entry problems (duplicates, conflicting renderings) do not block loading,
    since a project glossary may deliberately override a shipped one; `check` reports them.
    """
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in paths:
        file_entries, file_problems = read_entries(path)
        entries += file_entries
        problems += errors_in(file_problems)
    if problems:
        raise GlossaryError(problems)
    return Glossary(entries)
