"""One glossary entry, and how one row of a glossary file becomes one (or a list of problems).

Row parsing is shared by every file format (TSV, CSV, TBX): each reader turns its rows into
`{column: text}` mappings and `parse_row` applies the same rules to all of them, so a file
converted from one format to another is judged the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from .errors import Problem, Severity, errors_in
from .normalize import nfc, unaccent

COLUMNS: tuple[str, ...] = (
    "vi", "en", "type", "vi_variants", "en_alternatives", "acronym",
    "valid_from", "valid_to", "source", "note",
)
LIST_SEPARATOR = " | "
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
Report = Callable[[str], None]  # records one error about the row being parsed


class EntryType(str, Enum):
    """What kind of thing a term names; the constraint layer treats persons specially."""

    ORGANIZATION = "organization"
    PERSON = "person"
    TITLE = "title"
    PLACE = "place"
    ACRONYM = "acronym"
    AGREEMENT = "agreement"
    EVENT = "event"
    DOCUMENT = "document"
    OTHER = "other"


@dataclass(frozen=True)
class Entry:
    """A Vietnamese term and its English renderings (the first, `en`, preferred).

    `origin` (file, line) is where the entry was read; it is not part of the entry's identity,
    so the same entry read from a TSV and from its TBX export compares equal.
    """

    vi: str
    en: str
    type: EntryType
    vi_variants: tuple[str, ...] = ()
    en_alternatives: tuple[str, ...] = ()
    acronym: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = ""
    note: str = ""
    origin: tuple[str, int] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Accept "person" as well as EntryType.PERSON so callers can build entries from plain data.
        object.__setattr__(self, "type", EntryType(self.type))

    @property
    def vi_forms(self) -> tuple[str, ...]:
        """Every Vietnamese spelling that names this entry."""
        return (self.vi, *self.vi_variants)

    @property
    def renderings(self) -> tuple[str, ...]:
        """Acceptable English renderings, preferred first.

        A person entry without `en` is rendered by the unaccent rule ("Bùi Thanh Sơn" ->
        "Bui Thanh Son"), so names need not be typed twice in the glossary.
        """
        preferred = self.en or (unaccent(self.vi) if self.type is EntryType.PERSON else "")
        return tuple(r for r in (preferred, *self.en_alternatives) if r)

    def is_valid_at(self, day: date) -> bool:
        """Whether the name was in use on `day` (valid_to is the last valid day)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def overlaps(self, other: Entry) -> bool:
        """Whether the two validity periods share at least one day (open ends are unbounded)."""
        return (self.valid_from is None or other.valid_to is None or self.valid_from <= other.valid_to) and (
            other.valid_from is None or self.valid_to is None or other.valid_from <= self.valid_to
        )


def to_row(entry: Entry) -> dict[str, str]:
    """The entry as file cells, one per column of `COLUMNS`."""
    return {
        "vi": entry.vi,
        "en": entry.en,
        "type": entry.type.value,
        "vi_variants": LIST_SEPARATOR.join(entry.vi_variants),
        "en_alternatives": LIST_SEPARATOR.join(entry.en_alternatives),
        "acronym": entry.acronym,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else "",
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else "",
        "source": entry.source,
        "note": entry.note,
    }


def parse_row(cells: Mapping[str, str], path: str, line: int) -> tuple[Entry | None, list[Problem]]:
    """Validate one row; return its entry (None if it has errors) and every problem found.

    Cells are NFC-normalised and stripped (with a warning) so that what is stored is what the
    matcher and the file diff see.
    """
    problems: list[Problem] = []

    def report(message: str, severity: Severity = Severity.ERROR) -> None:
        """Record a problem of this row (every one is kept, not just the first)."""
        problems.append(Problem(path, line, message, severity))

    clean: dict[str, str] = {}
    for column in COLUMNS:
        raw = cells.get(column, "")
        if "\t" in raw or "\n" in raw or "\r" in raw:
            report(f"{column}: tab or line break inside a cell")
        value = nfc(raw.strip())
        if value != raw:
            report(f"{column}: surrounding spaces or non-NFC text (normalised)", Severity.WARNING)
        clean[column] = value

    kind = _parse_type(clean["type"], report)
    for column in ("vi", "source"):
        if not clean[column]:
            report(f"missing {column}")
    if clean["vi"].startswith("#"):
        report("vi starts with '#': in a TSV file that row would read as a comment")
    if not clean["en"] and kind is not EntryType.PERSON:
        report("missing en (only person entries may leave it empty: they are unaccented)")
    vi_variants = _parse_list(clean, "vi_variants", report)
    en_alternatives = _parse_list(clean, "en_alternatives", report)
    if clean["en"] and clean["en"] in en_alternatives:
        report(f"en_alternatives repeats en {clean['en']!r}", Severity.WARNING)
    valid_from = _parse_date(clean, "valid_from", report)
    valid_to = _parse_date(clean, "valid_to", report)
    if valid_from and valid_to and valid_from > valid_to:
        report(f"valid_from {valid_from} is after valid_to {valid_to}")

    if kind is None or errors_in(problems):
        return None, problems
    entry = Entry(
        vi=clean["vi"], en=clean["en"], type=kind, vi_variants=vi_variants, en_alternatives=en_alternatives,
        acronym=clean["acronym"], valid_from=valid_from, valid_to=valid_to, source=clean["source"],
        note=clean["note"], origin=(path, line),
    )
    return entry, problems


def _parse_type(value: str, report: Report) -> EntryType | None:
    if not value:
        report("missing type")
        return None
    try:
        return EntryType(value)
    except ValueError:
        known = ", ".join(t.value for t in EntryType)
        report(f"unknown type {value!r} (known: {known})")
        return None


def _parse_list(cells: Mapping[str, str], column: str, report: Report) -> tuple[str, ...]:
    if not cells[column]:
        return ()
    items = tuple(item.strip() for item in cells[column].split("|"))
    if not all(items):
        report(f"{column}: empty value between '|' separators")
    return tuple(item for item in items if item)


def _parse_date(cells: Mapping[str, str], column: str, report: Report) -> date | None:
    value = cells[column]
    if not value:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        report(f"{column}: {value!r} is not a date YYYY-MM-DD")
        return None
